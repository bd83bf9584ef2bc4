package org.bml.algorithms.functional;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bml.algorithms.Hyper;
import org.bml.core.autodiff.Cholesky;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The deep kernel k(x, x') = κ(φ(x), φ(x')) and its hyperparameters, shared by {@link DeepKernelTransfer}
 * (regression) and {@link DktClassifier}: the meta-parameters (φ's weights under {@link
 * DeepKernelTransfer#FEATURES}, log s², log ℓ for the RBF kernel, log σ²), the features, the kernel
 * matrix and the Cholesky factor of k(Z, Z) + σ² I, all on the tape.
 */
final class DeepKernel {
  /** κ on features: s² uᵀv, s² exp(−‖u − v‖²/2ℓ²), or s² uᵀv / (‖u‖ ‖v‖). */
  enum Kind { LINEAR, RBF, COSINE }

  private static final double COSINE_EPS = 1e-8;

  private final String owner;
  private final Model features;
  private final Kind kind;
  private final double noiseVariance;
  private final double outputscale;
  private final double lengthscale;

  /** @param owner the learner named in error messages */
  DeepKernel(String owner, Model features, Kind kind, double noiseVariance, double outputscale, double lengthscale) {
    this.owner = owner;
    this.features = Hyper.nonNull(owner, "feature model", features);
    this.kind = Hyper.nonNull(owner, "kernel", kind);
    this.noiseVariance = Hyper.positive(owner, "noise variance", noiseVariance);
    this.outputscale = Hyper.positive(owner, "output scale", outputscale);
    this.lengthscale = Hyper.positive(owner, "length scale", lengthscale);
  }

  Kind kind() {
    return kind;
  }

  Params initialize(long seed, DataType dtype) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    features.init(seed, dtype).entries().forEach(e -> m.put(DeepKernelTransfer.FEATURES + e.getKey(), e.getValue()));
    m.put(DeepKernelTransfer.LOG_OUTPUTSCALE, scalar(Math.log(outputscale), dtype, DeepKernelTransfer.LOG_OUTPUTSCALE));
    if (kind == Kind.RBF) {
      m.put(DeepKernelTransfer.LOG_LENGTHSCALE,
          scalar(Math.log(lengthscale), dtype, DeepKernelTransfer.LOG_LENGTHSCALE));
    }
    m.put(DeepKernelTransfer.LOG_NOISE, scalar(Math.log(noiseVariance), dtype, DeepKernelTransfer.LOG_NOISE));
    return Params.of(m);
  }

  private static Tensor scalar(double v, DataType dtype, String name) {
    return Tensor.variable(Nd4j.createFromArray(v).castTo(dtype), name);
  }

  /** φ(x) {@code [T, n, p]}: one forward pass of the feature network. */
  Tensor features(Params meta, Tensor x) {
    Tensor f = features.forward(Parts.part(meta, DeepKernelTransfer.FEATURES), x);
    if (f.rank() != 3 || f.size(0) != x.size(0) || f.size(1) != x.size(1)) {
      throw new IllegalStateException(owner + ": features must map [T, n, ...] to [T, n, p], got "
          + Arrays.toString(f.shape()) + " for input " + Arrays.toString(x.shape()));
    }
    return f;
  }

  /** s², the output scale. */
  Tensor outputscale(Params meta) {
    return Ops.exp(meta.get(DeepKernelTransfer.LOG_OUTPUTSCALE));
  }

  /** σ², the noise variance. */
  Tensor noise(Params meta) {
    return Ops.exp(meta.get(DeepKernelTransfer.LOG_NOISE));
  }

  /** κ(U, V) {@code [T, n, m]} for features U {@code [T, n, p]}, V {@code [T, m, p]}. */
  Tensor kernel(Params meta, Tensor u, Tensor v) {
    Tensor s2 = outputscale(meta);
    switch (kind) {
      case LINEAR:
        return Ops.mul(Ops.matmul(u, v, false, true), s2);
      case COSINE:
        return Ops.mul(Ops.cosineSimilarity(u, v, COSINE_EPS), s2);
      default:
        Tensor inv2l2 = Ops.mulScalar(Ops.exp(Ops.mulScalar(meta.get(DeepKernelTransfer.LOG_LENGTHSCALE), -2)), 0.5);
        return Ops.mul(Ops.exp(Ops.neg(Ops.mul(Ops.squaredDistances(u, v), inv2l2))), s2);
    }
  }

  /** Cholesky factor of k(Z, Z) + σ² I, {@code [T, n, n]}. */
  Tensor gramFactor(Params meta, Tensor z) {
    Tensor eye = Tensor.constant(Nd4j.eye(z.size(1)).castTo(z.dtype()));
    return Cholesky.factor(Ops.add(kernel(meta, z, z), Ops.mul(eye, noise(meta))));
  }
}
