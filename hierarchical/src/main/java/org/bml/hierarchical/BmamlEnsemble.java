package org.bml.hierarchical;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.algorithms.Hyper;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Model;
import org.bml.core.model.Params;
import org.bml.inference.Data;
import org.bml.inference.particles.Svgd;

/**
 * The particle ensembles of BMAML and EMAML: meta-parameters holding M named copies of a particle
 * ({@code particle<m>.<name>}), adapted ensembles holding every tensor as {@code [T, M, ...]}, and
 * the ensemble's predictions (the mean over particles) and losses. Stateless helpers.
 */
public final class BmamlEnsemble {
  /** How an ensemble's members are combined into one prediction. */
  public enum Output {
    /** Regression: the mean of the members' outputs, scored by its mean squared error. */
    REGRESSION,
    /** Classification: the mean of the members' softmax probabilities, scored by its negative log. */
    CLASSIFICATION
  }

  private BmamlEnsemble() {}

  /** The meta-parameter name of particle m's tensor {@code name}. */
  public static String particleName(int m, String name) {
    return org.bml.core.model.ParamNames.particle(m) + name;
  }

  /** Particle m (its own names, no task axis) out of the meta-parameters. */
  static Params particle(Params meta, int m, List<String> names) {
    List<Tensor> values = new ArrayList<>(names.size());
    for (String n : names) {
      values.add(meta.get(particleName(m, n)));
    }
    return Params.of(names, values);
  }

  /** Meta-parameters from particles given under their own names, in order. */
  public static Params combine(List<Params> particles) {
    if (particles == null || particles.isEmpty()) {
      throw new IllegalArgumentException("BmamlEnsemble.combine: need at least one particle");
    }
    LinkedHashMap<String, Tensor> all = new LinkedHashMap<>();
    for (int m = 0; m < particles.size(); m++) {
      particles.get(0).requireSameStructure(particles.get(m));
      for (String n : particles.get(m).names()) {
        all.put(particleName(m, n), particles.get(m).get(n));
      }
    }
    return Params.of(all);
  }

  /** M per-task particle sets ({@code [T, ...]} each) stacked into an ensemble ({@code [T, M, ...]}). */
  static Params stack(List<Params> members) {
    List<String> names = members.get(0).names();
    List<Tensor> values = new ArrayList<>(names.size());
    for (String n : names) {
      List<Tensor> parts = new ArrayList<>(members.size());
      for (Params p : members) {
        parts.add(p.get(n));
      }
      values.add(Ops.stack(1, parts));
    }
    return Params.of(names, values);
  }

  /** Whether {@code p} is an ensemble ({@code [T, M, ...]}) rather than one per-task set ({@code [T, ...]}). */
  static boolean isEnsemble(Model model, Params p) {
    String first = model.parameterShapes().keySet().iterator().next();
    int declared = model.parameterShapes().get(first).length;
    int rank = p.get(first).rank();
    if (rank == declared + 2) {
      return true;
    }
    if (rank == declared + 1) {
      return false;
    }
    throw new IllegalArgumentException("BmamlEnsemble: parameter '" + first + "' has shape "
        + Arrays.toString(p.get(first).shape()) + "; expected [T, ...] or [T, M, ...] around the declared "
        + Arrays.toString(model.parameterShapes().get(first)));
  }

  /** M, the number of members of an ensemble. */
  static int members(Model model, Params ensemble) {
    return (int) ensemble.get(model.parameterShapes().keySet().iterator().next()).size(1);
  }

  /** Member m of an ensemble as per-task parameters {@code [T, ...]}. */
  static Params member(Params ensemble, int m) {
    return ensemble.map(t -> squeeze1(Ops.slice(t, 1, m, m + 1)));
  }

  private static Tensor squeeze1(Tensor t) {
    long[] s = t.shape();
    long[] out = new long[s.length - 1];
    out[0] = s[0];
    System.arraycopy(s, 2, out, 1, s.length - 2);
    return Ops.reshape(t, out);
  }

  /** Every member's outputs {@code [T, M, n, O]} for inputs {@code [T, n, d]} (members batched as T·M tasks). */
  static Tensor memberOutputs(Model model, Params ensemble, Tensor x) {
    long t = x.size(0);
    int m = members(model, ensemble);
    LinkedHashMap<String, Tensor> merged = new LinkedHashMap<>();
    for (String n : model.parameterShapes().keySet()) {
      Tensor p = ensemble.get(n);
      long[] s = p.shape();
      long[] flat = new long[s.length - 1];
      flat[0] = s[0] * s[1];
      System.arraycopy(s, 2, flat, 1, s.length - 2);
      merged.put(n, Ops.reshape(p, flat));
    }
    Tensor f = model.forward(Params.of(merged), Svgd.repeatPerParticle(x, m));
    long[] fs = f.shape();
    long[] split = new long[fs.length + 1];
    split[0] = t;
    split[1] = m;
    System.arraycopy(fs, 1, split, 2, fs.length - 1);
    return Ops.reshape(f, split);
  }

  /** The ensemble's prediction {@code [T, n, O]}: the mean of the members' outputs (regression) or probabilities. */
  static Tensor predict(Model model, Output output, Params ensemble, Tensor x) {
    Tensor f = memberOutputs(model, ensemble, x);
    return output == Output.REGRESSION ? Ops.mean(f, false, 1) : Ops.mean(Ops.softmax(f, -1), false, 1);
  }

  /**
   * The ensemble's loss per task {@code [T]}: the mean squared error of the mean prediction
   * (regression) or the mean negative log of the averaged probability of the target class.
   */
  static Tensor loss(Model model, Output output, Params ensemble, Data data) {
    Tensor f = memberOutputs(model, ensemble, data.x());
    if (output == Output.REGRESSION) {
      return Ops.mean(Ops.square(Ops.sub(Ops.mean(f, false, 1), data.y())), false, 1, 2);
    }
    // log mean_m softmax = logsumexp_m(log softmax) − log M: stable for confident members.
    Tensor logP = Ops.logSumExp(Ops.logSoftmax(f, -1), 1, false);
    Tensor logMixture = Ops.addScalar(logP, -Math.log(f.size(1)));
    return Ops.neg(Ops.mean(Ops.sum(Ops.mul(logMixture, data.y()), false, 2), false, 1));
  }

  /** Support and query joined along the point axis (the leader's data, support ∪ query). */
  static Data join(Data a, Data b) {
    return new Data(Ops.concat(1, List.of(a.x(), b.x())), Ops.concat(1, List.of(a.y(), b.y())));
  }

  /** Up to k members of an adapted ensemble (the first min(k, M)), each {@code [T, ...]}. */
  static List<Params> firstMembers(Model model, Params ensemble, int k, String owner) {
    Hyper.positiveCount(owner + ".hypotheses", "k", k);
    int m = Math.min(k, members(model, ensemble));
    List<Params> out = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      out.add(member(ensemble, i));
    }
    return out;
  }
}
