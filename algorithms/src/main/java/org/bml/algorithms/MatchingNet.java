package org.bml.algorithms;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Matching networks (Vinyals, Blundell, Lillicrap, Kavukcuoglu & Wierstra, NeurIPS 2016,
 * arXiv:1606.04080) in their simplest faithful form: a query's class distribution is an
 * attention-weighted vote of the support labels,
 * <pre>  P(y | x̂, S) = Σ_i a(x̂, x_i) y_i,   a(x̂, x_i) = softmax_i( s · cos(f(x̂), g(x_i)) ),</pre>
 * with one embedding f = g shared by queries and support (the paper's "no full context
 * embeddings" variant: neither the bidirectional-LSTM context g nor the attention-LSTM f), and
 * s = 1 by default as in the paper (a fixed scale s > 0 sharpens the attention). Trained by the
 * negative log-likelihood of the query labels.
 *
 * <p>{@link #adapt} memorises the embedded support set: θ (shared) plus
 * {@value #SUPPORT_EMBEDDINGS} {@code [T, n, d]} and the one-hot {@value #SUPPORT_LABELS}
 * {@code [T, n, classes]}; the number of steps is ignored. {@link #predict} returns the log class
 * probabilities log P(y | x̂, S) {@code [T, m, classes]} (already normalised, so they are also
 * logits). Every class needs a support example, else its probability would be zero.
 */
public final class MatchingNet implements MetaLearner {
  public static final String SUPPORT_EMBEDDINGS = "support.embeddings";
  public static final String SUPPORT_LABELS = "support.labels";
  /** Guards the cosine similarity against a zero embedding. */
  public static final double COSINE_EPS = 1e-8;

  private final Model embedding;
  private final double scale;

  public MatchingNet(Model embedding) {
    this(embedding, 1.0);
  }

  /** @param scale s > 0 multiplying the cosine similarities before the softmax */
  public MatchingNet(Model embedding, double scale) {
    this.embedding = Hyper.nonNull("MatchingNet", "embedding model", embedding);
    this.scale = Hyper.positive("MatchingNet", "attention scale", scale);
    Hyper.reserved("MatchingNet", embedding, SUPPORT_EMBEDDINGS, SUPPORT_LABELS);
  }

  public Model embedding() {
    return embedding;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    return embedding.init(seed, dtype);
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return Ops.mean(perTaskLoss(adapt(meta, support, 0), query), false);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("MatchingNet", "adaptation steps", steps, 0); // no steps are taken, but −1 is a caller's bug
    ClassStats.counts("MatchingNet", support.y());
    Tensor e = ClassStats.embed("MatchingNet", embedding, meta, support.x());
    return meta.with(SUPPORT_EMBEDDINGS, e).with(SUPPORT_LABELS, support.y());
  }

  /** The attention of each query over the support set {@code [T, m, n]} (rows sum to one). */
  public Tensor attention(Params adapted, Tensor x) {
    Tensor z = ClassStats.embed("MatchingNet", embedding, adapted, x);
    Tensor cos = Ops.cosineSimilarity(z, adapted.get(SUPPORT_EMBEDDINGS), COSINE_EPS);
    return Ops.softmax(scale == 1.0 ? cos : Ops.mulScalar(cos, scale), -1);
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    return Ops.log(Ops.matmul(attention(adapted, x), adapted.get(SUPPORT_LABELS)));
  }

  /** Mean negative log-likelihood −Σ_c y_c log P(c | x̂, S) of each task's points {@code [T]}. */
  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    Tensor logp = predict(adapted, data.x());
    return Ops.mean(Ops.neg(Ops.sum(Ops.mul(data.y(), logp), false, -1)), false, 1);
  }
}
