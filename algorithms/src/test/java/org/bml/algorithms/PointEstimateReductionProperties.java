package org.bml.algorithms;

import static org.bml.algorithms.PointEstimateFixtures.balanced;
import static org.bml.algorithms.PointEstimateFixtures.between;
import static org.bml.algorithms.PointEstimateFixtures.grad;
import static org.bml.algorithms.PointEstimateFixtures.maxAbsDiff;
import static org.bml.algorithms.PointEstimateFixtures.norm;
import static org.bml.algorithms.PointEstimateFixtures.randomLabels;
import static org.bml.algorithms.PointEstimateFixtures.regression;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bml.core.autodiff.GradMode;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reductions between the point-estimate methods, on small random float64 problems (shapes,
 * step counts, step sizes and data drawn per try). Each property names its tolerance: a norm-wise
 * relative error {@code ‖a − b‖ / max(‖a‖, ‖b‖)} for gradients, an absolute one for probabilities.
 */
class PointEstimateReductionProperties {

  /**
   * FOMAML = MAML when the loss is linear in the parameters: a linear model scored by
   * mean(y ⊙ f(x)) has zero Hessian, so the term FOMAML drops vanishes. Tolerance 1e-12.
   */
  @Property(tries = 25, seed = "1703034001")
  void fomamlEqualsMamlWhenTheLossIsLinearInTheParameters(@ForAll @IntRange(min = 1, max = 4) int tasks,
      @ForAll @IntRange(min = 1, max = 4) int dim, @ForAll @IntRange(min = 1, max = 3) int outputs,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll long seed) {
    Mlp linear = new Mlp(Activation.IDENTITY, true, dim, outputs);
    Likelihood lin = (phi, d) -> Ops.mean(Ops.sum(Ops.mul(d.y(), linear.forward(phi, d.x())), false, 2), false, 1);
    double alpha = between(seed, 0.01, 0.5);
    Params theta = linear.init(seed, DataType.DOUBLE);
    Data support = regression(seed + 1, tasks, 5, dim, outputs);
    Data query = regression(seed + 2, tasks, 4, dim, outputs);
    Maml secondOrder = new Maml(linear, lin, steps, alpha, GradientOrder.SECOND);
    List<INDArray> maml = grad(secondOrder.metaLoss(theta, support, query), theta.tensors());
    List<INDArray> fomaml = grad(Fomaml.create(linear, lin, steps, alpha).metaLoss(theta, support, query),
        theta.tensors());
    double err = GradientCheck.relativeError(fomaml, maml);
    assertTrue(err <= 1e-12, "FOMAML vs MAML on a linear loss: rel err " + err);
    assertTrue(norm(maml) > 1e-3, "the meta-gradient must not be trivially zero");
  }

  /**
   * Reptile with one inner step: ∇ of its surrogate is θ − mean_t φ_1^t = α ∇_θ mean_t L_t(θ),
   * the joint-training gradient (on the data the inner loop sees), scaled by α. Tolerance 1e-12
   * (θ − φ_1 cancels leading digits of θ; observed errors are about 1e-15).
   */
  @Property(tries = 25, seed = "1803029990")
  void reptileWithOneInnerStepIsTheJointTrainingGradient(@ForAll @IntRange(min = 1, max = 4) int tasks,
      @ForAll @IntRange(min = 1, max = 5) int points, @ForAll Reptile.InnerData innerData, @ForAll long seed) {
    Mlp mlp = new Mlp(Activation.TANH, 2, 4, 1);
    Likelihood mse = Likelihood.meanSquaredError(mlp);
    double alpha = between(seed, 0.05, 0.5);
    Params theta = mlp.init(seed, DataType.DOUBLE);
    Data support = regression(seed + 1, tasks, points, 2, 1);
    Data query = regression(seed + 2, tasks, 3, 2, 1);
    Reptile reptile = new Reptile(mlp, mse, 1, alpha, innerData);
    List<INDArray> direction = grad(reptile.metaLoss(theta, support, query), theta.tensors());
    Data seen = innerData == Reptile.InnerData.SUPPORT ? support : Reptile.join(support, query);
    // θ is shared (no task axis): the model evaluates every task with it, the joint-training loss.
    Tensor joint = Ops.mulScalar(Ops.mean(mse.perTask(theta, seen), false), alpha);
    List<INDArray> expected = grad(joint, theta.tensors());
    double err = GradientCheck.relativeError(direction, expected);
    assertTrue(err <= 1e-12, "Reptile (k = 1) direction vs α·joint gradient: rel err " + err);
  }

