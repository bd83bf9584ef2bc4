package org.bml.algorithms.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Tensor;
import org.bml.core.check.GradientCheck;
import org.bml.core.model.Params;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The clipped-surrogate (PPO / ProMP) outer objective of MAML-RL, float64, on tiny deterministic
 * navigation batches (rollouts are stored, so the objective is a deterministic function of θ).
 */
class MamlRlClippedTest {
  private static final GaussianPolicy POLICY = new GaussianPolicy(-1, 5);
  private static final MamlRl MAML = new MamlRl(POLICY, new MamlRl.Config(3, 4, 0.1, 1, 0.99, true));
  private static final double[][] GOALS = MamlRl.goals(3, 0, 2);

  private static List<INDArray> gradient(Tensor loss, Params theta) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor g : Autodiff.grad(List.of(loss), null, theta.tensors(), false, true)) {
      out.add(g.value().dup());
    }
    return out;
  }

  /** The batch with its post-update advantages replaced. */
  private static MamlRl.MetaBatch withAdvantages(MamlRl.MetaBatch b, double[][][] adv) {
    return new MamlRl.MetaBatch(b.inner(), b.innerAdvantages(), b.post(), adv, b.oldLogProb());
  }

  /**
   * At θ = θ_old every ratio is 1, no sample is clipped, and the clipped objective's meta-gradient
   * (through the second-order inner step) is the policy-gradient meta-gradient of
   * {@link MamlRl#metaLoss(Params, double[][], long)} on the same rollouts.
   */
  @Test
  void atRatioOneTheClippedMetaGradientIsThePolicyGradientMetaGradient() {
    Params theta = POLICY.init(1, DataType.DOUBLE);
    List<INDArray> pg = gradient(MAML.metaLoss(theta, GOALS, 7), theta);
    MamlRl.MetaBatch b = MAML.collect(theta, GOALS, 7);
    for (double[] task : MAML.ratios(theta, b)) {
      for (double r : task) {
        assertEquals(1.0, r, 1e-12, "ratio at theta_old");
      }
    }
    List<INDArray> stored = gradient(MAML.metaLoss(theta, b), theta);
    List<INDArray> clipped = gradient(MAML.clippedMetaLoss(theta, b, 0.2), theta);
    assertTrue(GradientCheck.norm(pg) > 1e-3, "non-trivial meta-gradient " + GradientCheck.norm(pg));
    double errStored = GradientCheck.relativeError(pg, stored);
    double errClipped = GradientCheck.relativeError(pg, clipped);
    assertTrue(errStored < 1e-12, "stored-rollout meta-gradient differs: " + errStored);
    assertTrue(errClipped < 1e-10, "clipped meta-gradient at ratio 1 differs: " + errClipped);
  }

  /**
   * Ratios set by hand through the old log-probabilities (θ = θ_old, so r = π_old·c / π_old = c):
   * a sample with r = 1.5, A &gt; 0 or r = 0.5, A &lt; 0 is clipped and contributes no gradient (all
   * clipped: the meta-gradient is exactly 0); r = 0.5, A &gt; 0 or r = 1.5, A &lt; 0 is not clipped and
   * contributes r·A·∇log π. A mixed batch therefore has the policy-gradient meta-gradient with
   * advantages r·A on the unclipped samples and 0 on the clipped ones.
   */
  @Test
  void samplesClippedInTheAdvantagesDirectionHaveNoGradient() {
    Params theta = POLICY.init(2, DataType.DOUBLE);
    MamlRl.MetaBatch b = MAML.collect(theta, GOALS, 11);
    double[][][] adv = b.postAdvantages();
    int tasks = b.post().tasks();
    int episodes = b.post().episodes();
    int horizon = b.post().horizon();
    double[][] allClipped = new double[tasks][];
    double[][] mixed = new double[tasks][];
    double[][][] expected = new double[tasks][episodes][horizon];
    SplittableRandom rng = new SplittableRandom(5);
    int kept = 0;
    int dropped = 0;
    for (int t = 0; t < tasks; t++) {
      allClipped[t] = b.oldLogProb()[t].clone();
      mixed[t] = b.oldLogProb()[t].clone();
      for (int n = 0, j = 0; n < episodes; n++) {
        for (int h = 0; h < horizon; h++, j++) {
          double a = adv[t][n][h];
          assertTrue(a != 0, "advantages are non-zero here");
          double outward = a > 0 ? 1.5 : 0.5; // beyond 1 ± 0.2 in the advantage's direction
          allClipped[t][j] -= Math.log(outward);
          boolean clip = rng.nextBoolean();
          double r = clip ? outward : 2 - outward; // 2 − outward: beyond the range, against A
          mixed[t][j] -= Math.log(r);
          expected[t][n][h] = clip ? 0 : Math.exp(Math.log(r)) * a;
          if (clip) {
            dropped++;
          } else {
            kept++;
          }
        }
      }
    }
    assertTrue(kept > 3 && dropped > 3, kept + " kept, " + dropped + " clipped");
    MamlRl.MetaBatch all = new MamlRl.MetaBatch(b.inner(), b.innerAdvantages(), b.post(), adv, allClipped);
    for (INDArray g : gradient(MAML.clippedMetaLoss(theta, all, 0.2), theta)) {
      assertEquals(0.0, g.amaxNumber().doubleValue(), 0.0, "all samples clipped: gradient exactly zero");
    }
    MamlRl.MetaBatch mix = new MamlRl.MetaBatch(b.inner(), b.innerAdvantages(), b.post(), adv, mixed);
    List<INDArray> got = gradient(MAML.clippedMetaLoss(theta, mix, 0.2), theta);
    List<INDArray> want = gradient(MAML.metaLoss(theta, withAdvantages(b, expected)), theta);
    assertTrue(GradientCheck.norm(want) > 1e-3, "non-trivial expected gradient");
    double err = GradientCheck.relativeError(want, got);
    assertTrue(err < 1e-10, "mixed batch: relative error " + err);
    // Control: without the clipped samples' zeroing the gradient would differ (the check can fail).
    double[][][] unzeroed = new double[tasks][episodes][horizon];
    for (int t = 0; t < tasks; t++) {
      for (int n = 0, j = 0; n < episodes; n++) {
        for (int h = 0; h < horizon; h++, j++) {
          unzeroed[t][n][h] = Math.exp(b.oldLogProb()[t][j] - mixed[t][j]) * adv[t][n][h];
        }
      }
    }
    List<INDArray> naive = gradient(MAML.metaLoss(theta, withAdvantages(b, unzeroed)), theta);
    assertTrue(GradientCheck.relativeError(naive, got) > 1e-2, "clipping changes the gradient");
  }

  /**
   * Central finite differences (float64, step 1e-6) of the clipped meta-loss at θ ≠ θ_old (some
   * samples clipped, some not, none within 1e-4 of a clip boundary, so the objective is smooth
   * there) against its second-order meta-gradient: relative error below 1e-6.
   */
  @Test
  void clippedMetaGradientMatchesFiniteDifferences() {
    Params old = POLICY.init(4, DataType.DOUBLE);
    MamlRl.MetaBatch b = MAML.collect(old, GOALS, 13);
    SplittableRandom rng = new SplittableRandom(17);
    List<String> names = old.names();
    List<INDArray> at = new ArrayList<>();
    for (Tensor t : old.tensors()) {
      INDArray v = t.value().dup();
      for (long i = 0; i < v.length(); i++) {
        v.putScalar(i, v.getDouble(i) + 0.15 * rng.nextGaussian());
      }
      at.add(v);
    }
    double eps = 0.1;
    Params theta = Params.of(names, at.stream().map(Tensor::variable).toList());
    double[][] r = MAML.ratios(theta, b);
    int clipped = 0;
    int free = 0;
    double margin = Double.POSITIVE_INFINITY;
    for (int t = 0; t < r.length; t++) {
      for (int n = 0, j = 0; n < b.post().episodes(); n++) {
        for (int h = 0; h < b.post().horizon(); h++, j++) {
          double a = b.postAdvantages()[t][n][h];
          if ((a > 0 && r[t][j] > 1 + eps) || (a < 0 && r[t][j] < 1 - eps)) {
            clipped++;
          } else {
            free++;
          }
          margin = Math.min(margin, Math.min(Math.abs(r[t][j] - 1 - eps), Math.abs(r[t][j] - 1 + eps)));
        }
      }
    }
    assertTrue(clipped >= 2 && free >= 2, clipped + " clipped, " + free + " not");
    assertTrue(margin > 1e-4, "a ratio lies within " + margin + " of a clip boundary");
    double err = GradientCheck.gradientError(v -> MAML.clippedMetaLoss(Params.of(names, v), b, eps), at, 1e-6);
    assertTrue(err < 1e-6, "clipped meta-gradient relative error " + err);
  }

  @Test
  void badClipEpsilonIsRefused() {
    Params theta = POLICY.init(1, DataType.DOUBLE);
    MamlRl.MetaBatch b = MAML.collect(theta, GOALS, 1);
    assertThrows(IllegalArgumentException.class, () -> MAML.clippedMetaLoss(theta, b, 0));
    assertThrows(IllegalArgumentException.class, () -> MAML.clippedMetaLoss(theta, b, 1));
    assertThrows(IllegalArgumentException.class, () -> MAML.clippedMetaLoss(theta, b, Double.NaN));
  }

  /** The goal-conditioned (oracle) policy sees [s, g]: its rollouts store the goal with the state. */
  @Test
  void goalConditionedPolicyStoresTheGoalInItsStates() {
    GaussianPolicy oracle = GaussianPolicy.goalConditioned(-1, 5);
    Params p = oracle.init(1, DataType.DOUBLE);
    Trajectories tr = oracle.rollout(p, GOALS, 2, 3, 1);
    assertEquals(4, tr.states()[1][0][2].length);
    assertEquals(GOALS[1][0], tr.states()[1][0][2][2], 0);
    assertEquals(GOALS[1][1], tr.states()[1][0][2][3], 0);
    MamlRl m = new MamlRl(oracle, new MamlRl.Config(2, 3, 0.1, 0, 0.99, true));
    Tensor loss = m.metaLoss(p, GOALS, 3);
    assertTrue(Double.isFinite(loss.value().getDouble(0)));
    // The same weights at the same position with a different goal have a different mean action.
    GaussianPolicy wide = GaussianPolicy.goalConditioned(-1, 32);
    Params q = wide.init(1, DataType.DOUBLE);
    double[] mu = wide.mean(q, Tensor.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(
        new double[][][] {{{0.1, 0.1, 0.4, -0.3}, {0.1, 0.1, -0.4, 0.3}}}))).value().dup().data().asDouble();
    assertTrue(Math.abs(mu[0] - mu[2]) + Math.abs(mu[1] - mu[3]) > 1e-6, "goal changes the mean action");
  }
}
