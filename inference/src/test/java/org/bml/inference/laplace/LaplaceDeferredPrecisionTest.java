package org.bml.inference.laplace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.PriorFamily;
import org.bml.inference.TruncatedGradientDescent;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * With a differentiable mode and {@link Damping#always}, the double-precision precision is built
 * only when sampling or inspection needs it (a meta-objective uses the tape log-determinant alone);
 * the results are those of the eager path, and a curvature that the damping does not make positive
 * definite is still the double path's clear error. Float64, tanh MLPs.
 */
class LaplaceDeferredPrecisionTest {
  @Test
  void theTapeLogDetDoesNotBuildTheDoublePrecisionAndAgreesWithIt() {
    // A prior precision of 20 keeps the exact Hessian positive definite after two steps.
    Mlp mlp = new Mlp(Activation.TANH, 1, 3, 1);
    Params theta = mlp.init(5, DataType.DOUBLE);
    Data d = LaplaceMetaGradientTest.regression(2, 5, 11);
    for (Curvature c : Curvature.values()) {
      Laplace laplace = new Laplace(new TruncatedGradientDescent(2, 0.1, GradientOrder.SECOND),
          LogLikelihood.gaussian(mlp, 0.5), PriorFamily.isotropic(0.05), c, Damping.always(0.1));
      LaplacePosterior q = laplace.infer(theta, d, Likelihood.meanSquaredError(mlp));
      double[] tape = q.logDet().value().toDoubleVector();
      assertFalse(q.precisionBuilt(), c + ": the tape log-det must not build the double precision");
      assertTrue(q.damped(0) && q.damped(1) && q.anyDamped(), c + ": every task damped by δ");
      assertFalse(q.precisionBuilt(), c + ": damping reports must not build it either");
      double[] doubles = q.logDetPrecision();
      assertTrue(q.precisionBuilt());
      for (int t = 0; t < doubles.length; t++) {
        assertEquals(doubles[t], tape[t], 1e-9 * Math.max(1, Math.abs(doubles[t])), c + ": task " + t);
      }
      // The same posterior built eagerly (constant mode and θ) has the same precision.
      LaplacePosterior eager = laplace.at(theta.detach(), q.mode().detach(), d);
      assertTrue(eager.precisionBuilt());
      assertArrayEquals(eager.logDetPrecision(), doubles, 1e-12);
      assertArrayEquals(eager.covariance(1)[0], q.covariance(1)[0], 1e-12);
      // Sampling from a fresh deferred posterior builds it on demand, with the same draws.
      LaplacePosterior fresh = laplace.infer(theta, d, Likelihood.meanSquaredError(mlp));
      assertFalse(fresh.precisionBuilt());
      assertArrayEquals(eager.sample(3).get(Mlp.weight(0)).value().reshape(-1).toDoubleVector(),
          fresh.sample(3).get(Mlp.weight(0)).value().reshape(-1).toDoubleVector(), 1e-12);
      assertTrue(fresh.precisionBuilt());
    }
  }

  @Test
  void aCurvatureTheDampingDoesNotFixIsStillTheDoublePathsError() {
    // log p(D | φ) = ½ c ‖φ‖², unit prior: H = (1 − c) I = −2 I at c = 3; δ = 1 leaves −I.
    Tensor c = Tensor.constant(Nd4j.createFromArray(3.0, 0.5).reshape(2, 1, 1));
    Data d = new Data(c, Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2, 1, 1)));
    LogLikelihood convexUp = (phi, data) -> Ops.mulScalar(Ops.mul(Ops.reshape(data.x(), data.tasks()),
        Ops.sum(Ops.square(phi.get("w")), false, 1)), 0.5);
    Params theta = Params.of(List.of("w"), List.of(Tensor.constant(Nd4j.zeros(DataType.DOUBLE, 2))));
    Params mode = Params.of(List.of("w"), List.of(Tensor.variable(Nd4j.ones(DataType.DOUBLE, 2, 2).muli(0.3), "w")));
    LaplacePosterior q = new Laplace(convexUp, PriorFamily.isotropic(1.0), Curvature.EXACT_HESSIAN,
        Damping.always(1)).at(theta, mode, d);
    assertFalse(q.precisionBuilt());
    NotPositiveDefiniteException e = assertThrows(NotPositiveDefiniteException.class, q::logDet);
    assertEquals(0, e.task());
    assertEquals(-1.0, e.smallestEigenvalue(), 1e-12);
    assertTrue(e.getMessage().contains("not enough"), e.getMessage());
    // Enough damping: the tape log-det is (1 − c + δ) per direction.
    LaplacePosterior ok = new Laplace(convexUp, PriorFamily.isotropic(1.0), Curvature.EXACT_HESSIAN,
        Damping.always(5)).at(theta, mode, d);
    assertArrayEquals(new double[] {2 * Math.log(3), 2 * Math.log(5.5)}, ok.logDet().value().toDoubleVector(), 1e-12);
    assertFalse(ok.precisionBuilt());
  }
}
