package org.bml.algorithms.learnedopt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link UpdateRule#lossCurve} and {@link UpdateRule#trajectory} run each step in a
 * {@link org.bml.core.memory.MemoryScope} (so long L2L comparisons keep native memory flat): the
 * curves must equal, bit for bit, a plain loop without scopes, for the hand-designed rules (in-place
 * state) and the LSTM optimizer (whose recurrent state must be copied out of each scope, else the
 * next step reads released memory).
 */
class LossCurveScopeTest {
  private static double[] plainCurve(UpdateRule rule, Optimizee problem, int steps) {
    double[] curve = new double[steps + 1];
    INDArray theta = problem.initial();
    UpdateRule.Run run = rule.start(theta.shape());
    curve[0] = problem.meanLoss(theta);
    for (int t = 1; t <= steps; t++) {
      theta = run.step(theta, problem.gradient(theta));
      curve[t] = problem.meanLoss(theta);
    }
    return curve;
  }

  @Test
  void scopedCurvesEqualAPlainLoop() {
    MlpClassification problem = MlpClassification.sample(5, 0, 1);
    LstmOptimizer lstm = new LstmOptimizer(6, LstmOptimizer.Preprocessing.LOG_AND_SIGN, 0.1);
    int steps = 8;
    for (UpdateRule rule : List.of(HandDesigned.adam(0.1), HandDesigned.nesterov(0.5, 0.9),
        lstm.rule("LSTM", lstm.init(3)))) {
      double[] plain = plainCurve(rule, problem, steps);
      double[] scoped = UpdateRule.lossCurve(rule, problem, steps);
      assertArrayEquals(plain, scoped, 0.0, rule.name());
      INDArray[] path = UpdateRule.trajectory(rule, problem, steps);
      for (int t = 0; t <= steps; t++) {
        assertEquals(plain[t], problem.meanLoss(path[t]), 0.0, rule.name() + " step " + t);
      }
    }
  }
}
