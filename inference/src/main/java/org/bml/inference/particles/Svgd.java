package org.bml.inference.particles;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.GradientOrder;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.Likelihood;
import org.bml.inference.GradientSteps;
import org.bml.inference.LogJointAscent;
import org.bml.inference.LogLikelihood;
import org.bml.inference.LogPrior;
import org.bml.inference.ParamLayout;
import org.bml.inference.PriorFamily;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Stein variational gradient descent (Liu & Wang 2016, "Stein Variational Gradient Descent: a
 * general purpose Bayesian inference algorithm"), the task-level inference of BMAML (Yoon et al.
 * 2018). M particles per task move by K steps of
 *
 * <pre>  φ_i ← φ_i + (ε/M) Σ_j [k(φ_j, φ_i) ∇ log p(φ_j | D, θ) + ∇_{φ_j} k(φ_j, φ_i)]</pre>
 *
 * with the {@linkplain RbfKernel RBF kernel} and the target log p(φ | D, θ) = log p(D | φ) +
 * log p(φ | θ) + const. In matrix form over {@code [T, M, P]}: Φ ← Φ + (ε/M)(K G + (2/h)(diag(K 1) Φ
 * − K Φ)), G the per-particle gradients.
 *
 * <p>Lifecycle: configured once; each run evaluates the log target of all T·M particles as one
 * batch (parameters and data repeated along a leading T·M axis), so the prior must accept
 * parameters with any leading size (priors shared by the tasks do). Differentiation: with
 * {@link GradientOrder#SECOND} the gradients G are recorded, so the final particles are exactly
 * differentiable with respect to the initial particles, θ and the prior's parameters (BMAML's
 * chaser loss); with {@link GradientOrder#FIRST} G is a constant (the kernel terms are still
 * differentiated). Nothing is recorded when nothing requires a gradient. With one particle the
 * kernel term vanishes and each step is exactly a gradient-ascent step on the log posterior.
 */
public final class Svgd implements InferenceStrategy {
  private final int particles;
  private final int steps;
  private final double stepSize;
  private final RbfKernel kernel;
  private final GradientOrder order;
  private final LogLikelihood logLikelihood;
  private final PriorFamily prior;
  private final double initialStd;
  private final long initialSeed;

  /**
   * @param particles M ≥ 1
   * @param steps K ≥ 0
   * @param stepSize ε, finite and ≥ 0
   * @param kernel the RBF kernel (median heuristic or fixed bandwidth)
   * @param order how the result is differentiated (never switched silently)
   * @param logLikelihood log p(D | φ), summed over points
   * @param prior p(φ | θ)
   * @param initialStd for {@link #infer}: particles start at θ + initialStd · ε_m (finite, ≥ 0; > 0 when M > 1)
   * @param initialSeed the seed of those ε_m
   */
  public Svgd(int particles, int steps, double stepSize, RbfKernel kernel, GradientOrder order,
      LogLikelihood logLikelihood, PriorFamily prior, double initialStd, long initialSeed) {
    if (particles < 1) {
      throw new IllegalArgumentException("Svgd: particle count must be >= 1, got " + particles);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("Svgd: steps must be >= 0, got " + steps);
    }
    if (!(stepSize >= 0) || !Double.isFinite(stepSize)) {
      throw new IllegalArgumentException("Svgd: step size must be finite and >= 0, got " + stepSize);
    }
    if (!(initialStd >= 0) || !Double.isFinite(initialStd) || (particles > 1 && initialStd == 0)) {
      throw new IllegalArgumentException("Svgd: initial spread must be finite, >= 0, and > 0 for more than one particle"
          + " (identical particles never separate), got " + initialStd);
    }
    if (kernel == null || order == null || logLikelihood == null || prior == null) {
      throw new IllegalArgumentException("Svgd: kernel, gradient order, log-likelihood and prior family must be given");
    }
    this.particles = particles;
    this.steps = steps;
    this.stepSize = stepSize;
    this.kernel = kernel;
    this.order = order;
    this.logLikelihood = logLikelihood;
    this.prior = prior;
    this.initialStd = initialStd;
    this.initialSeed = initialSeed;
  }

