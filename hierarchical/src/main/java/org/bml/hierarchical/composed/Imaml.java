package org.bml.hierarchical.composed;

import java.util.ArrayList;
import java.util.List;
import org.bml.algorithms.ModelLearner;
import org.bml.algorithms.Hyper;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.GradientSteps;
import org.bml.inference.Likelihood;
import org.bml.inference.LogPrior;
import org.bml.inference.PriorFamily;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Implicit MAML (Rajeswaran, Finn, Kakade &amp; Levine, NeurIPS 2019, "Meta-Learning with Implicit
 * Gradients", arXiv:1909.04630). Each task's parameters are the MAP under the explicit Gaussian
 * prior N(θ, λ⁻¹I):
 *
 * <pre>  φ*(θ) = argmin_φ  L(φ; D_support) + ½ λ ‖φ − θ‖²</pre>
 *
 * solved to a tolerance by gradient steps from θ until the per-task gradient norm is ≤ tol (or a
 * step cap), and the meta-gradient of the query loss comes from implicit differentiation of the
 * stationarity condition ∇L(φ*) + λ(φ* − θ) = 0: the Jacobian ∂φ*∕∂θ = (I + H/λ)⁻¹ with H = ∇²L(φ*; D_support),
 * so ∇_θ L_query(φ*) = (I + H/λ)⁻¹ ∇_φ L_query(φ*), found by conjugate gradient (the paper's
 * Algorithm 2) with Hessian-vector products taken on the tape. Memory does not grow with the number
 * of inner steps: nothing of the solve is recorded.
 *
 * <p>The pieces are the inference layer's: the prior is {@link PriorFamily#isotropic}, the loop is
 * {@link GradientSteps}. A step is φ ← φ − α/(1+αλ) ∇[L + ½λ‖φ − θ‖²], which equals the
 * proximal-gradient step (φ − α∇L(φ) + αλθ)/(1 + αλ): stable for any λ when α is stable for L
 * alone, and for λ → ∞ the adapted φ stays at θ (property-tested).
 *
 * <p>{@link #metaLoss} returns the query loss at φ* (its value) whose gradient with respect to
 * θ is the implicit one: value + Σ ⟨θ − sg(θ), v̄⟩ with v̄ the tasks' mean CG solution (sg: a
 * constant copy). It is differentiable once (meta-gradients, not Hessians of the meta-loss). It
 * decomposes over tasks (each task's solve and CG are independent).
 */
public final class Imaml extends ModelLearner {
  /**
   * @param precision λ &gt; 0 of the prior N(θ, λ⁻¹I) (finite)
   * @param stepSize α &gt; 0 of the inner gradient steps on the support loss (finite)
   * @param maxSteps cap on inner steps at meta-training (≥ 1)
   * @param tolerance the inner solve stops when every task's gradient norm is ≤ this (≥ 0)
   * @param cgSteps cap on conjugate-gradient iterations (≥ 1; the paper uses 5)
   * @param cgTolerance CG stops for a task when its residual norm is ≤ this × ‖∇L_query‖ (≥ 0)
   */
  public record Config(double precision, double stepSize, int maxSteps, double tolerance, int cgSteps,
      double cgTolerance) {
    public Config {
      Hyper.positive("Imaml", "prior precision λ", precision);
      Hyper.positive("Imaml", "inner step size α", stepSize);
      Hyper.atLeast("Imaml", "inner steps", maxSteps, 1);
      nonNegative("inner tolerance", tolerance);
      Hyper.atLeast("Imaml", "conjugate-gradient steps", cgSteps, 1);
      nonNegative("conjugate-gradient tolerance", cgTolerance);
    }

    private static void nonNegative(String what, double v) {
      if (!(v >= 0) || !Double.isFinite(v)) {
        throw new IllegalArgumentException("Imaml: " + what + " must be finite and >= 0, got " + v);
      }
    }
  }

  /** The inner solve's result: φ* per task, steps taken and the largest per-task gradient norm at φ*. */
  public record Solution(Params phi, int steps, double gradientNorm) {}

  private final Config config;

  public Imaml(Model model, Likelihood likelihood, Config config) {
    super("Imaml", model, likelihood);
    this.config = Hyper.nonNull("Imaml", "configuration", config);
  }

  public Config config() {
    return config;
  }

  /**
   * φ* = argmin L(φ; support) + ½λ‖φ − θ‖² per task by at most {@code maxSteps} gradient steps from
   * θ, stopping when every task's gradient norm is ≤ the tolerance. Nothing is recorded.
   */
  public Solution solve(Params theta, Data support, int maxSteps) {
    Hyper.atLeast("Imaml.solve", "steps", maxSteps, 0);
    Params centre = theta.detach();
    LogPrior prior = PriorFamily.isotropic(1 / config.precision()).given(centre);
    GradientSteps.Objective objective = phi -> Ops.sub(Ops.sum(likelihood.perTask(phi, support), false),
        Ops.sum(prior.logDensity(phi), false));
    double step = config.stepSize() / (1 + config.stepSize() * config.precision());
    double[] norm = {Double.NaN};
    GradientSteps.Update update = (phi, g) -> {
      norm[0] = maxTaskNorm(g.tensors(), support.tasks());
      return norm[0] <= config.tolerance() ? phi : phi.zip(g, (p, d) -> Ops.addScaled(p, d, -step));
    };
    Params phi = centre.expand(support.tasks());
    int k = 0;
    while (true) {
      Params next = GradientSteps.run(phi, 1, objective, update, GradientOrder.FIRST, false);
      if (norm[0] <= config.tolerance() || k == maxSteps) {
        return new Solution(phi.detach(), k, norm[0]);
      }
      phi = next;
      k++;
    }
  }

  @Override
  public Tensor metaLoss(Params meta, Data support, Data query) {
    Params phi = solve(meta, support, config.maxSteps()).phi();
    long tasks = support.tasks();
    if (!GradientSteps.anyRequiresGrad(meta.tensors())) {
      return Ops.mean(likelihood.perTask(phi, query), false);
    }
    Params at = phi.map(Tensor::asVariable);
    Tensor queryLoss = Ops.sum(likelihood.perTask(at, query), false);
    List<Tensor> gq = Autodiff.grad(List.of(queryLoss), null, at.tensors(), false, true);
    List<INDArray> v = implicitGradient(at, support, values(gq, tasks));
    Tensor total = Ops.scalar(queryLoss.item() / tasks, queryLoss.dtype());
    for (int i = 0; i < meta.size(); i++) {
      Tensor theta = meta.tensors().get(i);
      if (!theta.requiresGrad()) {
        continue;
      }
      // (θ − sg(θ)) is zero in value: the term adds the gradient v̄ and nothing to the loss.
      INDArray mean = v.get(i).mean(0).reshape(theta.shape()).castTo(theta.dtype());
      total = Ops.add(total, Ops.sum(Ops.mul(Ops.sub(theta, theta.detach()), Tensor.constant(mean)), false));
    }
    return total;
  }

  /**
   * Per task, v = (I + H/λ)⁻¹ b by conjugate gradient, H the support loss's Hessian at φ (given as
   * variables). {@code b} and the result are the parameters flattened per task, {@code [T, m]}.
   */
  public List<INDArray> implicitGradient(Params phi, Data support, List<INDArray> b) {
    long tasks = support.tasks();
    Tensor supportLoss = Ops.sum(likelihood.perTask(phi, support), false);
    List<Tensor> g = Autodiff.grad(List.of(supportLoss), null, phi.tensors(), true, true);
    List<Tensor> outs = new ArrayList<>();
    List<Integer> which = new ArrayList<>();
    for (int i = 0; i < g.size(); i++) {
      if (g.get(i).requiresGrad()) { // a gradient constant in φ has no Hessian rows
        outs.add(g.get(i));
        which.add(i);
      }
    }
    double lambda = config.precision();
    List<INDArray> x = new ArrayList<>();
    List<INDArray> r = new ArrayList<>();
    List<INDArray> p = new ArrayList<>();
    for (INDArray bi : b) {
      x.add(Nd4j.zeros(bi.dataType(), bi.shape()));
      r.add(bi.dup());
      p.add(bi.dup());
    }
    INDArray rs = dot(r, r);
    INDArray bNorm = Transforms.sqrt(rs, true);
    INDArray active = bNorm.gt(0).castTo(rs.dataType());
    for (int it = 0; it < config.cgSteps(); it++) {
      INDArray rNorm = Transforms.sqrt(rs, true);
      active.muli(rNorm.gt(bNorm.mul(config.cgTolerance())).castTo(rs.dataType()));
      if (active.sumNumber().doubleValue() == 0) {
        break;
      }
      List<INDArray> ap = new ArrayList<>();
      List<Tensor> up = new ArrayList<>();
      for (int w : which) {
        up.add(Tensor.constant(p.get(w).reshape(g.get(w).shape())));
      }
      List<Tensor> hp = outs.isEmpty() ? List.of()
          : Autodiff.grad(outs, up, phi.tensors(), false, true);
      for (int i = 0; i < p.size(); i++) {
        INDArray a = p.get(i).dup();
        if (!hp.isEmpty()) {
          a.addi(hp.get(i).value().reshape(tasks, -1).mul(1 / lambda));
        }
        ap.add(a);
      }
      INDArray pap = dot(p, ap);
      // A task whose curvature along p is not positive (a non-convex loss with λ too small) stops.
      active.muli(pap.gt(0).castTo(rs.dataType()));
      INDArray alpha = rs.div(pap.add(pap.eq(0).castTo(rs.dataType()))).muli(active);
      for (int i = 0; i < x.size(); i++) {
        x.get(i).addi(p.get(i).mulColumnVector(alpha));
        r.get(i).subi(ap.get(i).mulColumnVector(alpha));
      }
      INDArray rsNew = dot(r, r);
      INDArray beta = rsNew.div(rs.add(rs.eq(0).castTo(rs.dataType())));
      for (int i = 0; i < p.size(); i++) {
        p.set(i, r.get(i).add(p.get(i).mulColumnVector(beta)));
      }
      rs = rsNew;
    }
    return x;
  }

  // Per-task inner products over all parameters: [T, 1].
  private static INDArray dot(List<INDArray> a, List<INDArray> b) {
    INDArray out = null;
    for (int i = 0; i < a.size(); i++) {
      INDArray d = a.get(i).mul(b.get(i)).sum(true, 1);
      out = out == null ? d : out.addi(d);
    }
    return out;
  }

  private static List<INDArray> values(List<Tensor> ts, long tasks) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor t : ts) {
      out.add(t.value().dup().reshape(tasks, -1));
    }
    return out;
  }

  private static double maxTaskNorm(List<Tensor> g, long tasks) {
    INDArray sq = dot(values(g, tasks), values(g, tasks));
    return Math.sqrt(sq.maxNumber().doubleValue());
  }

  /** Per-task φ* after at most {@code steps} inner steps (stopping at the tolerance). */
  @Override
  public Params adapt(Params meta, Data support, int steps) {
    return solve(meta, support, steps).phi();
  }

  @Override
  public String toString() {
    return "Imaml(λ=" + config.precision() + ", α=" + config.stepSize() + ", ≤" + config.maxSteps() + " steps to "
        + config.tolerance() + ", CG ≤" + config.cgSteps() + ")";
  }
}
