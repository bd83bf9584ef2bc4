package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.LinearGaussianFixture;
import org.bml.inference.LogLikelihood;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.OutputDistribution;
import org.bml.inference.PriorFamily;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Not positive definite curvatures are errors that name the task and offer damping; damping is
 * applied as asked and reported; the results are finite. Plus the constructor checks.
 */
class LaplaceDampingTest {
  // log p(D | φ) = ½ c_t ‖φ_t‖² with c_t = x[t, 0, 0]; with a unit-variance prior H_t = (1 − c_t) I.
  private static final LogLikelihood CONVEX_UP = (phi, d) -> {
    Tensor c = Ops.reshape(d.x(), d.tasks());
    Tensor sq = Ops.sum(Ops.square(phi.get("w")), false, 1);
    return Ops.mulScalar(Ops.mul(c, sq), 0.5);
  };

  private static Data coefficients(double... c) {
    return new Data(Tensor.constant(Nd4j.createFromArray(c).reshape(c.length, 1, 1)),
        Tensor.constant(Nd4j.zeros(DataType.DOUBLE, c.length, 1, 1)));
  }

  private static Params theta() {
    return Params.of(List.of("w"), List.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2))));
  }

  private static Params mode(int tasks) {
    return Params.of(List.of("w"), List.of(Tensor.constant(Nd4j.ones(DataType.DOUBLE, tasks, 2).muli(0.3))));
  }

  private static LaplacePosterior fit(Damping damping, double... c) {
    return new Laplace(CONVEX_UP, PriorFamily.isotropic(1.0), Curvature.EXACT_HESSIAN, damping)
        .at(theta(), mode(c.length), coefficients(c));
  }

  @Test
  void anIndefiniteCurvatureIsAnErrorThatOffersDamping() {
    NotPositiveDefiniteException e = assertThrows(NotPositiveDefiniteException.class, () -> fit(Damping.none(), 3, 0.5));
    assertEquals(0, e.task());
    assertEquals(-2.0, e.smallestEigenvalue(), 1e-12);
    assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    assertTrue(e.getMessage().contains("task 0"), e.getMessage());
    assertTrue(e.getMessage().contains("Damping.whenNeeded"), e.getMessage());
    // the suggested damping is enough
    LaplacePosterior q = fit(Damping.whenNeeded(e.suggestedDamping()), 3, 0.5);
    assertTrue(q.damped(0));
    assertFalse(q.damped(1));
  }

  @Test
  void dampingWhenNeededIsAppliedOnlyWhereNeededAndReported() {
    LaplacePosterior q = fit(Damping.whenNeeded(5), 3, 0.5);
    assertTrue(q.damped(0));
    assertFalse(q.damped(1));
    assertTrue(q.anyDamped());
    double[] ld = q.logDetPrecision();
    assertEquals(2 * Math.log(3), ld[0], 1e-12); // (1 − 3 + 5) I
    assertEquals(2 * Math.log(0.5), ld[1], 1e-12); // (1 − 0.5) I, undamped
    for (double v : q.logMarginalLikelihood().value().toDoubleVector()) {
      assertTrue(Double.isFinite(v));
    }
  }

  @Test
  void insufficientDampingIsAnErrorSayingSo() {
    NotPositiveDefiniteException e = assertThrows(NotPositiveDefiniteException.class, () -> fit(Damping.whenNeeded(1), 3, 0.5));
    assertEquals(-1.0, e.smallestEigenvalue(), 1e-12);
    assertTrue(e.getMessage().contains("not enough"), e.getMessage());
    assertTrue(e.suggestedDamping() > 2, "suggested " + e.suggestedDamping());
  }

  @Test
  void dampingAlwaysShiftsEveryTask() {
    LaplacePosterior q = fit(Damping.always(0.25), 0.5, 0.2);
    assertTrue(q.damped(0) && q.damped(1));
    assertArrayEquals(new double[] {2 * Math.log(0.75), 2 * Math.log(1.05)}, q.logDetPrecision(), 1e-12);
    assertEquals(0.75, q.precision(0)[0][0], 1e-12);
    assertEquals(1 / 1.05, q.covariance(1)[1][1], 1e-12);
  }

  @Test
  void aFlatDirectionOfTheGaussNewtonOrKfacCurvatureNeedsDamping() {
    // Inputs with a zero column and a flat prior: the GGN has a zero on its diagonal, K-FAC a zero eigenvalue.
    Mlp mlp = new Mlp(Activation.IDENTITY, false, 2, 1);
    Data d = new Data(Tensor.constant(Nd4j.createFromArray(new double[] {1, 0, 2, 0, -1, 0}).reshape(1, 3, 2)),
        Tensor.constant(Nd4j.createFromArray(new double[] {1, 2, 3}).reshape(1, 3, 1)));
    PriorFamily flat = th -> phi -> Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1));
    Params mode = Params.of(List.of(Mlp.weight(0)), List.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 1, 2, 1))));
    Params theta = mlp.init(0, DataType.DOUBLE);
    ModelLikelihood dense = new ModelLikelihood(DenseNetwork.mlp(mlp, Activation.IDENTITY), OutputDistribution.gaussian(1));
    for (Curvature c : new Curvature[] {Curvature.DIAGONAL_GGN, Curvature.KFAC}) {
      NotPositiveDefiniteException e = assertThrows(NotPositiveDefiniteException.class,
          () -> new Laplace(dense, flat, c, Damping.none()).at(theta, mode, d));
      assertTrue(e.getMessage().contains(c.toString()), e.getMessage());
      LaplacePosterior q = new Laplace(dense, flat, c, Damping.whenNeeded(1e-3)).at(theta, mode, d);
      assertTrue(q.damped(0));
      assertEquals(Math.log(6 + 1e-3) + Math.log(1e-3), q.logDetPrecision()[0], 1e-9, c.toString()); // (Σx² + δ)(0 + δ)
    }
  }

  @Test
  void kfacFactorsConv4AndRejectsModelsItCannotFactor() {
    // Conv4 is wrapped as a ConvNetwork (KFC blocks); ConvKfacTest checks the factors.
    assertEquals(Curvature.KFAC, new Laplace(LogLikelihood.categorical(new Conv4(1, 4, 16, 3)), PriorFamily.isotropic(1),
        Curvature.KFAC, Damping.none()).curvature());
    Mlp mlp = new Mlp(Activation.TANH, 2, 3, 1);
    OpaqueModel opaque = new OpaqueModel(mlp);
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> new Laplace(LogLikelihood.categorical(opaque), PriorFamily.isotropic(1), Curvature.KFAC, Damping.none()));
    assertTrue(e.getMessage().contains("K-FAC") && e.getMessage().contains("dense"), e.getMessage());
    assertTrue(e.getMessage().contains("DIAGONAL_GGN"), e.getMessage());
  }

  @Test
  void constructorsAndArgumentsAreValidated() {
    Mlp mlp = new Mlp(Activation.TANH, 2, 3, 1);
    assertThrows(IllegalArgumentException.class, () -> Damping.always(-1));
    assertThrows(IllegalArgumentException.class, () -> Damping.always(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Damping.whenNeeded(0));
    IllegalArgumentException noModel = assertThrows(IllegalArgumentException.class,
        () -> new Laplace(CONVEX_UP, PriorFamily.isotropic(1), Curvature.DIAGONAL_GGN, Damping.none()));
    assertTrue(noModel.getMessage().contains("ModelLikelihood"), noModel.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Laplace(null, PriorFamily.isotropic(1),
        Curvature.EXACT_HESSIAN, Damping.none()));
    IllegalArgumentException act = assertThrows(IllegalArgumentException.class,
        () -> DenseNetwork.mlp(mlp, Activation.RELU));
    assertTrue(act.getMessage().contains("activation"), act.getMessage());
    assertThrows(IllegalStateException.class, () -> new Laplace(CONVEX_UP, PriorFamily.isotropic(1),
        Curvature.EXACT_HESSIAN, Damping.none()).infer(theta(), coefficients(0.5), null));
    // the mode's task count must match the support set's
    IllegalArgumentException tasks = assertThrows(IllegalArgumentException.class, () -> new Laplace(CONVEX_UP,
        PriorFamily.isotropic(1), Curvature.EXACT_HESSIAN, Damping.none()).at(theta(), mode(3), coefficients(0.5, 0.2)));
    assertTrue(tasks.getMessage().contains("tasks"), tasks.getMessage());
    assertThrows(IllegalArgumentException.class, () -> fit(Damping.none(), 0.5).objective(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> PriorFamily.isotropic(0));
    assertThrows(IllegalArgumentException.class, () -> OutputDistribution.gaussian(-1));
  }

  @Test
  void kfacAndDiagonalGgnRejectPriorsTheyCannotAddExactly() {
    LinearGaussianFixture f = LinearGaussianFixture.correlated(1);
    ModelLikelihood dense = new ModelLikelihood(DenseNetwork.mlp(f.model, Activation.IDENTITY),
        OutputDistribution.gaussian(f.noiseStd));
    IllegalArgumentException corr = assertThrows(IllegalArgumentException.class, () -> new Laplace(dense,
        f.fullCovariancePrior(), Curvature.DIAGONAL_GGN, Damping.none()).at(f.thetaParams(), f.exactModes(), f.support));
    assertTrue(corr.getMessage().contains("factorised prior"), corr.getMessage());
    Params logVar = Params.of(List.of(LinearGaussianFixture.W),
        List.of(Tensor.constant(Nd4j.createFromArray(new double[] {0.0, 0.5, 1.0}).reshape(3, 1))));
    IllegalArgumentException aniso = assertThrows(IllegalArgumentException.class, () -> new Laplace(dense,
        PriorFamily.gaussian(logVar), Curvature.KFAC, Damping.none()).at(f.thetaParams(), f.exactModes(), f.support));
    assertTrue(aniso.getMessage().contains("same for every weight"), aniso.getMessage());
    // the diagonal GGN accepts the same anisotropic (but factorised) prior
    LaplacePosterior q = new Laplace(dense, PriorFamily.gaussian(logVar), Curvature.DIAGONAL_GGN, Damping.none())
        .at(f.thetaParams(), f.exactModes(), f.support);
    assertNotEquals(q.precision(0)[0][0] - q.precision(0)[2][2], 0.0);
  }
}