  public int particles() {
    return particles;
  }

  public int steps() {
    return steps;
  }

  /**
   * Particles from θ + initialStd · ε_m (seeded constants, the same for every task), moved by K steps
   * under p(φ | θ). The {@code loss} argument is not used: the target is this strategy's own
   * log-likelihood and prior (it may be null).
   */
  @Override
  public ParticlePosterior infer(Params theta, Data support, Likelihood loss) {
    ParamLayout layout = ParamLayout.ofShapes(theta);
    Tensor base = layout.flattenShared(theta); // [1, P]
    SplittableRandom rng = new SplittableRandom(initialSeed);
    double[][] eps = new double[particles][layout.size()];
    for (double[] row : eps) {
      for (int j = 0; j < row.length; j++) {
        row[j] = initialStd * rng.nextGaussian();
      }
    }
    Tensor noise = Tensor.constant(Nd4j.createFromArray(eps).castTo(base.dtype()));
    Tensor initial = Ops.add(base, noise); // [M, P]
    return run(initial, layout, support, prior.given(theta));
  }

  /**
   * K steps from M given particle sets shared by all tasks (e.g. BMAML's meta-learned initial
   * particles, each without the task axis; may be variables).
   */
  public ParticlePosterior run(List<Params> initial, Data support, LogPrior logPrior) {
    if (initial == null || initial.size() != particles) {
      throw new IllegalArgumentException("Svgd: expected " + particles + " initial particles, got "
          + (initial == null ? "none" : initial.size()));
    }
    ParamLayout layout = ParamLayout.ofShapes(initial.get(0));
    List<Tensor> rows = new ArrayList<>();
    for (int m = 0; m < initial.size(); m++) {
      Params p = initial.get(m);
      try {
        initial.get(0).requireSameStructure(p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Svgd: initial particle " + m + " differs in structure from particle 0: "
            + e.getMessage(), e);
      }
      rows.add(layout.flattenShared(p));
    }
    return run(rows.size() == 1 ? rows.get(0) : Ops.concat(0, rows), layout, support, logPrior);
  }

  /**
   * K steps from initial particles {@code [M, P]} (shared by all tasks) or {@code [T, M, P]}.
   *
   * @throws IllegalArgumentException on shapes that do not match the layout, M or T
   */
  public ParticlePosterior run(Tensor initial, ParamLayout layout, Data support, LogPrior logPrior) {
    return run(initial, layout, support, logPrior, null);
  }

  /**
   * As {@link #run(Tensor, ParamLayout, Data, LogPrior)} with each step's displacement of coordinate j
   * multiplied by c_j (BMAML's smaller steps for its log-precisions).
   *
   * @param scaleMinusOne c − 1, broadcastable against {@code [T, M, P]}, or null for plain SVGD
   */
  public ParticlePosterior run(Tensor initial, ParamLayout layout, Data support, LogPrior logPrior,
      Tensor scaleMinusOne) {
    return run(initial, layout, support, logPrior, scaleMinusOne, null);
  }

  /**
   * A preconditioner Q(Φ) of each step's displacement: the step is Φ + (ε/M) Q(Φ) ⊙ (K G + repulsion).
   * A Q shared by the M particles of a task (shape {@code [T, 1, P]}) is SVGD with the matrix-valued kernel
   * Q·k (Wang, Tang, Bajaj &amp; Liu, NeurIPS 2019, "Stein Variational Gradient Descent with Matrix-Valued
   * Kernels", the constant-preconditioner case), whose fixed point is still the target; Q may depend on the
   * current particles (recorded, so the result stays differentiable through it).
   */
  @FunctionalInterface
  public interface Preconditioner {
    /** Q(Φ) for particles {@code [T, M, P]}, broadcastable against them. */
    Tensor at(Tensor particles);
  }

