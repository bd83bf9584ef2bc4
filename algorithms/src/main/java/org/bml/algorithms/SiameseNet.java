package org.bml.algorithms;

import java.util.LinkedHashMap;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Layers;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Siamese networks for one-shot recognition (Koch, Zemel &amp; Salakhutdinov, ICML Deep Learning
 * Workshop 2015): twin embeddings h(x₁), h(x₂) with shared weights, the component-wise L1
 * distance, and a learned weighted sum giving the verification score
 * <pre>  s(x₁, x₂) = Σ_j α_j |h_j(x₁) − h_j(x₂)| + b,   p(same | x₁, x₂) = σ(s).</pre>
 * Trained as a verifier by binary cross-entropy on same/different pairs; used for one-shot
 * classification by the nearest support example: a query takes the class of the support example
 * it scores highest with.
 *
 * <p>Here the verification pairs are every (query, support) pair of a training episode, labelled
 * same when their classes agree; since only 1/N of them are positives, the two kinds are weighted
 * equally (½ mean BCE over positives + ½ over negatives), as the paper's balanced pair sampling
 * does. The embedding is any {@link Model} giving {@code [T, n, d]} (Conv-4's body by default on
 * the command line; the paper uses a larger four-layer net with a 4096-d sigmoid output).
 *
 * <p>{@link #adapt} memorises the embedded support set ({@value #SUPPORT_EMBEDDINGS},
 * {@value #SUPPORT_LABELS}; steps ignored). {@link #predict} gives for each class the highest
 * score over that class's support examples ({@code [T, n, classes]}); its argmax is the paper's
 * nearest-support rule and its softmax is the predictive distribution used for NLL and
 * calibration (a choice made here; the paper only classifies).
 */
public final class SiameseNet implements MetaLearner {
  public static final String SUPPORT_EMBEDDINGS = "support.embeddings";
  public static final String SUPPORT_LABELS = "support.labels";
  /** The weights α of the L1 components. */
  public static final String ALPHA = "siamese.alpha";
  /** The verification bias b. */
  public static final String BIAS = "siamese.bias";
  // Added to the scores of other classes' support examples before the max (exactly 0 for own ones).
  private static final double EXCLUDED = -1e30;

  private final Model embedding;
  private final int embeddingSize;

  /** @param embeddingSize d, the size of the embedding's output */
  public SiameseNet(Model embedding, int embeddingSize) {
    this.embedding = Hyper.nonNull("SiameseNet", "embedding model", embedding);
    this.embeddingSize = Hyper.positiveCount("SiameseNet", "embedding size", embeddingSize);
    Hyper.reserved("SiameseNet", embedding, SUPPORT_EMBEDDINGS, SUPPORT_LABELS, ALPHA, BIAS);
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    // α starts negative: a larger distance means "different" (s < 0); 1/d keeps s = O(1).
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    INDArray alpha = Layers.uniform(new java.util.SplittableRandom(seed ^ 0x51A3E5EL), 0.5 / embeddingSize, dtype,
        embeddingSize).subi(1.0 / embeddingSize);
    m.put(ALPHA, Tensor.variable(alpha, ALPHA));
    m.put(BIAS, Tensor.variable(org.nd4j.linalg.factory.Nd4j.ones(dtype, 1), BIAS));
    return embedding.init(seed, dtype).withAll(Params.of(m));
  }

  /** Verification scores s(a_i, b_j) {@code [T, n, m]} of embeddings a {@code [T, n, d]}, b {@code [T, m, d]}. */
  public Tensor pairScores(Params meta, Tensor a, Tensor b) {
    long t = a.size(0);
    long n = a.size(1);
    long m = b.size(1);
    long d = a.size(2);
    if (d != embeddingSize || b.size(2) != d) {
      throw new IllegalArgumentException("SiameseNet: embeddings must have size " + embeddingSize + ", got "
          + d + " and " + b.size(2));
    }
    Tensor diff = Ops.sub(Ops.broadcastTo(Ops.unsqueeze(a, 2), t, n, m, d), Ops.broadcastTo(Ops.unsqueeze(b, 1), t, n, m, d));
    // |x| as a choice between x and −x by a constant sign mask: differentiable to any order away from 0.
    Tensor l1 = Ops.where(diff.value().gt(0), diff, Ops.neg(diff));
    return Ops.add(Ops.sum(Ops.mul(l1, meta.get(ALPHA)), false, 3), meta.get(BIAS));
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return Ops.mean(verificationLoss(meta, support, query), false);
  }

  /** The balanced verification cross-entropy per task {@code [T]} of all (query, support) pairs. */
  public Tensor verificationLoss(Params meta, Data support, Data query) {
    ClassStats.counts("SiameseNet", support.y());
    Tensor zs = ClassStats.embed("SiameseNet", embedding, meta, support.x());
    Tensor zq = ClassStats.embed("SiameseNet", embedding, meta, query.x());
    checkLabels(support.y(), query.y());
    Tensor s = pairScores(meta, zq, zs);
    Tensor same = Ops.matmul(query.y().detach(), support.y().detach(), false, true); // [T, n, m], 1 = same class
    Tensor diff = Ops.rsubScalar(same, 1.0);
    Tensor pos = Ops.sum(Ops.mul(same, Ops.softplus(Ops.neg(s))), false, 1, 2);
    Tensor neg = Ops.sum(Ops.mul(diff, Ops.softplus(s)), false, 1, 2);
    Tensor nPos = Ops.sum(same, false, 1, 2);
    Tensor nNeg = Ops.sum(diff, false, 1, 2);
    if (nPos.value().minNumber().doubleValue() <= 0 || nNeg.value().minNumber().doubleValue() <= 0) {
      throw new IllegalArgumentException("SiameseNet: every training task needs both same-class and "
          + "different-class (query, support) pairs (at least 2 classes, each query's class in the support)");
    }
    return Ops.mulScalar(Ops.add(Ops.div(pos, nPos), Ops.div(neg, nNeg)), 0.5);
  }

  private static void checkLabels(Tensor ys, Tensor yq) {
    if (yq.rank() != 3 || yq.size(0) != ys.size(0) || yq.size(2) != ys.size(2)) {
      throw new IllegalArgumentException("SiameseNet: query labels must be one-hot [T, n, " + ys.size(2)
          + "] like the support's, got " + java.util.Arrays.toString(yq.shape()));
    }
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("SiameseNet", "adaptation steps", steps, 0); // no steps are taken, but −1 is a caller's bug
    ClassStats.counts("SiameseNet", support.y());
    Tensor e = ClassStats.embed("SiameseNet", embedding, meta, support.x());
    return meta.with(SUPPORT_EMBEDDINGS, e).with(SUPPORT_LABELS, support.y());
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    Tensor z = ClassStats.embed("SiameseNet", embedding, adapted, x);
    Tensor s = pairScores(adapted, z, adapted.get(SUPPORT_EMBEDDINGS)); // [T, n, m]
    INDArray y = adapted.get(SUPPORT_LABELS).value(); // [T, m, C]
    long t = s.size(0);
    long n = s.size(1);
    long m = s.size(2);
    long c = y.size(2);
    // Other classes' support examples are pushed to −1e30, so the max over m picks the class's best.
    INDArray excluded = y.rsub(1.0).muli(EXCLUDED).reshape(t, 1, m, c);
    Tensor masked = Ops.add(Ops.broadcastTo(Ops.unsqueeze(s, 3), t, n, m, c), Tensor.constant(excluded.castTo(s.dtype())));
    return Ops.max(masked, false, 2);
  }

  /** Mean softmax cross-entropy of the nearest-support logits per task {@code [T]} (evaluation only). */
  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return ClassStats.crossEntropy(predict(adapted, data.x()), data.y());
  }
}
