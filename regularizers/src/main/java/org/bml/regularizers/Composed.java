package org.bml.regularizers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Two models in sequence, x ↦ decoder(encoder(x)): the encoder's outputs {@code [T, n, d]} are the
 * decoder's inputs. Parameters are the encoder's under {@value #ENCODER} and the decoder's under
 * {@value #DECODER}, so a meta-learner can adapt one part and regularise the other (MR-MAML(W)
 * adapts the decoder and makes the encoder's weights stochastic). Pure, like its parts.
 */
public final class Composed implements Model {
  public static final String ENCODER = org.bml.core.model.ParamNames.ENCODER;
  public static final String DECODER = org.bml.core.model.ParamNames.DECODER;

  private final Model encoder;
  private final Model decoder;
  private final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();

  public Composed(Model encoder, Model decoder) {
    this.encoder = Checks.nonNull("Composed", "encoder", encoder);
    this.decoder = Checks.nonNull("Composed", "decoder", decoder);
    encoder.parameterShapes().forEach((n, s) -> shapes.put(ENCODER + n, s));
    decoder.parameterShapes().forEach((n, s) -> shapes.put(DECODER + n, s));
  }

  public Model encoder() {
    return encoder;
  }

  public Model decoder() {
    return decoder;
  }

  /** The prefixed names of the encoder's parameters. */
  public List<String> encoderNames() {
    return prefixed(ENCODER, encoder);
  }

  /** The prefixed names of the decoder's parameters. */
  public List<String> decoderNames() {
    return prefixed(DECODER, decoder);
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> copy = new LinkedHashMap<>();
    shapes.forEach((n, s) -> copy.put(n, s.clone()));
    return copy;
  }

  /** The encoder's initial values from {@code seed}, the decoder's from {@code seed + 1}. */
  @Override
  public Params init(long seed, DataType dtype) {
    return join(encoder.init(seed, dtype), decoder.init(seed + 1, dtype));
  }

  @Override
  public Tensor forward(Params params, Tensor x) {
    return decoder.forward(part(params, DECODER), encoder.forward(part(params, ENCODER), x));
  }

  /** Encoder and decoder parameters (unprefixed) as one prefixed collection. */
  public static Params join(Params encoderParams, Params decoderParams) {
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : encoderParams.entries()) {
      m.put(ENCODER + e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Tensor> e : decoderParams.entries()) {
      m.put(DECODER + e.getKey(), e.getValue());
    }
    return Params.of(m);
  }

  /** The entries under a prefix, with the prefix removed (the part's own parameter names). */
  public static Params part(Params params, String prefix) {
    List<String> names = new ArrayList<>();
    List<Tensor> values = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : params.entries()) {
      if (e.getKey().startsWith(prefix)) {
        names.add(e.getKey().substring(prefix.length()));
        values.add(e.getValue());
      }
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("Composed: no parameters under '" + prefix + "' in " + params);
    }
    return Params.of(names, values);
  }

  /** Unprefixed part parameters renamed under a prefix. */
  public static Params prefix(Params params, String prefix) {
    return Params.of(params.names().stream().map(n -> prefix + n).toList(), params.tensors());
  }

  private static List<String> prefixed(String prefix, Model m) {
    return m.parameterShapes().keySet().stream().map(n -> prefix + n).toList();
  }

  @Override
  public String toString() {
    return "Composed(" + encoder.getClass().getSimpleName() + " -> " + decoder.getClass().getSimpleName() + ")";
  }
}
