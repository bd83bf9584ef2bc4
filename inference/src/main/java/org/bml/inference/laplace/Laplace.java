package org.bml.inference.laplace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
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
   *     {@link Curvature#DIAGONAL_GGN}, one whose model is a {@link DenseNetwork} for
   *     {@link Curvature#KFAC}
   * @param prior p(φ | θ)
   * @param curvature which approximation of H
   * @param damping what to do when H is not positive definite ({@link Damping#none()}: an error)
   * @throws IllegalArgumentException on a missing argument or a log-likelihood the curvature cannot use
   * @throws UnsupportedOperationException for K-FAC with a model that is not a {@link DenseNetwork}
   *     (convolutional layers are not implemented)
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
    if (curvature == Curvature.KFAC && !(((ModelLikelihood) logLikelihood).model() instanceof DenseNetwork)) {
      throw new UnsupportedOperationException("Laplace: K-FAC is implemented for dense layers only (a DenseNetwork,"
          + " e.g. DenseNetwork.mlp(mlp, activation)); got " + ((ModelLikelihood) logLikelihood).model().getClass()
          .getSimpleName() + ". Convolutional layers would need the KFC factors of Grosse & Martens (2016) over image"
          + " patches, which are not implemented: use DIAGONAL_GGN (any model) or EXACT_HESSIAN (small models)");
    }
    this.modeFinder = modeFinder;
    this.logLikelihood = logLikelihood;
    this.prior = prior;
    this.curvature = curvature;
    this.damping = damping;
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

  /** The Gaussian at φ̂ under an explicit prior (e.g. one not tied to θ). */
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
        double[][] pri = Curvatures.priorDiagonal(logPrior, mode, layout, curvature);
        for (int k = 0; k < t; k++) {
          double[] h = new double[layout.size()];
          for (int j = 0; j < h.length; j++) {
            h[j] = data[k][j] + pri[k][j];
          }
          precisions[k] = Precision.Diagonal.of(h, curvature, k, damping);
        }
      }
      case KFAC -> {
        ModelLikelihood ml = (ModelLikelihood) logLikelihood;
        DenseNetwork net = (DenseNetwork) ml.model();
        Curvatures.requireCoverage(net, layout);
        double[][][][][] factors = Curvatures.kfacFactors(ml, net, mode, support);
        double[][] pri = Curvatures.priorDiagonal(logPrior, mode, layout, curvature);
        for (int k = 0; k < t; k++) {
          List<Precision.KroneckerBlock> blocks = new ArrayList<>();
          for (int l = 0; l < net.denseLayers().size(); l++) {
            DenseNetwork.Layer layer = net.denseLayers().get(l);
            double tau = layerPrecision(pri[k], layout, layer);
            blocks.add(new Precision.KroneckerBlock(layout.offset(layer.weight()),
                layer.bias() == null ? -1 : layout.offset(layer.bias()), layer.in(), layer.out(),
                factors[l][k][0], factors[l][k][1], tau));
          }
          precisions[k] = Precision.Kronecker.of(layout.size(), blocks, k, damping);
        }
      }
      default -> throw new IllegalStateException("unknown curvature " + curvature);
    }
    boolean differentiable = lp.requiresGrad();
    for (Tensor x : mode.tensors()) {
      differentiable |= x.requiresGrad();
    }
    Supplier<Tensor> logDet = differentiable
        ? () -> tapeLogDet(logPrior, mode, support, layout, precisions)
        : () -> constantLogDet(precisions, ll.dtype());
    return new LaplacePosterior(mode, layout, ll, lp, precisions, curvature, damping, logDet);
  }

  /**
   * log det H per task as a function of the mode (and the prior's tensors) on the tape, with the
   * damping each task got: the curvature is rebuilt with recorded reverse passes, so the gradient
   * of the log-determinant reaches θ through φ̂ (its second-order dependence on θ).
   */
  private Tensor tapeLogDet(LogPrior logPrior, Params mode, Data support, ParamLayout layout, Precision[] precisions) {
    int t = precisions.length;
    double[] delta = new double[t];
    for (int k = 0; k < t; k++) {
      delta[k] = precisions[k].damping;
    }
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
        ModelLikelihood ml = (ModelLikelihood) logLikelihood;
        DenseNetwork net = (DenseNetwork) ml.model();
        List<Tensor[]> factors = Curvatures.kfacFactorsTape(ml, net, mode, support);
        Tensor prior = Curvatures.priorDiagonalTape(logPrior, mode, layout);
        Tensor total = null;
        for (int l = 0; l < factors.size(); l++) {
          DenseNetwork.Layer layer = net.denseLayers().get(l);
          // The prior precision is one number per layer (checked in fit): read it at the weight's first entry.
          int off = layout.offset(layer.weight());
          Tensor tau = Ops.add(Ops.reshape(Ops.slice(prior, 1, off, off + 1), t), perTaskDelta);
          Tensor ld = Ops.logDetKronecker(factors.get(l)[0], factors.get(l)[1], tau);
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
  private static double layerPrecision(double[] prior, ParamLayout layout, DenseNetwork.Layer layer) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    List<String> names = layer.bias() == null ? List.of(layer.weight()) : List.of(layer.weight(), layer.bias());
    for (String name : names) {
      int off = layout.offset(name);
      for (int j = off; j < off + layout.length(name); j++) {
        min = Math.min(min, prior[j]);
        max = Math.max(max, prior[j]);
      }
    }
    if (max - min > 1e-10 * Math.max(Math.abs(max), Math.abs(min))) {
      throw new IllegalArgumentException("Laplace: K-FAC adds the prior precision exactly only when it is the same for"
          + " every weight and bias of a layer; layer '" + layer.weight() + "' has precisions in [" + min + ", " + max
          + "]: use an isotropic prior per layer, DIAGONAL_GGN or EXACT_HESSIAN");
    }
    return 0.5 * (min + max);
  }

  private static void requirePerTask(String what, Tensor x, int t) {
    if (x.rank() != 1 || x.size(0) != t) {
      throw new IllegalArgumentException("Laplace: " + what + " must have shape [" + t + "] (one value per task), got "
          + Arrays.toString(x.shape()));
    }
  }
}
