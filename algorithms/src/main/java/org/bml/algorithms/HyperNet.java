package org.bml.algorithms;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.core.model.Prefixed;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A hypernetwork for few-shot classification: a learned generator emits the task-specific weights
 * of a base learner's linear head from the support set, in the sense of Ha, Dai &amp; Le,
 * "HyperNetworks" (ICLR 2017, arXiv:1609.09106: one network generates another's weights) and of the
 * fast weights of Munkhdalai &amp; Yu, "Meta Networks" (ICML 2017, arXiv:1703.00837). The base learner
 * is the embedding body φ (Conv-4 here) followed by a linear head; for each class k of a task the
 * generator g (an MLP d → hidden (ReLU) → d + 1) maps the class-mean embedding c_k = mean φ(x_i),
 * y_i = k, to that class's head row and bias, [w_k, b_k] = g(c_k), and a query scores
 * logit_k = w_k · φ(x̂) + b_k. The body's weights and g are meta-learned end to end by the query
 * cross-entropy; {@link #predict}'s logits give the predictive distribution.
 *
 * <p>Which simplification of Meta Networks this is, exactly: MetaNet's meta learner generates
 * <em>fast weights</em> for both the base learner and its own embedding from the <em>gradients of a
 * support loss</em> (the "meta information"), stores the base learner's per-example fast weights in an
 * external memory keyed by their representation, reads them back for a query by attention over the
 * memory, and combines fast and slow weights through layer augmentation. Here: fast weights only for
 * the base learner's output layer (the embedding has slow weights only); they are generated from the
 * class-mean <em>representation</em>, not from loss gradients; one generated weight vector per class
 * (the memory is the N generated rows, read by the query's dot product with each instead of by
 * attention over per-example slots); no layer augmentation (the head is entirely fast). In that form
 * it is the parameter-prediction family of Qiao et al. (CVPR 2018) and Gidaris &amp; Komodakis
 * (CVPR 2018) without their cosine classifiers.
 *
 * <p>g acts on each class separately with shared weights, so the classifier is exactly equivariant
 * to permutations of the episode's labels and handles any number of ways.
 *
 * <p>{@link #adapt} returns θ plus the generated head {@value #HEAD_WEIGHT} {@code [T, d, N]} and
 * {@value #HEAD_BIAS} {@code [T, N]} (closed form, steps ignored).
 */
public final class HyperNet implements MetaLearner {
  public static final String HEAD_WEIGHT = "fast.head.weight";
  public static final String HEAD_BIAS = "fast.head.bias";
  /** Prefix of the generator's parameters. */
  public static final String GENERATOR_PREFIX = "generator.";

  private final Model embedding;
  private final int embeddingSize;
  private final Prefixed generator;

  /**
   * @param embeddingSize d, the embedding's width
   * @param hidden the generator's hidden width
   */
  public HyperNet(Model embedding, int embeddingSize, int hidden) {
    this.embedding = Hyper.nonNull("HyperNet", "embedding model", embedding);
    this.embeddingSize = Hyper.positiveCount("HyperNet", "embedding size", embeddingSize);
    Hyper.positiveCount("HyperNet", "generator hidden width", hidden);
    Hyper.reserved("HyperNet", embedding, HEAD_WEIGHT, HEAD_BIAS);
    this.generator = new Prefixed(GENERATOR_PREFIX, new Mlp(Activation.RELU, embeddingSize, hidden, embeddingSize + 1));
    for (String n : generator.parameterShapes().keySet()) {
      if (embedding.parameterShapes().containsKey(n)) {
        throw new IllegalArgumentException("HyperNet: generator parameter '" + n + "' clashes with an embedding parameter");
      }
    }
  }

  public Model generator() {
    return generator;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    // A different stream for the generator, so its init does not repeat the embedding's.
    return embedding.init(seed, dtype).withAll(generator.init(seed ^ 0x4E7A_6E37L, dtype));
  }

  /** Class-mean embeddings {@code [T, N, d]} of the support set. */
  public Tensor classMeans(Params meta, Data support) {
    Tensor e = ClassStats.embed("HyperNet", embedding, meta, support.x());
    if (e.size(2) != embeddingSize) {
      throw new IllegalArgumentException("HyperNet: the embedding has width " + e.size(2) + ", expected "
          + embeddingSize);
    }
    return Ops.div(ClassStats.sums(e, support.y()), ClassStats.counts("HyperNet", support.y()));
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return Ops.mean(perTaskLoss(adapt(meta, support, 0), query), false);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("HyperNet", "adaptation steps", steps, 0); // no steps are taken, but −1 is a caller's bug
    Tensor c = classMeans(meta, support);
    long t = c.size(0);
    long k = c.size(1);
    Tensor g = generator.forward(meta, c); // [T, N, d + 1]
    Tensor w = Ops.transpose(Ops.slice(g, 2, 0, embeddingSize), 1, 2);
    Tensor b = Ops.reshape(Ops.slice(g, 2, embeddingSize, embeddingSize + 1), t, k);
    return meta.with(HEAD_WEIGHT, w).with(HEAD_BIAS, b);
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    Tensor z = ClassStats.embed("HyperNet", embedding, adapted, x);
    return Ops.linear(z, adapted.get(HEAD_WEIGHT), adapted.get(HEAD_BIAS));
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return ClassStats.crossEntropy(predict(adapted, data.x()), data.y());
  }
}
