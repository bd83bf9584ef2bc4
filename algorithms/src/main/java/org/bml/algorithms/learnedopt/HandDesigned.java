package org.bml.algorithms.learnedopt;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The hand-designed baselines of Andrychowicz et al.'s Fig. 2, element-wise on θ:
 * SGD θ − α g; momentum v ← μ v + g, θ − α v; Nesterov's accelerated gradient (NAG, {@link #nesterov}); RMSprop (Tieleman &amp; Hinton 2012) s ← ρ s + (1 − ρ) g²,
 * θ − α g / (√s + ε); Adam (Kingma &amp; Ba 2015) with bias correction.
 */
public final class HandDesigned {
  private HandDesigned() {}

  private static void positive(String what, double v) {
    if (!(v > 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException("HandDesigned: " + what + " must be positive and finite, got " + v);
    }
  }

  private static void unit(String what, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException("HandDesigned: " + what + " must be in [0, 1), got " + v);
    }
  }

  public static UpdateRule sgd(double lr) {
    return momentum(lr, 0);
  }

  /** Heavy-ball momentum v ← μ v + g, θ ← θ − α v (μ = 0: SGD). */
  public static UpdateRule momentum(double lr, double mu) {
    positive("learning rate", lr);
    unit("momentum", mu);
    String name = mu == 0 ? fmt("sgd lr=%g", lr) : fmt("momentum lr=%g mu=%g", lr, mu);
    return rule(name, shape -> {
      INDArray v = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, shape);
      return (theta, g) -> {
        v.muli(mu).addi(g);
        return theta.sub(v.mul(lr));
      };
    });
  }

  /**
   * Nesterov's accelerated gradient (Nesterov 1983; the deep-learning form of Sutskever et al.,
   * ICML 2013), the paper's NAG baseline. Written, as PyTorch's {@code nesterov=True}, in the
   * look-ahead variable so that it needs only the gradient at the current point:
   * v ← μ v + g, θ ← θ − α (g + μ v). Its iterates are the look-ahead points θ̃_t + μ ṽ_t of the
   * classic form ṽ ← μ ṽ − α ∇f(θ̃ + μ ṽ), θ̃ ← θ̃ + ṽ (from ṽ_0 = 0).
   */
  public static UpdateRule nesterov(double lr, double mu) {
    positive("learning rate", lr);
    unit("momentum", mu);
    return rule(fmt("nag lr=%g mu=%g", lr, mu), shape -> {
      INDArray v = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, shape);
      return (theta, g) -> {
        v.muli(mu).addi(g);
        return theta.sub(g.add(v.mul(mu)).muli(lr));
      };
    });
  }

  public static UpdateRule rmsprop(double lr) {
    return rmsprop(lr, 0.9, 1e-8);
  }

  public static UpdateRule rmsprop(double lr, double rho, double eps) {
    positive("learning rate", lr);
    unit("rho", rho);
    positive("epsilon", eps);
    return rule(fmt("rmsprop lr=%g", lr), shape -> {
      INDArray s = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, shape);
      return (theta, g) -> {
        s.muli(rho).addi(g.mul(g).muli(1 - rho));
        return theta.sub(g.mul(lr).divi(Transforms.sqrt(s, true).addi(eps)));
      };
    });
  }

  public static UpdateRule adam(double lr) {
    return adam(lr, 0.9, 0.999, 1e-8);
  }

  public static UpdateRule adam(double lr, double beta1, double beta2, double eps) {
    positive("learning rate", lr);
    unit("beta1", beta1);
    unit("beta2", beta2);
    positive("epsilon", eps);
    return rule(fmt("adam lr=%g", lr), shape -> {
      INDArray m = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, shape);
      INDArray v = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, shape);
      int[] t = {0};
      return (theta, g) -> {
        t[0]++;
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
        INDArray mHat = m.div(1 - Math.pow(beta1, t[0]));
        INDArray vHat = v.div(1 - Math.pow(beta2, t[0]));
        return theta.sub(mHat.muli(lr).divi(Transforms.sqrt(vHat, true).addi(eps)));
      };
    });
  }

  private static String fmt(String f, Object... a) {
    return String.format(Locale.ROOT, f, a);
  }

  private interface Starter {
    UpdateRule.Run start(long[] shape);
  }

  private static UpdateRule rule(String name, Starter starter) {
    return new UpdateRule() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Run start(long[] thetaShape) {
        return starter.start(thetaShape);
      }
    };
  }
}
