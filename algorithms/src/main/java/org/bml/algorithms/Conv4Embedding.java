package org.bml.algorithms;

import java.util.LinkedHashMap;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Conv4;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The body of a {@link Conv4} as a {@link Model}: its forward is {@link Conv4#embed} (the 64-d
 * embedding for 28×28 inputs) and its parameters are Conv-4's without the linear head, so it can
 * serve the metric methods ({@link ProtoNet}, {@link MatchingNet}, {@link BayesianProtoNet}).
 */
public final class Conv4Embedding implements Model {
  private static final String HEAD_PREFIX = org.bml.core.model.ParamNames.HEAD;
  private final Conv4 conv4;

  public Conv4Embedding(Conv4 conv4) {
    this.conv4 = Hyper.nonNull("Conv4Embedding", "Conv4", conv4);
  }

  /** The standard Omniglot Conv-4 body (1 channel, 64 filters, 28×28 images). */
  public static Conv4Embedding omniglot() {
    return new Conv4Embedding(new Conv4(1));
  }

  public long embeddingSize() {
    return conv4.embeddingSize();
  }

  @Override
  public LinkedHashMap<String, long[]> parameterShapes() {
    LinkedHashMap<String, long[]> shapes = conv4.parameterShapes();
    shapes.keySet().removeIf(n -> n.startsWith(HEAD_PREFIX));
    return shapes;
  }

  /** Conv-4's seeded init without the head (the body's values equal Conv-4's for the same seed). */
  @Override
  public Params init(long seed, DataType dtype) {
    return conv4.init(seed, dtype).subset(parameterShapes().keySet());
  }

  @Override
  public Tensor forward(Params params, Tensor x) {
    return conv4.embed(params, x);
  }
}
