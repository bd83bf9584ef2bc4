package org.bml.inference.contract;

import org.bml.core.autodiff.Tensor;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.LogLikelihood;
import org.bml.inference.MetaObjective;
import org.bml.inference.PriorFamily;
import org.bml.inference.particles.ChaserDistance;
import org.bml.inference.particles.ParticlePosterior;
import org.bml.inference.particles.RbfKernel;
import org.bml.inference.particles.Svgd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link MetaObjectiveContract} for BMAML's chaser distance on SVGD's particles. The leader here is a
 * fixed function of each task's query targets, not of θ: the chaser loss treats the leader as a
 * constant target (stop-gradient), so only a θ-free leader makes its gradient the derivative that
 * finite differences see. Half the coordinates are weighted 0.5 (the per-coordinate weights).
 */
class ChaserDistanceContractTest extends MetaObjectiveContract {
  @Override
  protected MetaObjective objective() {
    return new ChaserDistance(ChaserDistanceContractTest::leader, layout -> {
      INDArray w = Nd4j.ones(DataType.DOUBLE, layout.size());
      for (int i = 0; i < layout.size(); i += 2) {
        w.putScalar(i, 0.5);
      }
      return w;
    });
  }

  @Override
  protected InferenceStrategy strategy() {
    return new Svgd(3, 2, 0.05, RbfKernel.medianHeuristic(), GradientOrder.SECOND, LogLikelihood.gaussian(MODEL, 0.5),
        PriorFamily.isotropic(2.0), 0.5, 3);
  }

  // Task t's leader: particle m, coordinate p at mean(y_t) · (m + 1) · cos(p), from the query set alone.
  private static Tensor leader(ParticlePosterior chaser, Data query) {
    long tasks = query.y().shape()[0];
    int m = chaser.count();
    int size = chaser.layout().size();
    INDArray y = query.y().value().castTo(DataType.DOUBLE);
    INDArray out = Nd4j.zeros(DataType.DOUBLE, tasks, m, size);
    for (long t = 0; t < tasks; t++) {
      double level = y.slice(t).meanNumber().doubleValue();
      for (int j = 0; j < m; j++) {
        for (int p = 0; p < size; p++) {
          out.putScalar(new long[] {t, j, p}, level * (j + 1) * Math.cos(p));
        }
      }
    }
    return Tensor.constant(out);
  }
}
