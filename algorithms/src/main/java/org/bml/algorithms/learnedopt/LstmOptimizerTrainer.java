package org.bml.algorithms.learnedopt;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.LstmCell;
import org.bml.core.model.Params;
import org.bml.core.optim.MetaOptimizer;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Meta-training of an {@link LstmOptimizer} as in Andrychowicz et al. (NeurIPS 2016, §2, §3.1):
 * each epoch draws a batch of problems and optimizes them for {@code horizon} steps; every
 * {@code unroll} steps the meta-loss L(φ) = (1/U) Σ_{t=1..U} mean_j f_j(θ_t) (weights w_t = 1) is
 * back-propagated through those steps only (truncated BPTT: θ and the LSTM states are cut from the
 * tape between unrolls) and φ takes one Adam step.
 */
public final class LstmOptimizerTrainer {
  /**
   * @param horizon optimizee steps per epoch (the paper: 100)
   * @param unroll steps per truncated back-propagation (the paper: 20); must divide horizon
   * @param metaLr Adam's step size on φ
   * @param clipNorm global gradient norm φ's gradient is clipped to (≤ 0: none)
   * @param secondDerivatives whether ∇f(θ_t) stays on the tape (the paper drops it: false)
   */
  public record Config(int epochs, int horizon, int unroll, double metaLr, double clipNorm,
      boolean secondDerivatives) {
    public Config {
      if (epochs <= 0 || horizon <= 0 || unroll <= 0) {
        throw new IllegalArgumentException("LstmOptimizerTrainer: epochs, horizon and unroll must be positive, got "
            + epochs + ", " + horizon + ", " + unroll);
      }
      if (horizon % unroll != 0) {
        throw new IllegalArgumentException("LstmOptimizerTrainer: unroll " + unroll + " must divide horizon " + horizon);
      }
      if (!(metaLr > 0) || !Double.isFinite(metaLr)) {
        throw new IllegalArgumentException("LstmOptimizerTrainer: meta learning rate must be positive, got " + metaLr);
      }
    }
  }

  /** Called after each epoch with its mean meta-loss (mean f over all horizon steps and tasks). */
  public interface Listener {
    void epoch(int epoch, double metaLoss);
  }

  /** The trained φ and the mean meta-loss of every epoch. */
  public record Result(Params phi, double[] epochLoss) {}

  private LstmOptimizerTrainer() {}

  /**
   * @param problems epoch index → that epoch's batch of problems (seeded by the caller)
   */
  public static Result train(LstmOptimizer model, Params init, LongFunction<Optimizee> problems, Config config,
      Listener listener) {
    MetaOptimizer meta = MemoryScope.outside(() -> new MetaOptimizer(init.detach(), new Adam(config.metaLr()),
        config.clipNorm()));
    double[] history = new double[config.epochs()];
    for (int e = 0; e < config.epochs(); e++) {
      Optimizee problem = problems.apply(e);
      Tensor theta = Tensor.constant(problem.initial());
      List<LstmCell.State> states = model.zeroStates(problem.tasks(), problem.dim());
      double sum = 0;
      for (int u = 0; u < config.horizon() / config.unroll(); u++) {
        try (MemoryScope scope = MemoryScope.open("bml-l2l-unroll")) {
          Unrolled run = unroll(model, meta.params(), problem, theta, states, config.unroll(),
              config.secondDerivatives());
          Tensor loss = run.metaLoss();
          theta = run.theta();
          states = run.states();
          double value = loss.item();
          if (!Double.isFinite(value)) {
            throw new ArithmeticException("LstmOptimizerTrainer: meta-loss " + value + " at epoch " + e + ", unroll " + u);
          }
          sum += value;
          meta.step(Autodiff.grad(loss, meta.params().tensors(), false));
          // Truncation: the next unroll starts from constants that outlive this scope.
          theta = MemoryScope.keep(theta);
          List<LstmCell.State> kept = new ArrayList<>();
          for (LstmCell.State s : states) {
            kept.add(new LstmCell.State(MemoryScope.keep(s.h()), MemoryScope.keep(s.c())));
          }
          states = kept;
        }
      }
      history[e] = sum / (config.horizon() / config.unroll());
      if (listener != null) {
        listener.epoch(e, history[e]);
      }
    }
    return new Result(MemoryScope.outside(() -> copy(meta.params())), history);
  }

  /** The meta-loss of one truncated unroll and where it ends (θ and states still on the tape). */
  public record Unrolled(Tensor metaLoss, Tensor theta, List<LstmCell.State> states) {}

  /**
   * {@code steps} optimizer steps from θ and the given states: L = (1/U) Σ_{t=1..U} mean_j f_j(θ_t),
   * differentiable in φ. The gradients fed to the LSTM are constants (the paper) or, with
   * {@code secondDerivatives}, on the tape (then L's gradient is the exact one of the unroll).
   */
  public static Unrolled unroll(LstmOptimizer model, Params phi, Optimizee problem, Tensor theta,
      List<LstmCell.State> states, int steps, boolean secondDerivatives) {
    if (steps <= 0) {
      throw new IllegalArgumentException("LstmOptimizerTrainer.unroll: steps must be positive, got " + steps);
    }
    Tensor loss = null;
    for (int t = 0; t < steps; t++) {
      Tensor g = secondDerivatives && theta.requiresGrad()
          ? Autodiff.grad(Ops.sum(problem.losses(theta), false), theta, true)
          : Tensor.constant(problem.gradient(theta.value()));
      LstmOptimizer.Step next = model.step(phi, theta, g, states);
      theta = next.theta();
      states = next.states();
      Tensor f = Ops.mean(problem.losses(theta), false);
      loss = loss == null ? f : Ops.add(loss, f);
    }
    return new Unrolled(Ops.mulScalar(loss, 1.0 / steps), theta, states);
  }

  private static Params copy(Params p) {
    return p.mapNamed((n, t) -> Tensor.variable(t.value().dup(), n));
  }
}