  /**
   * Meta-SGD with every step size equal to α is MAML with step size α: same meta-gradient with
   * respect to θ, for either gradient order. Tolerance 1e-12.
   */
  @Property(tries = 25, seed = "1707098350")
  void metaSgdWithEqualStepSizesIsMaml(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll GradientOrder order, @ForAll long seed) {
    Mlp mlp = new Mlp(Activation.TANH, 2, 4, 1);
    Likelihood mse = Likelihood.meanSquaredError(mlp);
    double alpha = between(seed, 0.01, 0.3);
    Params theta = mlp.init(seed, DataType.DOUBLE);
    Params alphas = theta.mapNamed((n, t) -> Tensor.variable(
        Nd4j.valueArrayOf(t.shape(), alpha, DataType.DOUBLE), MetaSgd.stepSizeName(n)));
    Params meta = MetaSgd.combine(theta, alphas);
    Data support = regression(seed + 1, tasks, 4, 2, 1);
    Data query = regression(seed + 2, tasks, 4, 2, 1);
    List<INDArray> metaSgd = grad(new MetaSgd(mlp, mse, steps, 0.1, order).metaLoss(meta, support, query),
        theta.tensors());
    List<INDArray> maml = grad(new Maml(mlp, mse, steps, alpha, order).metaLoss(theta, support, query),
        theta.tensors());
    double err = GradientCheck.relativeError(metaSgd, maml);
    assertTrue(err <= 1e-12, "Meta-SGD (α = " + alpha + " everywhere) vs MAML, " + order + ": rel err " + err);
  }

  /**
   * ANIL with the body frozen is MAML on the head alone: MAML applied to a linear head whose
   * inputs are the fixed body's features gives the same head meta-gradient, whether or not the
   * body itself is being trained (its gradient does not enter the head's). Tolerance 1e-12.
   */
  @Property(tries = 25, seed = "1909091570")
  void anilWithAFrozenBodyIsMamlOnTheHead(@ForAll @IntRange(min = 1, max = 3) int tasks,
      @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll GradientOrder order, @ForAll boolean bodyTrained,
      @ForAll long seed) {
    int hidden = 5;
    Mlp net = new Mlp(Activation.TANH, 2, hidden, 1);
    String w0 = Mlp.weight(0);
    String b0 = Mlp.biasName(0);
    String w1 = Mlp.weight(1);
    String b1 = Mlp.biasName(1);
    Params init = net.init(seed, DataType.DOUBLE);
    Params theta = bodyTrained ? init : init.mapNamed((n, t) -> n.equals(w0) || n.equals(b0) ? t.detach() : t);
    double alpha = between(seed, 0.01, 0.3);
    Data support = regression(seed + 1, tasks, 4, 2, 1);
    Data query = regression(seed + 2, tasks, 3, 2, 1);
    Anil anil = new Anil(net, Likelihood.meanSquaredError(net), List.of(w1, b1), steps, alpha, order);
    List<Tensor> head = List.of(theta.get(w1), theta.get(b1));
    List<INDArray> anilGrad = grad(anil.metaLoss(theta, support, query), head);

    Mlp headModel = new Mlp(Activation.IDENTITY, hidden, 1);
    Params headTheta = Params.of(List.of(Mlp.weight(0), Mlp.biasName(0)), head);
    Maml maml = new Maml(headModel, Likelihood.meanSquaredError(headModel), steps, alpha, order);
    List<INDArray> mamlGrad = grad(maml.metaLoss(headTheta, features(init, support), features(init, query)), head);
    double err = GradientCheck.relativeError(anilGrad, mamlGrad);
    assertTrue(err <= 1e-12, "ANIL head meta-gradient vs MAML on features, " + order + ": rel err " + err);
  }

