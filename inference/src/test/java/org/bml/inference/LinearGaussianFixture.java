package org.bml.inference;

import java.util.ArrayList;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Activation;
import org.bml.core.model.Mlp;
import org.bml.core.model.Params;
import org.bml.datasets.TaskBatch;
import org.bml.datasets.synthetic.LinearGaussianOracle;
import org.bml.datasets.synthetic.LinearGaussianTasks;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Linear-Gaussian tasks in float64 with their exact oracle: φ ~ N(θ, Σ), y = X φ + ε,
 * ε ~ N(0, σ² I), modelled by a bias-free linear Mlp (parameter {@code layer0.weight [d, 1]}).
 */
public final class LinearGaussianFixture {
  public static final String W = Mlp.weight(0);
  public final double[] theta;
  public final double[][] sigma;
  public final double noiseStd;
  public final LinearGaussianOracle oracle;
  public final TaskBatch batch;
  public final Data support;
  public final Data query;
  public final Mlp model;
  public final int d;

  public LinearGaussianFixture(double[] theta, double[][] sigma, double noiseStd, int support, int tasks, long seed) {
    this.theta = theta.clone();
    this.sigma = sigma;
    this.noiseStd = noiseStd;
    this.d = theta.length;
    LinearGaussianTasks dist = new LinearGaussianTasks(theta, sigma, noiseStd, support, 4, DataType.DOUBLE);
    this.oracle = dist.oracle();
    this.batch = dist.batch(seed, 0, tasks);
    this.support = new Data(Tensor.constant(batch.supportX()), Tensor.constant(batch.supportY()));
    this.query = new Data(Tensor.constant(batch.queryX()), Tensor.constant(batch.queryY()));
    this.model = new Mlp(Activation.IDENTITY, false, d, 1);
  }

  /** A correlated 3-d prior, σ = 0.5, 6 support points, 3 tasks. */
  public static LinearGaussianFixture correlated(long seed) {
    double[][] sigma = {{1.0, 0.3, -0.2}, {0.3, 0.8, 0.1}, {-0.2, 0.1, 1.5}};
    return new LinearGaussianFixture(new double[] {0.5, -1.0, 0.25}, sigma, 0.5, 6, 3, seed);
  }

  /** Isotropic prior Σ = s² I. */
  public static LinearGaussianFixture isotropic(double s2, int d, int n, int tasks, long seed) {
    double[][] sigma = new double[d][d];
    double[] theta = new double[d];
    for (int i = 0; i < d; i++) {
      sigma[i][i] = s2;
      theta[i] = 0.3 * (i + 1) - 0.5;
    }
    return new LinearGaussianFixture(theta, sigma, 0.5, n, tasks, seed);
  }

  public int tasks() {
    return batch.size();
  }

  public LogLikelihood logLikelihood() {
    return LogLikelihood.gaussian(model, noiseStd);
  }

  /** θ as the model's parameters ({@code [d, 1]}), as variables. */
  public Params thetaParams() {
    return thetaParams(theta);
  }

  public static Params thetaParams(double[] theta) {
    INDArray w = Nd4j.createFromArray(theta).reshape(theta.length, 1);
    return Params.of(List.of(W), List.of(Tensor.variable(w, W)));
  }

  /** log N(φ; θ, Σ) with the full Σ, per task: φ [T, d, 1], θ [d, 1]. */
  public PriorFamily fullCovariancePrior() {
    RealMatrix s = new Array2DRowRealMatrix(sigma);
    CholeskyDecomposition chol = new CholeskyDecomposition(s);
    Tensor inv = Tensor.constant(Nd4j.createFromArray(chol.getSolver().getInverse().getData()));
    double logDet2Pi = Math.log(chol.getDeterminant()) + d * Math.log(2 * Math.PI);
    return th -> phi -> {
      Tensor p = phi.get(W);
      Tensor diff = Ops.reshape(Ops.sub(p, th.get(W)), p.size(0), d);
      Tensor quad = Ops.sum(Ops.mul(Ops.matmul(diff, inv), diff), false, 1);
      return Ops.mulScalar(Ops.addScalar(quad, logDet2Pi), -0.5);
    };
  }

  public INDArray supportX(int t) {
    return batch.task(t).supportX();
  }

  public INDArray supportY(int t) {
    return batch.task(t).supportY();
  }

  public LinearGaussianOracle.Posterior posterior(int t) {
    return oracle.posterior(supportX(t), supportY(t));
  }

  public double logMarginal(int t) {
    return oracle.logMarginalLikelihood(supportX(t), supportY(t));
  }

  /** The exact posterior means as per-task parameters {@code [T, d, 1]}. */
  public Params exactModes() {
    List<double[]> rows = new ArrayList<>();
    for (int t = 0; t < tasks(); t++) {
      rows.add(posterior(t).mean());
    }
    double[][] m = rows.toArray(new double[0][]);
    return Params.of(List.of(W), List.of(Tensor.constant(Nd4j.createFromArray(m).reshape(tasks(), d, 1))));
  }

  public static double maxAbsDiff(double[][] a, double[][] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
      }
    }
    return m;
  }

  public static double maxAbs(double[][] a) {
    double m = 0;
    for (double[] row : a) {
      for (double v : row) {
        m = Math.max(m, Math.abs(v));
      }
    }
    return m;
  }
}
