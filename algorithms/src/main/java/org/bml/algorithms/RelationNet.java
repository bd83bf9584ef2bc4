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
 * Relation networks (Sung, Yang, Zhang, Xiang, Torr &amp; Hospedales, "Learning to Compare:
 * Relation Network for Few-Shot Learning", CVPR 2018, arXiv:1711.06025): embed the support set,
 * pool each class's embeddings into one class feature c_k, and score a query z against each class
 * with a learned relation module g over the concatenated pair, r_k = g([z, c_k]).
 *
 * <p>Training follows the paper: the relation score is squashed by a sigmoid and regressed onto
 * the one-hot match (mean squared error over query × class pairs, {@link Loss#MSE}); softmax
 * cross-entropy over the scores ({@link Loss#CROSS_ENTROPY}) is the alternative. {@link #predict}
 * returns the logits r_k / τ, whose softmax is the method's predictive distribution (for an
 * MSE-trained module this is a calibration choice, not part of the paper, which only ranks).
 *
 * <p>Differences from the paper, stated: the class feature is the class <em>mean</em> of the
 * embeddings (the paper sums them for K &gt; 1; identical for one shot, and the mean makes the
 * module's input scale independent of K). The paper's architecture is {@link RelationEncoder}
 * (64 × 5 × 5 feature maps) with {@link ConvRelationModule} (two convolution blocks with batch
 * norm, then the fully connected part, hidden 8). {@link RelationModule#mlp} is a smaller
 * variant on a pooled vector (2d → hidden (ReLU) → 1, no convolutions, no batch norm); under
 * the sigmoid-MSE objective it collapses to a constant score on many-way episodes (Omniglot
 * 20-way: chance), so it is not the default of the command line.
 *
 * <p>Reduction: with the relation module fixed to r(z, c) = −‖z − c‖² ({@link
 * RelationModule#negativeSquaredDistance()}) and the cross-entropy loss, this is exactly a
 * {@link ProtoNet} at the same temperature τ.
 *
 * <p>{@link #adapt} returns θ plus {@value #CLASS_FEATURES} {@code [T, classes, d]} (closed form,
 * steps ignored).
 */
public final class RelationNet implements MetaLearner {
  /** Name of the per-task class-feature tensor in adapted parameters. */
  public static final String CLASS_FEATURES = "class.features";
  /** Prefix of the learned relation module's parameters. */
  public static final String RELATION_PREFIX = "relation.";

  /** The training objective. */
  public enum Loss {
    /** The paper's: mean squared error between sigmoid(r_k) and the one-hot match. */
    MSE,
    /** Softmax cross-entropy over the logits r_k / τ. */
    CROSS_ENTROPY
  }

  /**
   * A relation module: scores {@code [T, n, C]} of queries {@code z [T, n, d]} against class
   * features {@code c [T, C, d]}; its parameters (possibly none) live in the meta-parameters.
   */
  public interface RelationModule {
    /** Seeded initial parameters, or null if the module has none. */
    Params init(long seed, DataType dtype);

    Tensor scores(Params meta, Tensor z, Tensor c);

    /** Names of its parameters (empty if it has none). */
    java.util.Set<String> parameterNames();

    /** The fixed module r(z, c) = −‖z − c‖² (no parameters): the ProtoNet reduction. */
    static RelationModule negativeSquaredDistance() {
      return new RelationModule() {
        @Override
        public Params init(long seed, DataType dtype) {
          return null;
        }

        @Override
        public Tensor scores(Params meta, Tensor z, Tensor c) {
          return Ops.neg(Ops.squaredDistances(z, c));
        }

        @Override
        public java.util.Set<String> parameterNames() {
          return java.util.Set.of();
        }
      };
    }

    /** The learned module: an MLP 2d → hidden (ReLU) → 1 on the concatenated pair [z, c]. */
    static RelationModule mlp(int embeddingSize, int hidden) {
      Hyper.positiveCount("RelationNet", "embedding size", embeddingSize);
      Hyper.positiveCount("RelationNet", "relation hidden width", hidden);
      Prefixed g = new Prefixed(RELATION_PREFIX, new Mlp(Activation.RELU, 2 * embeddingSize, hidden, 1));
      return new RelationModule() {
        @Override
        public Params init(long seed, DataType dtype) {
          return g.init(seed, dtype);
        }

        @Override
        public Tensor scores(Params meta, Tensor z, Tensor c) {
          long t = z.size(0);
          long n = z.size(1);
          long k = c.size(1);
          long d = z.size(2);
          if (d != embeddingSize || c.size(2) != d) {
            throw new IllegalArgumentException("RelationNet: relation module expects embeddings of size "
                + embeddingSize + ", got " + d + " (queries) and " + c.size(2) + " (classes)");
          }
          Tensor zq = Ops.broadcastTo(Ops.unsqueeze(z, 2), t, n, k, d);
          Tensor ck = Ops.broadcastTo(Ops.unsqueeze(c, 1), t, n, k, d);
          Tensor pairs = Ops.reshape(Ops.concat(3, java.util.List.of(zq, ck)), t, n * k, 2 * d);
          return Ops.reshape(g.forward(meta, pairs), t, n, k);
        }

        @Override
        public java.util.Set<String> parameterNames() {
          return g.parameterShapes().keySet();
        }
      };
    }
  }

  private final Model embedding;
  private final RelationModule relation;
  private final double temperature;
  private final Loss loss;

  /** The paper's form: learned MLP relation module (hidden 8), MSE loss, τ = 1. */
  public RelationNet(Model embedding, int embeddingSize) {
    this(embedding, RelationModule.mlp(embeddingSize, 8), 1.0, Loss.MSE);
  }

  /** @param temperature τ &gt; 0 dividing the relation scores in the logits */
  public RelationNet(Model embedding, RelationModule relation, double temperature, Loss loss) {
    this.embedding = Hyper.nonNull("RelationNet", "embedding model", embedding);
    this.relation = Hyper.nonNull("RelationNet", "relation module", relation);
    this.temperature = Hyper.positive("RelationNet", "temperature", temperature);
    this.loss = Hyper.nonNull("RelationNet", "loss", loss);
    Hyper.reserved("RelationNet", embedding, CLASS_FEATURES);
    for (String n : relation.parameterNames()) {
      if (embedding.parameterShapes().containsKey(n) || n.equals(CLASS_FEATURES)) {
        throw new IllegalArgumentException("RelationNet: relation-module parameter '" + n
            + "' clashes with an embedding parameter or a reserved name");
      }
    }
  }

  public Loss loss() {
    return loss;
  }

  public double temperature() {
    return temperature;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    Params e = embedding.init(seed, dtype);
    // A different stream for the module, so its init does not repeat the embedding's.
    Params r = relation.init(seed ^ 0x5E1A710AL, dtype);
    return r == null ? e : e.withAll(r);
  }

  /** Class features (means of the embedded support set per class) {@code [T, classes, d]}. */
  public Tensor classFeatures(Params meta, Data support) {
    Tensor e = ClassStats.embed("RelationNet", embedding, meta, support.x());
    return Ops.div(ClassStats.sums(e, support.y()), ClassStats.counts("RelationNet", support.y()));
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    return Ops.mean(perTaskLoss(adapt(meta, support, 0), query), false);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("RelationNet", "adaptation steps", steps, 0); // no steps are taken, but −1 is a caller's bug
    return meta.with(CLASS_FEATURES, classFeatures(meta, support));
  }

  /** The relation scores r_k {@code [T, n, classes]} (before the temperature). */
  public Tensor scores(Params adapted, Tensor x) {
    Tensor z = ClassStats.embed("RelationNet", embedding, adapted, x);
    return relation.scores(adapted, z, adapted.get(CLASS_FEATURES));
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    Tensor r = scores(adapted, x);
    return temperature == 1.0 ? r : Ops.mulScalar(r, 1.0 / temperature);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    if (loss == Loss.CROSS_ENTROPY) {
      return ClassStats.crossEntropy(predict(adapted, data.x()), data.y());
    }
    Tensor r = predict(adapted, data.x());
    if (data.y().rank() != 3 || data.y().size(2) != r.size(2)) {
      throw new IllegalArgumentException("RelationNet: query labels must be one-hot [T, n, " + r.size(2) + "]");
    }
    Tensor err = Ops.square(Ops.sub(Ops.sigmoid(r), data.y()));
    return Ops.mean(err, false, 1, 2);
  }
}
