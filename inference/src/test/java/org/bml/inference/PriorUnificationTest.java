package org.bml.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.inference.laplace.Curvature;
import org.bml.inference.laplace.Damping;
import org.bml.inference.laplace.Laplace;
import org.bml.priors.DiagonalGaussian;
import org.bml.priors.IsotropicGaussian;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The inference layer's priors are the priors module's Gaussians: the same values bit for bit,
 * and a φ over other parameters or shapes is a clear error (never a broadcast into nonsense).
 */
class PriorUnificationTest {
  static final Mlp MLP = new Mlp(Activation.TANH, 2, 3, 1);

  static Params perTask(long seed, int tasks) {
    return MLP.init(seed, DataType.DOUBLE).map(t -> Tensor.constant(GradientCheck.uniform(seed + t.length(), -1, 1,
        concat(tasks, t.shape()))));
  }

  static long[] concat(long lead, long[] s) {
    long[] out = new long[s.length + 1];
    out[0] = lead;
    System.arraycopy(s, 0, out, 1, s.length);
    return out;
  }

  @Test
  void priorFamiliesAreThePriorsModulesGaussians() {
    Params theta = MLP.init(1, DataType.DOUBLE);
    Params phi = perTask(3, 4);
    assertArrayEquals(IsotropicGaussian.of(theta, 0.7).logDensity(phi).value().toDoubleVector(),
        PriorFamily.isotropic(0.7).given(theta).logDensity(phi).value().toDoubleVector(), 0.0);
    Params logVar = theta.map(t -> Tensor.constant(GradientCheck.uniform(t.length(), -1, 1, t.shape())));
    assertArrayEquals(new DiagonalGaussian(theta, logVar).logDensity(phi).value().toDoubleVector(),
        PriorFamily.gaussian(logVar).given(theta).logDensity(phi).value().toDoubleVector(), 0.0);
    assertArrayEquals(new DiagonalGaussian(theta, logVar).logDensity(phi).value().toDoubleVector(),
        PriorFamily.of(th -> new DiagonalGaussian(th, logVar)).given(theta).logDensity(phi).value().toDoubleVector(),
        0.0);
    // A per-task mean (same task axis as φ).
    Params mu = perTask(5, 4);
    Params lv = mu.map(t -> Ops.scalar(-0.3, DataType.DOUBLE));
    double[] viaView = new GaussianPrior(mu, lv).logDensity(phi).value().toDoubleVector();
    double[] direct = DiagonalGaussian.perTask(mu, mu.map(t -> Tensor.constant(t.value().ulike().assign(-0.3))))
        .logDensity(phi).value().toDoubleVector();
    assertArrayEquals(direct, viaView, 1e-12);
  }

  @Test
  void mismatchedParameterStructuresAreClearErrors() {
    Params theta = MLP.init(1, DataType.DOUBLE);
    Mlp other = new Mlp(Activation.TANH, 2, 4, 1);
    Params wrongShapes = other.init(2, DataType.DOUBLE).map(t -> Ops.expand(t, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PriorFamily.isotropic(1).given(theta).logDensity(wrongShapes));
    assertTrue(e.getMessage().contains("layer0.weight"), e.getMessage());
    Params wrongNames = Params.of(List.of("w"), List.of(Tensor.constant(GradientCheck.uniform(1, -1, 1, 3, 2))));
    e = assertThrows(IllegalArgumentException.class,
        () -> new GaussianPrior(theta, theta.map(t -> Ops.scalar(0, DataType.DOUBLE))).logDensity(wrongNames));
    assertTrue(e.getMessage().contains("different parameters"), e.getMessage());
    // Laplace: a mode over other parameters than the prior's θ.
    Data d = new Data(Tensor.constant(GradientCheck.uniform(4, -1, 1, 3, 5, 2)),
        Tensor.constant(GradientCheck.uniform(5, -1, 1, 3, 5, 1)));
    Laplace laplace = new Laplace(LogLikelihood.gaussian(other, 0.5), PriorFamily.isotropic(1.0),
        Curvature.DIAGONAL_GGN, Damping.none());
    assertThrows(IllegalArgumentException.class, () -> laplace.at(theta, wrongShapes, d));
  }
}
