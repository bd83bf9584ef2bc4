package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Conv4;
import org.bml.core.model.Mlp;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.InferenceStrategy;
import org.bml.inference.Likelihood;
import org.bml.inference.LogLikelihood;
import org.bml.inference.LogPrior;
import org.bml.inference.ModelLikelihood;
import org.bml.inference.ParamLayout;
import org.bml.inference.PriorFamily;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Laplace inference: a mode finder gives the adapted point φ̂ (e.g. MAML's truncated gradient
 * descent, as in LLAMA, Grant et al. 2018, or {@link org.bml.inference.LogJointAscent}); the
 * posterior is the Gaussian N(φ̂, H⁻¹) with H the {@linkplain Curvature curvature} of the negative
 * log joint −log p(D | φ) − log p(φ | θ) at φ̂ (MacKay 1992; Ritter, Botev & Barber 2018 for K-FAC).
 *
 * <p>Lifecycle: configured once; each {@link #infer} runs the mode finder on the support set (with
 * the loss it is given) and then measures the curvature of this strategy's own calibrated
 * log-likelihood and prior at the mode, in one batch over tasks. {@link #at} skips the mode finder.
 * The result is differentiable with respect to θ through φ̂ and the log-joint terms, and so is its
 * log-determinant ({@link LaplacePosterior#logDet()}): when the mode or the prior depends on
 * variables, the curvature is rebuilt on the tape (recorded reverse passes) the first time the
 * log-determinant is asked for, so its gradient includes the dependence of H on φ̂(θ). The
 * precision used for sampling and the damping decisions are double-precision constants.
 */
public final class Laplace implements InferenceStrategy {
  private final InferenceStrategy modeFinder;
  private final LogLikelihood logLikelihood;
  private final PriorFamily prior;
  private final Curvature curvature;
  private final Damping damping;

  /**
   * @param modeFinder produces φ̂ (its posterior's mode) from θ and the support set; may be null when
   *     only {@link #at} is used
   * @param logLikelihood log p(D | φ) summed over points; a {@link ModelLikelihood} for
   *     {@link Curvature#DIAGONAL_GGN}, one whose model is a {@link DenseNetwork} or a
   *     {@link ConvNetwork} for {@link Curvature#KFAC} (an {@link Mlp} or a {@link Conv4} is wrapped
   *     by {@link DenseNetwork#mlp(Mlp)} or {@link ConvNetwork#conv4})
   * @param prior p(φ | θ)
   * @param curvature which approximation of H
   * @param damping what to do when H is not positive definite ({@link Damping#none()}: an error)
   * @throws IllegalArgumentException on a missing argument or a log-likelihood the curvature cannot use
   * @throws UnsupportedOperationException for K-FAC with a model it cannot factor (neither dense nor
   *     convolutional as above)
   */
  public Laplace(InferenceStrategy modeFinder, LogLikelihood logLikelihood, PriorFamily prior, Curvature curvature,
      Damping damping) {
    if (logLikelihood == null || prior == null || curvature == null || damping == null) {
      throw new IllegalArgumentException("Laplace: log-likelihood, prior family, curvature and damping must be given");
    }
    if (curvature != Curvature.EXACT_HESSIAN && !(logLikelihood instanceof ModelLikelihood)) {
      throw new IllegalArgumentException("Laplace: " + curvature + " needs the model and its output distribution"
          + " (a ModelLikelihood, e.g. LogLikelihood.gaussian(model, σ)), got " + logLikelihood.getClass().getName());
    }
    this.modeFinder = modeFinder;
    this.logLikelihood = curvature == Curvature.KFAC ? kfacView((ModelLikelihood) logLikelihood) : logLikelihood;
    this.prior = prior;
    this.curvature = curvature;
    this.damping = damping;
  }

  /**
   * The log-likelihood with its model as a network K-FAC can factor: a {@link DenseNetwork} or
   * {@link ConvNetwork} as given, a {@link Conv4} or {@link Mlp} wrapped by
   * {@link ConvNetwork#conv4} or {@link DenseNetwork#mlp(Mlp)}.
   */
  private static ModelLikelihood kfacView(ModelLikelihood ll) {
    Model m = ll.model();
    if (m instanceof DenseNetwork || m instanceof ConvNetwork) {
      return ll;
    }
    if (m instanceof Conv4 conv4) {
      return new ModelLikelihood(ConvNetwork.conv4(conv4), ll.output());
    }
    if (m instanceof Mlp mlp) {
      return new ModelLikelihood(DenseNetwork.mlp(mlp), ll.output());
    }
    throw new UnsupportedOperationException("Laplace: K-FAC needs a network whose layers it can factor: dense layers"
        + " (a DenseNetwork, or an Mlp) or convolutions with batch-norm and a dense head (a ConvNetwork, or a Conv4);"
        + " got " + m.getClass().getSimpleName() + ". Use DIAGONAL_GGN (any model) or EXACT_HESSIAN (small models)");
  }

  /** Without a mode finder: use {@link #at} with a given φ̂. */
  public Laplace(LogLikelihood logLikelihood, PriorFamily prior, Curvature curvature, Damping damping) {
    this(null, logLikelihood, prior, curvature, damping);
  }

  public Curvature curvature() {
    return curvature;
  }

  /**
   * Runs the mode finder on the support set with {@code loss} (the loss it descends), then builds the
   * Gaussian at its mode.
   */
  @Override
  public LaplacePosterior infer(Params theta, Data support, Likelihood loss) {
    if (modeFinder == null) {
      throw new IllegalStateException("Laplace: no mode finder was configured; call at(theta, mode, support)");
    }
    return at(theta, modeFinder.infer(theta, support, loss).mode(), support);
  }

  /** The Gaussian at a given φ̂ (leading task axis) under the prior p(φ | θ). */
  public LaplacePosterior at(Params theta, Params mode, Data support) {
    if (theta == null || mode == null || support == null) {
      throw new IllegalArgumentException("Laplace.at: θ, the mode and the support set must be given");
    }
    return fit(prior.given(theta), mode, support);
  }

  /**
   * The Gaussian at φ̂ under an explicit prior (e.g. one not tied to θ).
   *
   * <p>When the mode (or the prior) is on the tape and the damping is {@link Damping#always} with
   * δ &gt; 0, the double-precision precision (curvature reverse passes without recording, then
   * Hipparchus eigendecompositions) is built only when first needed, by sampling, the dense
   * matrices or {@link LaplacePosterior#logDetPrecision()}: the tape log-determinant, all that a
   * meta-objective such as LLAMA's uses, knows each task's damping (δ) without it. The checks of
   * the structure and of the prior still run here; a curvature that turns out not positive definite
   * is reported by the tape log-determinant through the double path's
   * {@link NotPositiveDefiniteException} (naming the task and the damping needed). With any other
   * damping policy (per-task decisions, or an error) or a constant mode the precision is built here.
   */
  public LaplacePosterior fit(LogPrior logPrior, Params mode, Data support) {
    ParamLayout layout = ParamLayout.ofLeadingAxis(mode);
    long tasks = layout.requireLeadingAxis("Laplace", mode);
    if (tasks != support.tasks()) {
      throw new IllegalArgumentException("Laplace: the mode has " + tasks + " tasks but the support set "
          + support.tasks());
    }
    int t = (int) tasks;
    Tensor ll = logLikelihood.perTask(mode, support);
    Tensor lp = logPrior.logDensity(mode);
    requirePerTask("log-likelihood", ll, t);
    requirePerTask("log prior", lp, t);
    // The prior's diagonal (checked to be a diagonal Hessian) and K-FAC's layer structure are cheap
    // and validate the input, so they are computed here whatever is deferred.
    double[][] pri = curvature == Curvature.EXACT_HESSIAN ? null
        : Curvatures.priorDiagonal(logPrior, mode, layout, curvature);
    KfacStructure structure = null;
    double[][] layerTau = null;
    if (curvature == Curvature.KFAC) {
      structure = KfacStructure.of(((ModelLikelihood) logLikelihood).model());
      structure.requireCoverage(layout);
      layerTau = new double[t][structure.blocks().size()];
      for (int k = 0; k < t; k++) {
        for (int l = 0; l < structure.blocks().size(); l++) {
          KfacStructure.Block b = structure.blocks().get(l);
          layerTau[k][l] = layerPrecision(pri[k], layout, b.weight(), b.bias());
        }
      }
    }
    boolean differentiable = lp.requiresGrad();
    for (Tensor x : mode.tensors()) {
      differentiable |= x.requiresGrad();
    }
    KfacStructure kfac = structure;
    double[][] tau = layerTau;
    Supplier<Precision[]> build = () -> precisions(logPrior, mode, support, layout, pri, kfac, tau);
    if (differentiable && !damping.onlyWhenNeeded() && damping.delta() > 0) {
      double[] delta = new double[t];
      Arrays.fill(delta, damping.delta());
      Memo<Precision[]> precisions = new Memo<>(build);
      Supplier<Tensor> logDet = () -> checkedTapeLogDet(logPrior, mode, support, layout, kfac, delta, precisions);
      return new LaplacePosterior(mode, layout, ll, lp, precisions, delta, curvature, damping, logDet);
    }
    Precision[] precisions = build.get();
    double[] delta = new double[t];
    for (int k = 0; k < t; k++) {
      delta[k] = precisions[k].damping;
    }
    Supplier<Tensor> logDet = differentiable
        ? () -> tapeLogDet(logPrior, mode, support, layout, kfac, delta)
        : () -> constantLogDet(precisions, ll.dtype());
    return new LaplacePosterior(mode, layout, ll, lp, Memo.of(precisions), delta, curvature, damping, logDet);
  }

  /** The double-precision, factored precision of every task, damped as the policy says (or an error). */
  private Precision[] precisions(LogPrior logPrior, Params mode, Data support, ParamLayout layout, double[][] pri,
      KfacStructure structure, double[][] layerTau) {
    int t = (int) support.tasks();
    Precision[] precisions = new Precision[t];
    switch (curvature) {
      case EXACT_HESSIAN -> {
        double[][][] h = Curvatures.exactHessian(logLikelihood, logPrior, mode, support, layout);
        for (int k = 0; k < t; k++) {
          precisions[k] = Precision.Dense.of(h[k], curvature, k, damping);
        }
      }
      case DIAGONAL_GGN -> {
        double[][] data = Curvatures.ggnDiagonal((ModelLikelihood) logLikelihood, mode, support, layout);
        for (int k = 0; k < t; k++) {
          double[] h = new double[layout.size()];
          for (int j = 0; j < h.length; j++) {
            h[j] = data[k][j] + pri[k][j];
          }
          precisions[k] = Precision.Diagonal.of(h, curvature, k, damping);
        }
      }
      case KFAC -> {
        KfacStructure.DoubleFactors factors = structure.factors((ModelLikelihood) logLikelihood, mode, support);
        int[] diagonalIndex = structure.diagonalIndices(layout);
        for (int k = 0; k < t; k++) {
          List<Precision.KroneckerBlock> blocks = new ArrayList<>();
          for (int l = 0; l < structure.blocks().size(); l++) {
            KfacStructure.Block b = structure.blocks().get(l);
            blocks.add(new Precision.KroneckerBlock(layout.offset(b.weight()),
                b.bias() == null ? -1 : layout.offset(b.bias()), b.in(), b.out(), b.outMajor(),
                factors.blocks()[l][k][0], factors.blocks()[l][k][1], layerTau[k][l]));
          }
          double[] diagonal = new double[diagonalIndex.length];
          for (int j = 0; j < diagonal.length; j++) {
            diagonal[j] = factors.diagonal()[k][j] + pri[k][diagonalIndex[j]];
          }
          precisions[k] = Precision.Kronecker.of(layout.size(), blocks, diagonalIndex, diagonal, k, damping);
        }
      }
      default -> throw new IllegalStateException("unknown curvature " + curvature);
    }
    return precisions;
  }

  /**
   * The tape log-determinant when the double precision has not been built: if the curvature is not
   * positive definite (the tape ops refuse it) or the result is not finite, the double path is built
   * so that the error names the task and the damping needed; never a silent NaN.
   */
  private Tensor checkedTapeLogDet(LogPrior logPrior, Params mode, Data support, ParamLayout layout,
      KfacStructure structure, double[] delta, Memo<Precision[]> precisions) {
    Tensor ld;
    try {
      ld = tapeLogDet(logPrior, mode, support, layout, structure, delta);
    } catch (IllegalArgumentException e) {
      precisions.get(); // throws NotPositiveDefiniteException when that is the cause
      throw e;
    }
    double[] v = ld.value().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
    for (int k = 0; k < v.length; k++) {
      if (!Double.isFinite(v[k])) {
        precisions.get();
        throw new IllegalStateException("Laplace: the log-determinant of the " + curvature + " curvature of task " + k
            + " is " + v[k] + "; check the log-likelihood and prior at the mode");
      }
    }
    return ld;
  }

  /**
   * log det H per task as a function of the mode (and the prior's tensors) on the tape, with the
   * damping each task got: the curvature is rebuilt with recorded reverse passes, so the gradient
   * of the log-determinant reaches θ through φ̂ (its second-order dependence on θ).
   */
  private Tensor tapeLogDet(LogPrior logPrior, Params mode, Data support, ParamLayout layout,
      KfacStructure structure, double[] delta) {
    int t = delta.length;
    var dtype = mode.tensors().get(0).dtype();
    Tensor perTaskDelta = Tensor.constant(Nd4j.createFromArray(delta).castTo(dtype));
    switch (curvature) {
      case EXACT_HESSIAN -> {
        Tensor h = Curvatures.exactHessianTape(logLikelihood, logPrior, mode, support, layout);
        INDArray eye = Nd4j.eye(layout.size()).castTo(dtype).reshape(1, layout.size(), layout.size());
        Tensor damped = Ops.add(h, Ops.mul(Ops.reshape(perTaskDelta, t, 1, 1), Tensor.constant(eye)));
        return Ops.logDetSpd(damped);
      }
      case DIAGONAL_GGN -> {
        Tensor diag = Ops.add(Curvatures.ggnDiagonalTape((ModelLikelihood) logLikelihood, mode, support, layout),
            Curvatures.priorDiagonalTape(logPrior, mode, layout));
        diag = Ops.add(diag, Ops.reshape(perTaskDelta, t, 1));
        return Ops.sum(Ops.log(diag), false, 1);
      }
      case KFAC -> {
        KfacStructure.TapeFactors factors = structure.factorsTape((ModelLikelihood) logLikelihood, mode, support);
        Tensor prior = Curvatures.priorDiagonalTape(logPrior, mode, layout);
        Tensor total = null;
        for (int l = 0; l < structure.blocks().size(); l++) {
          KfacStructure.Block b = structure.blocks().get(l);
          // The prior precision is one number per layer (checked in fit): read it at the weight's first entry.
          int off = layout.offset(b.weight());
          Tensor tau = Ops.add(Ops.reshape(Ops.slice(prior, 1, off, off + 1), t), perTaskDelta);
          Tensor ld = Ops.logDetKronecker(factors.blocks().get(l)[0], factors.blocks().get(l)[1], tau);
          total = total == null ? ld : Ops.add(total, ld);
        }
        int[] diagonalIndex = structure.diagonalIndices(layout);
        if (diagonalIndex.length > 0) {
          // Σ_j log(d_j + prior_j + δ) over the diagonal entries.
          Tensor d = Ops.add(Ops.add(factors.diagonal(), Ops.gather(prior, 1, diagonalIndex)),
              Ops.reshape(perTaskDelta, t, 1));
          Tensor ld = Ops.sum(Ops.log(d), false, 1);
          total = total == null ? ld : Ops.add(total, ld);
        }
        return total;
      }
      default -> throw new IllegalStateException("unknown curvature " + curvature);
    }
  }

  private static Tensor constantLogDet(Precision[] precisions, org.nd4j.linalg.api.buffer.DataType dtype) {
    double[] ld = new double[precisions.length];
    for (int k = 0; k < ld.length; k++) {
      ld[k] = precisions[k].logDet();
    }
    return Tensor.constant(Nd4j.createFromArray(ld).castTo(dtype));
  }

  // The prior precision must be one number per layer (weight and bias) for the exact K-FAC sum.
  private static double layerPrecision(double[] prior, ParamLayout layout, String weight, String bias) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    List<String> names = bias == null ? List.of(weight) : List.of(weight, bias);
    for (String name : names) {
      int off = layout.offset(name);
      for (int j = off; j < off + layout.length(name); j++) {
        min = Math.min(min, prior[j]);
        max = Math.max(max, prior[j]);
      }
    }
    if (max - min > 1e-10 * Math.max(Math.abs(max), Math.abs(min))) {
      throw new IllegalArgumentException("Laplace: K-FAC adds the prior precision exactly only when it is the same for"
          + " every weight and bias of a layer; layer '" + weight + "' has precisions in [" + min + ", " + max
          + "]: use an isotropic prior per layer, DIAGONAL_GGN or EXACT_HESSIAN");
    }
    return 0.5 * (min + max);
  }

  /** A value computed once, on first use (thread-safe); a failure is not cached, so it recurs. */
  static final class Memo<T> implements Supplier<T> {
    private Supplier<T> compute;
    private T value;

    Memo(Supplier<T> compute) {
      this.compute = compute;
    }

    static <T> Memo<T> of(T value) {
      Memo<T> m = new Memo<>(null);
      m.value = value;
      return m;
    }

    synchronized boolean isDone() {
      return compute == null;
    }

    @Override
    public synchronized T get() {
      if (compute != null) {
        value = compute.get();
        compute = null; // drop the captured mode and data
      }
      return value;
    }
  }

  private static void requirePerTask(String what, Tensor x, int t) {
    if (x.rank() != 1 || x.size(0) != t) {
      throw new IllegalArgumentException("Laplace: " + what + " must have shape [" + t + "] (one value per task), got "
          + Arrays.toString(x.shape()));
    }
  }
}
