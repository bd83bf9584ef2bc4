package org.bml.regularizers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Noise;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The network of MR-MAML(A) (Yin et al., ICLR 2020, arXiv:1912.03820, §4.1): an encoder maps
 * x to the parameters of q(z | x) = N(μ(x), diag σ(x)²) over a {@code latentDim}-dimensional
 * bottleneck, and a decoder maps z to outputs. The encoder's outputs {@code [T, n, 2·latentDim]}
 * are μ (first half) and s with σ = softplus(s) (second half), as in the authors' sinusoid code.
 * Any {@link Model} works as encoder or decoder (an {@code Mlp}; a {@code Conv4} with
 * {@code 2·latentDim} outputs as encoder), evaluated with the leading task axis.
 *
 * <p>Parameters are the encoder's under {@link Composed#ENCODER} and the decoder's under
 * {@link Composed#DECODER}; the meta-learner adapts the decoder. As a {@link Model},
 * {@link #forward} is the deterministic mean path decoder(μ(x)) (used at meta-test time, as the
 * paper's code does); the stochastic path is {@link #encode} → {@link Encoding#sample} →
 * {@link #decode}.
 */
public final class StochasticBottleneck implements Model {
  private final Model encoder;
  private final Model decoder;
  private final int latentDim;
  private final Composed names;

  public StochasticBottleneck(Model encoder, Model decoder, int latentDim) {
    if (latentDim <= 0) {
      throw new IllegalArgumentException("StochasticBottleneck: latent dimension must be positive, got " + latentDim);
    }
    this.encoder = Checks.nonNull("StochasticBottleneck", "encoder", encoder);
    this.decoder = Checks.nonNull("StochasticBottleneck", "decoder", decoder);
    this.latentDim = latentDim;
    this.names = new Composed(encoder, decoder);
  }

  /**
   * q(z | x) for a batch of points: mean and standard deviation, each {@code [T, n, latentDim]}.
   * The KL and the samples are closed forms of these two tensors (differentiable in both).
   */
  public record Encoding(Tensor mean, Tensor std) {
    public Encoding {
      if (!Arrays.equals(mean.shape(), std.shape())) {
        throw new IllegalArgumentException("Encoding: mean " + Arrays.toString(mean.shape()) + " and std "
            + Arrays.toString(std.shape()) + " differ in shape");
      }
    }

    /** z = μ + σ ⊙ ε with ε ~ N(0, I) a constant drawn from the seed (reparameterised). */
    public Tensor sample(long seed) {
      Tensor eps = Noise.standardNormal(seed, mean.dtype(), mean.shape());
      return Ops.add(mean, Ops.mul(std, eps));
    }
  }

  public Model encoder() {
    return encoder;
  }

  public Model decoder() {
    return decoder;
  }

  public int latentDim() {
    return latentDim;
  }

  /** Prefixed names of the encoder's parameters (meta-learned, not adapted). */
  public List<String> encoderNames() {
    return names.encoderNames();
  }

  /** Prefixed names of the decoder's parameters (adapted per task). */
  public List<String> decoderNames() {
    return names.decoderNames();
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    return names.parameterShapes();
  }

  @Override
  public Params init(long seed, DataType dtype) {
    return names.init(seed, dtype);
  }

  /** q(z | x): μ and σ = softplus(s) from the encoder's outputs. */
  public Encoding encode(Params params, Tensor x) {
    Tensor out = encoder.forward(Composed.part(params, Composed.ENCODER), x);
    if (out.rank() != 3 || out.size(2) != 2L * latentDim) {
      throw new IllegalArgumentException("StochasticBottleneck: the encoder must output [T, n, " + 2 * latentDim
          + "] (μ and s of a " + latentDim + "-dimensional z), got " + Arrays.toString(out.shape()));
    }
    Tensor mean = Ops.slice(out, 2, 0, latentDim);
    Tensor std = Ops.softplus(Ops.slice(out, 2, latentDim, 2L * latentDim));
    return new Encoding(mean, std);
  }

  /** Decoder outputs for activations z {@code [T, n, latentDim]}; params hold (at least) the prefixed decoder. */
  public Tensor decode(Params params, Tensor z) {
    return decoder.forward(Composed.part(params, Composed.DECODER), z);
  }

  /** The mean path decoder(μ(x)). */
  @Override
  public Tensor forward(Params params, Tensor x) {
    return decode(params, encode(params, x).mean());
  }

  @Override
  public String toString() {
    return "StochasticBottleneck(" + encoder.getClass().getSimpleName() + " -> z[" + latentDim + "] -> "
        + decoder.getClass().getSimpleName() + ")";
  }
}
