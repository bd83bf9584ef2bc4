package org.bml.inference;

import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The distribution of a target given a model's output f for one point, p(y | f), and the
 * square-root factor of its curvature in f, used by the Gauss-Newton / Fisher curvatures:
 * Λ(f) = −∇²_f log p(y | f) = C Cᵀ with C of {@linkplain #factorRank rank R} columns. For these
 * exponential families Λ does not depend on y, so the generalised Gauss-Newton matrix equals the
 * Fisher information (Martens 2014, "New insights and perspectives on the natural gradient method").
 */
public interface OutputDistribution {
  /** log p(y | f) per point, summed over the output axis: f and y {@code [T, n, O]} → {@code [T, n]}. */
  Tensor logDensity(Tensor f, Tensor y);

  /** R, the number of columns of C for O outputs. */
  int factorRank(long outputs);

  /** Column r of C at every point: {@code [T, n, O]} for f {@code [T, n, O]} (a constant array). */
  INDArray factorColumn(INDArray f, int r);

  /**
   * Column r of C as a tensor of f, differentiable where C depends on f (categorical), so that
   * curvatures built from it are differentiable with respect to the parameters behind f. This
   * default serves distributions whose C does not depend on f; others must override it.
   */
  default Tensor factorColumn(Tensor f, int r) {
    return Tensor.constant(factorColumn(f.value(), r));
  }

  /** y ~ N(f, σ² I): log p = −½ Σ [(y − f)²/σ² + log 2πσ²]; C = I/σ. */
  static OutputDistribution gaussian(double noiseStd) {
    if (!(noiseStd > 0) || !Double.isFinite(noiseStd)) {
      throw new IllegalArgumentException("OutputDistribution.gaussian: noise std must be positive and finite, got "
          + noiseStd);
    }
    double logVar = 2 * Math.log(noiseStd);
    return new OutputDistribution() {
      @Override
      public Tensor logDensity(Tensor f, Tensor y) {
        Tensor nll = Ops.gaussianNll(y, f, Ops.scalar(logVar, f.dtype()));
        return Ops.neg(Ops.sum(nll, false, -1));
      }

      @Override
      public int factorRank(long outputs) {
        return (int) outputs;
      }

      @Override
      public INDArray factorColumn(INDArray f, int r) {
        INDArray c = Nd4j.zeros(f.dataType(), f.shape());
        c.get(NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.point(r)).assign(1.0 / noiseStd);
        return c;
      }

      @Override
      public String toString() {
        return "Gaussian(σ=" + noiseStd + ")";
      }
    };
  }

  /**
   * y one-hot, p(y | f) = softmax(f)_y: log p = Σ y ⊙ log softmax(f); Λ = diag(p) − p pᵀ with
   * columns c_r = √p_r (e_r − p).
   */
  static OutputDistribution categorical() {
    return new OutputDistribution() {
      @Override
      public Tensor logDensity(Tensor f, Tensor y) {
        return Ops.neg(Ops.softmaxCrossEntropy(f, y, -1));
      }

      @Override
      public int factorRank(long outputs) {
        return (int) outputs;
      }

      @Override
      public INDArray factorColumn(INDArray f, int r) {
        INDArray fd = f.castTo(DataType.DOUBLE);
        INDArray max = fd.max(true, 2);
        INDArray e = Transforms.exp(fd.sub(max.broadcast(fd.shape())), false);
        INDArray p = e.div(e.sum(true, 2).broadcast(fd.shape()));
        INDArray pr = p.get(NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.point(r)).dup();
        INDArray sqrtPr = Transforms.sqrt(pr, true);
        INDArray c = p.neg();
        c.get(NDArrayIndex.all(), NDArrayIndex.all(),
            NDArrayIndex.point(r)).addi(1.0);
        long[] s = fd.shape();
        c.muli(sqrtPr.reshape(s[0], s[1], 1).broadcast(s));
        return c.castTo(f.dataType());
      }

      @Override
      public Tensor factorColumn(Tensor f, int r) {
        // c_r = √p_r (e_r − p), p = softmax(f), written with ops.
        Tensor p = Ops.softmax(f, 2);
        INDArray e = Nd4j.zeros(f.dtype(), f.shape());
        e.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(r)).assign(1.0);
        Tensor pr = Ops.slice(p, 2, r, r + 1);
        return Ops.mul(Ops.sqrt(pr), Ops.sub(Tensor.constant(e), p));
      }

      @Override
      public String toString() {
        return "Categorical(softmax)";
      }
    };
  }
}