  private static Data features(Params body, Data d) {
    try (GradMode.Scope ng = GradMode.noGrad()) {
      Tensor h = Ops.tanh(Ops.linear(d.x(), body.get(Mlp.weight(0)).detach(), body.get(Mlp.biasName(0)).detach()));
      return new Data(h, d.y());
    }
  }

  /**
   * The Bayesian ProtoNet with a flat prior (σ0² = ∞) and n shots of every class is ProtoNet at
   * temperature τ = 2σ²(1 + 1/n): posterior means are the prototypes bit for bit; class
   * probabilities agree to 1e-12 (absolute), the query loss and its gradient with respect to θ to
   * 1e-12 (relative). With a huge but finite σ0² = 1e12 (κ = σ²/σ0² ≤ 2e-12 shifts the means
   * and variances by about that much) every comparison holds to 1e-9.
   */
  @Property(tries = 30, seed = "1703051750")
  void bayesianProtoNetWithAFlatPriorIsProtoNetAtTheMatchedTemperature(
      @ForAll @IntRange(min = 1, max = 3) int tasks, @ForAll @IntRange(min = 2, max = 4) int ways,
      @ForAll @IntRange(min = 1, max = 4) int shots, @ForAll @IntRange(min = 1, max = 6) int queries,
      @ForAll boolean flat, @ForAll long seed) {
    Mlp embedding = new Mlp(Activation.TANH, 3, 6, 4);
    double sigma2 = between(seed, 0.1, 2.0);
    double priorVariance = flat ? Double.POSITIVE_INFINITY : 1e12;
    double tol = flat ? 1e-12 : 1e-9;
    BayesianProtoNet bayes = new BayesianProtoNet(embedding, priorVariance, sigma2, false);
    ProtoNet proto = new ProtoNet(embedding, BayesianProtoNet.matchingTemperature(sigma2, shots));
    Params theta = embedding.init(seed, DataType.DOUBLE);
    Data support = balanced(seed + 1, tasks, ways, shots, 3);
    Data query = randomLabels(seed + 2, tasks, queries, ways, 3);

    Params pb = bayes.adapt(theta, support, 0);
    Params pp = proto.adapt(theta, support, 0);
    INDArray means = pb.get(BayesianProtoNet.POSTERIOR_MEAN).value();
    INDArray prototypes = pp.get(ProtoNet.PROTOTYPES).value();
    if (flat) {
      assertEquals(prototypes, means, "posterior means must be the prototypes exactly");
    } else {
      assertTrue(maxAbsDiff(prototypes, means) <= tol, "posterior means vs prototypes");
    }
    INDArray probsBayes = Ops.softmax(bayes.predict(pb, query.x()), -1).value();
    INDArray probsProto = Ops.softmax(proto.predict(pp, query.x()), -1).value();
    double diff = maxAbsDiff(probsBayes, probsProto);
    assertTrue(diff <= tol, "class probabilities differ by " + diff + " (σ0² = " + priorVariance + ")");

    Tensor lb = bayes.metaLoss(theta, support, query);
    Tensor lp = proto.metaLoss(theta, support, query);
    double lossErr = Math.abs(lb.item() - lp.item()) / Math.max(Math.abs(lp.item()), 1e-300);
    assertTrue(lossErr <= tol, "query loss " + lb.item() + " vs " + lp.item());
    double gradErr = GradientCheck.relativeError(grad(lb, theta.tensors()), grad(lp, theta.tensors()));
    assertTrue(gradErr <= tol, "meta-gradient rel err " + gradErr);
  }
}