  /**
   * As {@link #run(Tensor, ParamLayout, Data, LogPrior, Tensor)} with each step's displacement multiplied
   * by {@code preconditioner} (null: none) before the displacement scale c.
   */
  public ParticlePosterior run(Tensor initial, ParamLayout layout, Data support, LogPrior logPrior,
      Tensor scaleMinusOne, Preconditioner preconditioner) {
    long t = support.tasks();
    int p = layout.size();
    Tensor phi;
    if (initial.rank() == 2 && initial.size(0) == particles && initial.size(1) == p) {
      phi = Ops.broadcastTo(Ops.unsqueeze(initial, 0), t, particles, p);
    } else if (initial.rank() == 3 && initial.size(0) == t && initial.size(1) == particles && initial.size(2) == p) {
      phi = initial;
    } else {
      throw new IllegalArgumentException("Svgd: initial particles must be [" + particles + ", " + p + "] or [" + t
          + ", " + particles + ", " + p + "], got " + Arrays.toString(initial.shape()));
    }
    Data repeated = repeat(support, particles);
    boolean differentiable = phi.requiresGrad()
        || LogJointAscent.dependsOnVariables(logLikelihood, logPrior,
            layout.unflatten(Ops.reshape(phi, t * particles, p)).detach(), repeated);
    // The loop's state is the particle tensor [T, M, P] under one name.
    GradientSteps.Objective logTarget = s -> Ops.sum(LogJointAscent.logJoint(logLikelihood, logPrior,
        layout.unflatten(Ops.reshape(s.get(PARTICLES), t * particles, p)), repeated), false);
    GradientSteps.Update update = (s, g) -> Params.of(List.of(PARTICLES), List.of(step(s.get(PARTICLES),
        g.get(PARTICLES), preconditioner)));
    Params out = GradientSteps.run(Params.of(List.of(PARTICLES), List.of(phi)), steps, logTarget, update, order,
        differentiable, scaleMinusOne == null ? null : Params.of(List.of(PARTICLES), List.of(scaleMinusOne)));
    return new ParticlePosterior(layout, out.get(PARTICLES));
  }

  private static final String PARTICLES = "particles";

  // One SVGD update of [T, M, P] particles given ∇ log target there.
  private Tensor step(Tensor current, Tensor g, Preconditioner preconditioner) {
    Tensor d = RbfKernel.squaredDistances(current);
    Tensor h = kernel.bandwidth(d);
    Tensor k = RbfKernel.matrix(d, h);
    Tensor drive = Ops.matmul(k, g);
    Tensor rowSums = Ops.sum(k, true, 2); // [T, M, 1]
    Tensor repulsion = Ops.mul(Ops.sub(Ops.mul(rowSums, current), Ops.matmul(k, current)),
        Ops.div(Ops.scalar(2.0, current.dtype()), h));
    Tensor displacement = Ops.add(drive, repulsion);
    if (preconditioner != null) {
      displacement = Ops.mul(preconditioner.at(current), displacement);
    }
    return Ops.addScaled(current, displacement, stepSize / particles);
  }

  /** The support set repeated along a new particle axis and merged into the task axis: {@code [T·M, n, ...]}. */
  static Data repeat(Data support, int m) {
    return new Data(repeatLeading(support.x(), m), repeatLeading(support.y(), m));
  }

  // A contiguous constant copy: the support set is data, and every step reads it again.
  private static Tensor repeatLeading(Tensor x, int m) {
    if (m == 1) {
      return x;
    }
    return Tensor.constant(repeatPerParticle(x, m).value().dup('c'));
  }

  /**
   * x {@code [T, n, ...]} repeated for M particles and merged into the task axis:
   * {@code [T·M, n, ...]} (task-major, particle-minor), on the tape; x itself when M = 1.
   */
  public static Tensor repeatPerParticle(Tensor x, int m) {
    if (m == 1) {
      return x;
    }
    long[] s = x.shape();
    long[] expanded = new long[s.length + 1];
    expanded[0] = s[0];
    expanded[1] = m;
    System.arraycopy(s, 1, expanded, 2, s.length - 1);
    long[] merged = s.clone();
    merged[0] = s[0] * m;
    return Ops.reshape(Ops.broadcastTo(Ops.unsqueeze(x, 1), expanded), merged);
  }

}
