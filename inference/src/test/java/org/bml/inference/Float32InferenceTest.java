package org.bml.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Params;
import org.bml.inference.laplace.Curvature;
import org.bml.inference.laplace.Damping;
import org.bml.inference.laplace.DenseNetwork;
import org.bml.inference.laplace.Laplace;
import org.bml.inference.laplace.LaplacePosterior;
import org.bml.inference.particles.ParticlePosterior;
import org.bml.inference.particles.RbfKernel;
import org.bml.inference.particles.Svgd;
import org.bml.inference.variational.AmortizedGaussian;
import org.bml.inference.variational.DiagonalGaussianPosterior;
import org.bml.inference.variational.Elbo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The strategies run on float32 models (the training dtype): results keep the model's dtype and are
 * finite; the Laplace evidence of a linear-Gaussian task is within 1e-4 relative of the float64 oracle.
 */
class Float32InferenceTest {
  private static final DataType F32 = DataType.FLOAT;

  private static Params f32(Params p) {
    return p.map(t -> Tensor.constant(t.value().castTo(F32)));
  }

  private static Data f32(Data d) {
    return new Data(Tensor.constant(d.x().value().castTo(F32)), Tensor.constant(d.y().value().castTo(F32)));
  }

  @Test
  void laplaceInFloat32() {
    LinearGaussianFixture f = LinearGaussianFixture.isotropic(1.0, 3, 6, 2, 5);
    ModelLikelihood dense = new ModelLikelihood(DenseNetwork.mlp(f.model, Activation.IDENTITY),
        OutputDistribution.gaussian(f.noiseStd));
    for (Curvature c : new Curvature[] {Curvature.EXACT_HESSIAN, Curvature.KFAC}) {
      LaplacePosterior q = new Laplace(dense, PriorFamily.isotropic(1.0), c, Damping.none())
          .at(f32(f.thetaParams()), f32(f.exactModes()), f32(f.support));
      assertEquals(F32, q.logMarginalLikelihood().dtype());
      assertEquals(F32, q.sample(3).get(LinearGaussianFixture.W).dtype());
      for (int t = 0; t < f.tasks(); t++) {
        double lml = q.logMarginalLikelihood().value().getDouble(t);
        assertEquals(f.logMarginal(t), lml, 1e-4 * Math.abs(f.logMarginal(t)), c + " task " + t);
      }
    }
    LaplacePosterior diag = new Laplace(dense, PriorFamily.isotropic(1.0), Curvature.DIAGONAL_GGN, Damping.none())
        .at(f32(f.thetaParams()), f32(f.exactModes()), f32(f.support));
    assertTrue(Double.isFinite(diag.logMarginalLikelihood().value().getDouble(0)));
  }

  @Test
  void variationalAndParticlesInFloat32() {
    LinearGaussianFixture f = LinearGaussianFixture.isotropic(1.0, 3, 6, 2, 5);
    Data support = f32(f.support);
    Params theta = f32(f.thetaParams());
    Params logStd = theta.map(t -> Tensor.constant(Nd4j.valueArrayOf(t.shape(), -2.0, F32)));
    DiagonalGaussianPosterior q = new AmortizedGaussian(new TruncatedGradientDescent(2, 0.05, GradientOrder.FIRST), logStd)
        .infer(theta, support, Likelihood.meanSquaredError(f.model));
    Tensor elbo = Elbo.estimate(q, GaussianPrior.isotropic(theta, 1.0), f.logLikelihood(), support, 2, 1);
    assertEquals(F32, elbo.dtype());
    assertTrue(Double.isFinite(elbo.value().getDouble(1)));
    ParticlePosterior particles = new Svgd(8, 3, 0.01, RbfKernel.medianHeuristic(), GradientOrder.FIRST,
        f.logLikelihood(), PriorFamily.isotropic(1.0), 0.5, 3).infer(theta, support, null);
    assertEquals(F32, particles.particles().dtype());
    assertTrue(Double.isFinite(particles.particles().value().sumNumber().doubleValue()));
  }
}
