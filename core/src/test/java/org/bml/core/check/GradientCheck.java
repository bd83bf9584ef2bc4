package org.bml.core.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.bml.core.autodiff.Autodiff;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Finite-difference oracles for {@link Autodiff} in float64.
 *
 * <p>A function under test maps a list of variables (one per input array, in order) to a scalar
 * tensor. It is always called with fresh {@linkplain Tensor#variable variables} under the current
 * grad mode, so it may itself call {@link Autodiff#grad} (e.g. an unrolled inner loop). It must not
 * modify the arrays it is given.
 *
 * <p>Errors are norm-wise relative errors over all inputs jointly,
 * {@code ‖a − n‖₂ / max(‖a‖₂, ‖n‖₂, 1e-300)}: 0 when both are zero, NaN when a value is not finite
 * (so that {@code error <= tol} fails).
 *
 * <p>Step sizes: a central difference has truncation error O(ε²·f''') and rounding error
 * O(u·|f|/ε) with u ≈ 1.1e-16, so for O(1) values ε ≈ 1e-6 gives about 1e-10 for gradients; a
 * Hessian-vector product differences analytic gradients, for which ε ≈ 1e-5 balances the two terms
 * near 1e-10 as well.
 */
public final class GradientCheck {
  private GradientCheck() {}

  // ---------------------------------------------------------------- error measures

  /**
   * Relative error between the analytic gradient ({@link Autodiff#grad}, createGraph=false) of a
   * scalar function and its central differences with step {@code eps}, element by element.
   */
  public static double gradientError(Function<List<Tensor>, Tensor> f, List<INDArray> at, double eps) {
    validate("gradientError", f, at, eps);
    return relativeError(gradient(f, at), numericGradient(f, at, eps));
  }

  /**
   * Relative error between the analytic Hessian-vector product (the gradient of
   * ⟨∇f (createGraph=true), v⟩) and the central difference of the analytic gradient along v,
   * (∇f(x + εv) − ∇f(x − εv)) / 2ε.
   */
  public static double hvpError(Function<List<Tensor>, Tensor> f, List<INDArray> at, List<INDArray> direction,
      double eps) {
    validate("hvpError", f, at, eps);
    validateDirection("hvpError", at, direction);
    return relativeError(hessianVectorProduct(f, at, direction), numericHessianVectorProduct(f, at, direction, eps));
  }

  /** The joint 2-norm of a list of arrays, {@code sqrt(Σ ‖x_i‖₂²)} (each array's norm by ND4J). */
  public static double norm(List<INDArray> a) {
    double s = 0;
    for (INDArray x : a) {
      double n = x.norm2Number().doubleValue();
      s += n * n;
    }
    return Math.sqrt(s);
  }

  /** {@code ‖a − b‖₂ / max(‖a‖₂, ‖b‖₂, 1e-300)} over all arrays jointly (pairs must have equal shapes). */
  public static double relativeError(List<INDArray> a, List<INDArray> b) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException("relativeError: " + a.size() + " arrays vs " + b.size());
    }
    double diff = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i).shape(), b.get(i).shape())) {
        throw new IllegalArgumentException("relativeError: array " + i + " has shapes "
            + Arrays.toString(a.get(i).shape()) + " and " + Arrays.toString(b.get(i).shape()));
      }
      double[] x = values(a.get(i));
      double[] y = values(b.get(i));
      for (int k = 0; k < x.length; k++) {
        diff += (x[k] - y[k]) * (x[k] - y[k]);
        na += x[k] * x[k];
        nb += y[k] * y[k];
      }
    }
    return Math.sqrt(diff) / Math.max(Math.max(Math.sqrt(na), Math.sqrt(nb)), 1e-300);
  }

  // ---------------------------------------------------------------- the two sides of each check

  /** The analytic gradient of f at the given point (createGraph=false; zeros for unused inputs). */
  public static List<INDArray> gradient(Function<List<Tensor>, Tensor> f, List<INDArray> at) {
    validate("gradient", f, at, 1.0);
    List<Tensor> vars = variables(at);
    Tensor y = evaluate(f, vars);
    if (!y.requiresGrad()) {
      return zerosLike(at); // f does not depend on its inputs at all
    }
    return valuesOf(Autodiff.grad(List.of(y), null, vars, false, true));
  }

  /** Central differences (f(x + ε e_k) − f(x − ε e_k)) / 2ε for every element k of every input. */
  public static List<INDArray> numericGradient(Function<List<Tensor>, Tensor> f, List<INDArray> at, double eps) {
    validate("numericGradient", f, at, eps);
    List<INDArray> base = new ArrayList<>();
    for (INDArray x : at) {
      base.add(x.dup('c'));
    }
    List<INDArray> result = new ArrayList<>();
    for (int i = 0; i < base.size(); i++) {
      INDArray x = base.get(i);
      double[] g = new double[(int) x.length()];
      for (int k = 0; k < g.length; k++) {
        double plus = evaluateAt(f, base, i, k, x.getDouble(k) + eps);
        double minus = evaluateAt(f, base, i, k, x.getDouble(k) - eps);
        g[k] = (plus - minus) / (2 * eps);
      }
      result.add(fromValues(g, x.shape()));
    }
    return result;
  }

  /** H v via a second reverse pass: the gradient of ⟨∇f (createGraph=true), v⟩. */
  public static List<INDArray> hessianVectorProduct(Function<List<Tensor>, Tensor> f, List<INDArray> at,
      List<INDArray> direction) {
    validate("hessianVectorProduct", f, at, 1.0);
    validateDirection("hessianVectorProduct", at, direction);
    List<Tensor> vars = variables(at);
    Tensor y = evaluate(f, vars);
    if (!y.requiresGrad()) {
      return zerosLike(at);
    }
    List<Tensor> g = Autodiff.grad(List.of(y), null, vars, true, true);
    Tensor inner = null;
    for (int i = 0; i < g.size(); i++) {
      if (!g.get(i).requiresGrad()) {
        continue; // this block of the gradient is constant: its Hessian rows are zero
      }
      Tensor term = Ops.sum(Ops.mul(g.get(i), Tensor.constant(direction.get(i))), false);
      inner = inner == null ? term : Ops.add(inner, term);
    }
    if (inner == null) {
      return zerosLike(at); // f is affine in its inputs
    }
    return valuesOf(Autodiff.grad(List.of(inner), null, vars, false, true));
  }

  /** (∇f(x + εv) − ∇f(x − εv)) / 2ε with analytic gradients. */
  public static List<INDArray> numericHessianVectorProduct(Function<List<Tensor>, Tensor> f, List<INDArray> at,
      List<INDArray> direction, double eps) {
    validate("numericHessianVectorProduct", f, at, eps);
    validateDirection("numericHessianVectorProduct", at, direction);
    List<INDArray> plus = new ArrayList<>();
    List<INDArray> minus = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      plus.add(at.get(i).add(direction.get(i).mul(eps)));
      minus.add(at.get(i).sub(direction.get(i).mul(eps)));
    }
    List<INDArray> gp = gradient(f, plus);
    List<INDArray> gm = gradient(f, minus);
    List<INDArray> result = new ArrayList<>();
    for (int i = 0; i < at.size(); i++) {
      result.add(gp.get(i).sub(gm.get(i)).divi(2 * eps));
    }
    return result;
  }

  // ---------------------------------------------------------------- probes and random inputs

  /**
   * A scalar Σ R⊙y + ½ Σ S⊙y² with fixed random R ∈ [−1, 1] and S ∈ [0.5, 1.5] (seeded, y's shape
   * and dtype). Its Hessian is non-zero even when y is linear in the inputs, so an HVP check
   * through it also exercises the backward-of-backward with respect to the upstream gradient.
   */
  public static Tensor probe(Tensor y, long seed) {
    Objects.requireNonNull(y, "probe: y is null");
    SplittableRandom rng = new SplittableRandom(seed);
    long[] shape = y.shape();
    Tensor r = Tensor.constant(uniform(rng.nextLong(), -1, 1, shape).castTo(y.dtype()));
    Tensor s = Tensor.constant(uniform(rng.nextLong(), 0.5, 1.5, shape).castTo(y.dtype()));
    Tensor linear = Ops.sum(Ops.mul(r, y), false);
    Tensor quadratic = Ops.mulScalar(Ops.sum(Ops.mul(s, Ops.square(y)), false), 0.5);
    return Ops.add(linear, quadratic);
  }

  /** A float64 array of the given shape, uniform in [lo, hi), from a fixed seed. */
  public static INDArray uniform(long seed, double lo, double hi, long... shape) {
    if (!(lo <= hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
      throw new IllegalArgumentException("uniform: need finite lo <= hi, got [" + lo + ", " + hi + ")");
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double[] v = new double[checkedLength("uniform", shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = lo + (hi - lo) * rng.nextDouble();
    }
    return fromValues(v, shape);
  }

  /** A float64 array with random signs and magnitudes uniform in [minAbs, maxAbs] (e.g. away from a kink at 0). */
  public static INDArray uniformAwayFromZero(long seed, double minAbs, double maxAbs, long... shape) {
    if (!(0 <= minAbs && minAbs <= maxAbs) || !Double.isFinite(maxAbs)) {
      throw new IllegalArgumentException("uniformAwayFromZero: need 0 <= minAbs <= maxAbs < inf, got "
          + minAbs + ", " + maxAbs);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double[] v = new double[checkedLength("uniformAwayFromZero", shape)];
    for (int i = 0; i < v.length; i++) {
      double m = minAbs + (maxAbs - minAbs) * rng.nextDouble();
      v[i] = rng.nextBoolean() ? m : -m;
    }
    return fromValues(v, shape);
  }

  /**
   * A float64 array whose magnitudes lie in [minAbs, maxAbs] and are pairwise at least
   * 0.4·(maxAbs − minAbs)/n apart (n elements), with random signs and a random order: every two
   * elements differ by at least that much, so maxima are unique and stay unique under small steps.
   */
  public static INDArray distinct(long seed, double minAbs, double maxAbs, long... shape) {
    if (!(0 <= minAbs && minAbs < maxAbs) || !Double.isFinite(maxAbs)) {
      throw new IllegalArgumentException("distinct: need 0 <= minAbs < maxAbs < inf, got " + minAbs + ", " + maxAbs);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    int n = checkedLength("distinct", shape);
    double[] v = new double[n];
    double cell = (maxAbs - minAbs) / n;
    for (int i = 0; i < n; i++) {
      // one value per cell, jittered within its middle 60%, so neighbours are >= 0.4 cell apart
      double m = minAbs + cell * (i + 0.2 + 0.6 * rng.nextDouble());
      v[i] = rng.nextBoolean() ? m : -m;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      double t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    return fromValues(v, shape);
  }

  // ---------------------------------------------------------------- internals

  private static void validate(String where, Function<List<Tensor>, Tensor> f, List<INDArray> at, double eps) {
    if (f == null) {
      throw new IllegalArgumentException(where + ": function is null");
    }
    if (at == null || at.isEmpty()) {
      throw new IllegalArgumentException(where + ": no inputs given");
    }
    for (int i = 0; i < at.size(); i++) {
      INDArray x = at.get(i);
      if (x == null) {
        throw new IllegalArgumentException(where + ": input " + i + " is null");
      }
      if (x.dataType() != DataType.DOUBLE) {
        throw new IllegalArgumentException(where + ": input " + i + " " + Arrays.toString(x.shape())
            + " has dtype " + x.dataType() + "; finite-difference checks need DOUBLE");
      }
      if (x.length() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(where + ": input " + i + " is too large to check element by element");
      }
    }
    if (!(eps > 0) || !Double.isFinite(eps)) {
      throw new IllegalArgumentException(where + ": eps must be positive and finite, got " + eps);
    }
  }

  private static void validateDirection(String where, List<INDArray> at, List<INDArray> direction) {
    if (direction == null || direction.size() != at.size()) {
      throw new IllegalArgumentException(where + ": " + (direction == null ? "no" : direction.size())
          + " direction arrays for " + at.size() + " inputs");
    }
    for (int i = 0; i < at.size(); i++) {
      INDArray v = direction.get(i);
      if (v == null) {
        throw new IllegalArgumentException(where + ": direction " + i + " is null");
      }
      if (!Arrays.equals(v.shape(), at.get(i).shape())) {
        throw new IllegalArgumentException(where + ": direction " + i + " has shape " + Arrays.toString(v.shape())
            + " but input " + i + " has shape " + Arrays.toString(at.get(i).shape()));
      }
      if (v.dataType() != DataType.DOUBLE) {
        throw new IllegalArgumentException(where + ": direction " + i + " has dtype " + v.dataType()
            + "; finite-difference checks need DOUBLE");
      }
    }
  }

  private static List<Tensor> variables(List<INDArray> at) {
    List<Tensor> vars = new ArrayList<>();
    for (INDArray x : at) {
      vars.add(Tensor.variable(x.dup('c')));
    }
    return vars;
  }

  private static Tensor evaluate(Function<List<Tensor>, Tensor> f, List<Tensor> vars) {
    Tensor y = f.apply(List.copyOf(vars));
    if (y == null) {
      throw new IllegalArgumentException("GradientCheck: the function returned null");
    }
    if (y.length() != 1) {
      throw new IllegalArgumentException("GradientCheck: the function must return a scalar, got shape "
          + Arrays.toString(y.shape()) + " (wrap it in GradientCheck.probe)");
    }
    if (y.dtype() != DataType.DOUBLE) {
      throw new IllegalArgumentException("GradientCheck: the function returned dtype " + y.dtype()
          + "; finite-difference checks need DOUBLE");
    }
    return y;
  }

  // f at base with element k of input i replaced by value (a fresh copy, so no array is shared
  // between evaluations and f's results cannot alias a mutated buffer).
  private static double evaluateAt(Function<List<Tensor>, Tensor> f, List<INDArray> base, int i, int k,
      double value) {
    List<Tensor> vars = new ArrayList<>();
    for (int j = 0; j < base.size(); j++) {
      INDArray x = base.get(j).dup('c');
      if (j == i) {
        x.putScalar(k, value);
      }
      vars.add(Tensor.variable(x));
    }
    return evaluate(f, vars).item();
  }

  private static List<INDArray> valuesOf(List<Tensor> ts) {
    List<INDArray> out = new ArrayList<>();
    for (Tensor t : ts) {
      out.add(t.value());
    }
    return out;
  }

  private static List<INDArray> zerosLike(List<INDArray> at) {
    List<INDArray> out = new ArrayList<>();
    for (INDArray x : at) {
      out.add(Nd4j.zeros(DataType.DOUBLE, x.shape()));
    }
    return out;
  }

  private static double[] values(INDArray x) {
    INDArray c = x.castTo(DataType.DOUBLE).dup('c');
    double[] v = new double[(int) c.length()];
    for (int k = 0; k < v.length; k++) {
      v[k] = c.getDouble(k);
    }
    return v;
  }

  private static INDArray fromValues(double[] v, long[] shape) {
    return Nd4j.createFromArray(v).reshape('c', shape);
  }

  private static int checkedLength(String where, long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(where + ": negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(where + ": shape " + Arrays.toString(shape) + " is too large");
    }
    return (int) n;
  }
}
