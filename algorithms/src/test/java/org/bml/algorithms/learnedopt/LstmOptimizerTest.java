package org.bml.algorithms.learnedopt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link LstmOptimizer} (Andrychowicz et al. 2016): with its gates pinned it is SGD / heavy-ball
 * momentum (trajectory equal to {@link HandDesigned#momentum} to 1e-12 relative in float64); the
 * truncated-BPTT meta-gradient matches central differences; meta-training lowers the held-out
 * meta-loss (deterministic: seeds 7 for φ, 1 for training problems, 2 for held-out ones); the
 * hand-designed rules' first steps; bad input.
 */
class LstmOptimizerTest {
  private static double maxRelativeDeviation(INDArray[] a, INDArray[] b) {
    double worst = 0;
    for (int t = 0; t < a.length; t++) {
      double scale = Math.max(b[t].norm2Number().doubleValue(), 1e-300);
      worst = Math.max(worst, a[t].sub(b[t]).norm2Number().doubleValue() / scale);
    }
    return worst;
  }

  @Test
  void pinnedGatesGiveSgdAndMomentumTrajectories() {
    Quadratics problem = Quadratics.sample(3, 0, 4, 10, 0.5);
    LstmOptimizer model = new LstmOptimizer(5, LstmOptimizer.Preprocessing.NONE, 0.1);
    for (double[] lrMu : new double[][] {{0.01, 0}, {0.005, 0.9}, {0.002, 0.5}}) {
      double lr = lrMu[0];
      double mu = lrMu[1];
      INDArray[] lstm = UpdateRule.trajectory(model.rule("pinned", model.pinnedToMomentum(lr, mu)), problem, 40);
      INDArray[] reference = UpdateRule.trajectory(HandDesigned.momentum(lr, mu), problem, 40);
      double dev = maxRelativeDeviation(lstm, reference);
      System.out.printf("pinned lr %g mu %g: max relative deviation from momentum %.3g%n", lr, mu, dev);
      assertTrue(dev < 1e-12, "lr " + lr + " mu " + mu + ": deviation " + dev);
      // The oracle can tell momenta apart: a different μ is far off.
      INDArray[] other = UpdateRule.trajectory(HandDesigned.momentum(lr, mu == 0 ? 0.3 : mu / 2), problem, 40);
      assertTrue(maxRelativeDeviation(lstm, other) > 1e-3, "distinguishes μ");
    }
  }

  // Both encodings; with second derivatives the unroll's gradient is exact over several steps, without
  // them it is exact for one step (∇f(θ_0) does not depend on φ) from a warmed-up state.
  @Test
  void truncatedBpttMetaGradientMatchesFiniteDifferences() {
    for (LstmOptimizer.Preprocessing pre : LstmOptimizer.Preprocessing.values()) {
      LstmOptimizer model = new LstmOptimizer(2, pre, 0.1);
      Quadratics problem = Quadratics.sample(5, 0, 2, 3, 0.3);
      Params init = model.init(11);
      List<String> names = init.names();
      List<INDArray> at = new ArrayList<>();
      for (Tensor t : init.tensors()) {
        at.add(t.value().dup());
      }
      double err;
      if (pre == LstmOptimizer.Preprocessing.LOG_AND_SIGN) { // (the raw-gradient input is a special case of its path)
        Function<List<Tensor>, Tensor> exact = v -> LstmOptimizerTrainer.unroll(model, Params.of(names, v), problem,
            Tensor.constant(problem.initial()), model.zeroStates(2, 3), 3, true).metaLoss();
        err = GradientCheck.gradientError(exact, at, 1e-6);
        assertTrue(err < 1e-6, pre + ": meta-gradient error (second derivatives) " + err);
      }
      LstmOptimizerTrainer.Unrolled warm = LstmOptimizerTrainer.unroll(model, init.detach(), problem,
          Tensor.constant(problem.initial()), model.zeroStates(2, 3), 2, false);
      List<org.bml.core.model.LstmCell.State> states = new ArrayList<>();
      for (org.bml.core.model.LstmCell.State s : warm.states()) {
        states.add(s.detach());
      }
      Function<List<Tensor>, Tensor> firstOrder = v -> LstmOptimizerTrainer.unroll(model, Params.of(names, v), problem,
          warm.theta().detach(), states, 1, false).metaLoss();
      err = GradientCheck.gradientError(firstOrder, at, 1e-6);
      assertTrue(err < 1e-6, pre + ": meta-gradient error (one step, constant gradient) " + err);
    }
  }

  @Test
  void metaTrainingLowersTheHeldOutMetaLoss() {
    LstmOptimizer model = new LstmOptimizer(6, LstmOptimizer.Preprocessing.LOG_AND_SIGN, 0.1);
    Params init = model.init(7);
    Quadratics heldOut = Quadratics.paper(2, 0, 32);
    double before = meanOfCurve(model.rule("init", init), heldOut, 10);
    LstmOptimizerTrainer.Result r = LstmOptimizerTrainer.train(model, init, e -> Quadratics.paper(1, e * 8L, 8),
        new LstmOptimizerTrainer.Config(12, 10, 5, 0.01, 0, false), null);
    double after = meanOfCurve(model.rule("trained", r.phi()), heldOut, 10);
    System.out.printf("held-out meta-loss %.4f -> %.4f%n", before, after);
    assertEquals(12, r.epochLoss().length);
    assertTrue(after < 0.8 * before, "held-out meta-loss " + before + " -> " + after);
    assertTrue(r.epochLoss()[11] < r.epochLoss()[0], "training meta-loss falls");
  }

  private static double meanOfCurve(UpdateRule rule, Optimizee problem, int steps) {
    double[] c = UpdateRule.lossCurve(rule, problem, steps);
    double s = 0;
    for (int t = 1; t <= steps; t++) {
      s += c[t];
    }
    return s / steps;
  }

  @Test
  void handDesignedFirstSteps() {
    INDArray theta = Nd4j.createFromArray(new double[] {1, -2, 3}).reshape(1, 3, 1);
    INDArray g = Nd4j.createFromArray(new double[] {0.5, -4, 2}).reshape(1, 3, 1);
    // Adam's bias-corrected first step is −α sgn(g) (up to ε); RMSprop's is −α g / (√(0.1) |g|).
    INDArray adam = HandDesigned.adam(0.1).start(theta.shape()).step(theta, g);
    assertTrue(adam.equalsWithEps(theta.sub(Transforms.sign(g).mul(0.1)), 1e-7), adam.toString());
    INDArray rms = HandDesigned.rmsprop(0.1).start(theta.shape()).step(theta, g);
    assertTrue(rms.equalsWithEps(theta.sub(Transforms.sign(g).mul(0.1 / Math.sqrt(0.1))), 1e-7), rms.toString());
    UpdateRule.Run mom = HandDesigned.momentum(0.1, 0.5).start(theta.shape());
    INDArray t1 = mom.step(theta, g);
    INDArray t2 = mom.step(t1, g);
    assertTrue(t2.equalsWithEps(t1.sub(g.mul(0.1 * 1.5)), 1e-15), "v_2 = μ g + g");
  }

  @Test
  void quadraticsAreSeededAndHaveTheirGradient() {
    Quadratics a = Quadratics.paper(4, 3, 2);
    Quadratics b = Quadratics.paper(4, 0, 5);
    // Task j of a seed does not depend on the batch it is drawn in.
    assertEquals(a.w().slice(0), b.w().slice(3));
    INDArray theta = GradientCheck.uniform(1, -1, 1, 2, 10, 1);
    INDArray g = a.gradient(theta);
    for (int j = 0; j < 2; j++) {
      INDArray w = a.w().slice(j);
      INDArray expect = w.transpose().mmul(w.mmul(theta.slice(j)).sub(a.y().slice(j))).mul(2);
      assertTrue(g.slice(j).equalsWithEps(expect, 1e-12), "2 Wᵀ(Wθ − y)");
    }
  }

  @Test
  void badInputIsNamed() {
    assertThrows(IllegalArgumentException.class, () -> new LstmOptimizer(0, LstmOptimizer.Preprocessing.NONE, 0.1));
    assertThrows(IllegalArgumentException.class, () -> new LstmOptimizer(4, LstmOptimizer.Preprocessing.NONE, 0));
    String m = assertThrows(IllegalArgumentException.class,
        () -> LstmOptimizer.paper().pinnedToMomentum(0.1, 0.9)).getMessage();
    assertTrue(m.contains("preprocessing NONE"), m);
    LstmOptimizer plain = new LstmOptimizer(3, LstmOptimizer.Preprocessing.NONE, 0.1);
    assertThrows(IllegalArgumentException.class, () -> plain.pinnedToMomentum(0.1, 1.0));
    assertThrows(IllegalArgumentException.class, () -> plain.pinnedToMomentum(-1, 0.5));
    m = assertThrows(IllegalArgumentException.class,
        () -> new LstmOptimizerTrainer.Config(1, 100, 30, 0.01, 0, false)).getMessage();
    assertTrue(m.contains("must divide"), m);
    assertThrows(IllegalArgumentException.class, () -> new LstmOptimizerTrainer.Config(1, 10, 5, 0, 0, false));
    assertThrows(IllegalArgumentException.class, () -> HandDesigned.adam(0));
    assertThrows(IllegalArgumentException.class, () -> HandDesigned.momentum(0.1, 1));
    assertThrows(IllegalArgumentException.class, () -> Quadratics.sample(1, 0, 0, 10, 0.01));
    Quadratics q = Quadratics.paper(1, 0, 2);
    m = assertThrows(IllegalArgumentException.class,
        () -> q.losses(Tensor.constant(Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 2, 9, 1))))
        .getMessage();
    assertTrue(m.contains("[2, 10, 1]"), m);
  }
}
