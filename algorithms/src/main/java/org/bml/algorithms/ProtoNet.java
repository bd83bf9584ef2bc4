package org.bml.algorithms;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.Likelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PointMass;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Prototypical networks (Snell, Swersky & Zemel, NeurIPS 2017, arXiv:1703.05175): embed the
 * support set, take each class's mean embedding as its prototype c_k, and classify a query z by a
 * softmax over −‖z − c_k‖² / τ (squared Euclidean distance; τ = 1 is the paper's).
 *
 * <p>As a composition: the task "parameters" are the class means, and the point estimate of each
 * (the support mean, prototypes = (Yᵀ E) / counts, batched over tasks with one matmul) is a
 * {@link PointMass} ({@link #inference()}); the meta-loss is the query cross-entropy at that point
 * ({@link MetaObjective#queryLossAtMode()}) and θ is the embedding's parameters.
 *
 * <p>{@link #adapt} returns θ (shared, no task axis) plus one tensor {@value #PROTOTYPES}
 * {@code [T, classes, d]}; it is closed form, so the number of steps is ignored. {@link #predict}
 * gives the logits −‖z − c_k‖² / τ {@code [T, n, classes]}. The embedding is any {@link Model}
 * whose forward gives {@code [T, n, d]} (e.g. an {@link org.bml.core.model.Mlp}, or
 * {@link Conv4Embedding}).
 */
public final class ProtoNet implements MetaLearner {
  /** Name of the per-task class-mean tensor in adapted parameters. */
  public static final String PROTOTYPES = "prototypes";

  private final Model embedding;
  private final double temperature;
  private final MetaObjective objective = MetaObjective.queryLossAtMode();

  /** The paper's form, τ = 1. */
  public ProtoNet(Model embedding) {
    this(embedding, 1.0);
  }

  /** @param temperature τ > 0 dividing the squared distances */
  public ProtoNet(Model embedding, double temperature) {
    this.embedding = Hyper.nonNull("ProtoNet", "embedding model", embedding);
    this.temperature = Hyper.positive("ProtoNet", "temperature", temperature);
    Hyper.reserved("ProtoNet", embedding, PROTOTYPES);
  }

  public Model embedding() {
    return embedding;
  }

  public double temperature() {
    return temperature;
  }

  @Override
  public Params initialize(long seed, DataType dtype) {
    return embedding.init(seed, dtype);
  }

  /** Class means of the embedded support set {@code [T, classes, d]}. */
  public Tensor prototypes(Params meta, Data support) {
    Tensor e = ClassStats.embed("ProtoNet", embedding, meta, support.x());
    return Ops.div(ClassStats.sums(e, support.y()), ClassStats.counts("ProtoNet", support.y()));
  }

  /** θ, support ↦ point mass at θ ∪ {prototypes}. The likelihood argument is not needed. */
  public InferenceStrategy inference() {
    return (theta, support, lik) -> new PointMass(theta.with(PROTOTYPES, prototypes(theta, support)));
  }

  /** Mean query cross-entropy per task of the prototype classifier at given adapted parameters. */
  public Likelihood likelihood() {
    return (phi, d) -> ClassStats.crossEntropy(predict(phi, d.x()), d.y());
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    Likelihood lik = likelihood();
    return objective.loss(inference().infer(meta, support, lik), query, lik);
  }

  @Override
  public Params adapt(Params meta, Data support, int steps) {
    Hyper.atLeast("ProtoNet", "adaptation steps", steps, 0); // prototypes take no steps, but −1 is a caller's bug
    return inference().infer(meta, support, likelihood()).mode();
  }

  @Override
  public Tensor predict(Params adapted, Tensor x) {
    Tensor z = ClassStats.embed("ProtoNet", embedding, adapted, x);
    Tensor d2 = Ops.squaredDistances(z, adapted.get(PROTOTYPES));
    return Ops.mulScalar(d2, -1.0 / temperature);
  }

  @Override
  public Tensor perTaskLoss(Params adapted, Data data) {
    return likelihood().perTask(adapted, data);
  }
}
