package org.bml.core.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Owns the meta-parameters θ and updates them with ND4J updaters.
 *
 * <p>Lifecycle: construct from initial parameters (copied into one flat array outside every
 * {@link MemoryScope}); each iteration read {@link #params()} (leaf variables whose values are views
 * of that array), compute gradients in the same order, and call {@link #step(List)}, which updates
 * θ in place. {@link #flatParams()}, {@link #updaterState()} and {@link #iteration()} are what a
 * checkpoint needs; {@link #restore} puts them back bit for bit.
 *
 * <p>Parameter groups: {@link #MetaOptimizer(Params, Map, double)} gives each parameter its own
 * updater configuration (e.g. {@link #signDescent} for an encoder, Adam for a decoder, as the
 * MR-MAML authors' notebook trains MR-MAML(A)). θ keeps the parameters' order; each maximal run of
 * consecutive parameters with equal configurations is one segment with its own updater instance
 * and its own slice of the flat state (segments in θ's order), and all share the iteration count.
 * ND4J's updaters are elementwise, so splitting a run of equal configurations would change
 * nothing; gradient clipping stays global. With one configuration for all (the
 * {@link #MetaOptimizer(Params, IUpdater, double) plain constructor}) there is one segment and the
 * state layout is the updater's own, as before groups existed; {@link #layout()} names the
 * segments so that a checkpoint can refuse a state of another layout.
 */
public final class MetaOptimizer {
  /** Epsilon of {@link #signDescent}: the Keras default the MR-MAML notebook's optimizers use. */
  public static final double SIGN_EPSILON = 1e-7;

  private final Map<String, IUpdater> configs;
  private final double clipNorm;
  private final INDArray flat;
  private final INDArray state;
  private final List<Segment> segments;
  private final Params params;
  private int iteration;

  /** A run of consecutive parameters sharing one updater: θ[offset, offset + length). */
  private record Segment(IUpdater config, long offset, long length, long stateOffset, long stateLength,
      GradientUpdater<?> updater) {}

  /**
   * One updater for all parameters.
   *
   * @param clipNorm global L2 norm the gradient is scaled down to when larger; 0 or negative
   *     disables clipping
   */
  public MetaOptimizer(Params initial, IUpdater config, double clipNorm) {
    this(initial, uniform(initial, config), clipNorm);
  }

  /**
   * One updater configuration per parameter.
   *
   * @param updaters a configuration for every parameter of {@code initial} (by name) and no other
   * @param clipNorm global L2 norm the gradient is scaled down to when larger; 0 or negative
   *     disables clipping
   */
  public MetaOptimizer(Params initial, Map<String, IUpdater> updaters, double clipNorm) {
    if (initial == null || updaters == null) {
      throw new IllegalArgumentException("MetaOptimizer: " + (initial == null ? "initial parameters" : "updaters")
          + " is null");
    }
    List<String> names = initial.names();
    for (String n : updaters.keySet()) {
      if (!initial.has(n)) {
        throw new IllegalArgumentException("MetaOptimizer: updater given for '" + n + "', which is not a parameter "
            + "(have " + names + ")");
      }
    }
    LinkedHashMap<String, IUpdater> byName = new LinkedHashMap<>();
    for (String n : names) {
      IUpdater c = updaters.get(n);
      if (c == null) {
        throw new IllegalArgumentException("MetaOptimizer: no updater config for parameter '" + n + "'");
      }
      byName.put(n, c);
    }
    this.configs = Collections.unmodifiableMap(byName);
    this.clipNorm = clipNorm;
    List<INDArray> values = new ArrayList<>();
    for (Tensor t : initial.tensors()) {
      values.add(t.value());
    }
    long n = initial.numel();
    this.flat = MemoryScope.outside(() -> Nd4j.toFlattened('c', values).reshape(n));

    // Segments: maximal runs of equal configurations, each with its slice of the state.
    List<long[]> runs = new ArrayList<>(); // {offset, length, first parameter index}
    long offset = 0;
    for (int i = 0; i < names.size(); i++) {
      long len = values.get(i).length();
      if (!runs.isEmpty() && byName.get(names.get((int) runs.get(runs.size() - 1)[2])).equals(byName.get(names.get(i)))) {
        runs.get(runs.size() - 1)[1] += len;
      } else {
        runs.add(new long[] {offset, len, i});
      }
      offset += len;
    }
    long stateSize = 0;
    for (long[] r : runs) {
      stateSize += byName.get(names.get((int) r[2])).stateSize(r[1]);
    }
    long totalState = stateSize;
    this.state = totalState == 0 ? null : MemoryScope.outside(() -> Nd4j.zeros(flat.dataType(), 1, totalState));
    List<Segment> segs = new ArrayList<>();
    long stateOffset = 0;
    for (long[] r : runs) {
      IUpdater c = byName.get(names.get((int) r[2]));
      long ss = c.stateSize(r[1]);
      INDArray view;
      if (ss == 0) {
        view = null;
      } else if (ss == totalState) {
        view = state; // one segment: the updater owns the whole state, exactly as without groups
      } else {
        long from = stateOffset;
        view = MemoryScope.outside(() -> state.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + ss)));
      }
      INDArray v = view;
      GradientUpdater<?> u = MemoryScope.outside(() -> c.instantiate(v, true));
      segs.add(new Segment(c, r[0], r[1], stateOffset, ss, u));
      stateOffset += ss;
    }
    this.segments = List.copyOf(segs);

    LinkedHashMap<String, Tensor> views = new LinkedHashMap<>();
    offset = 0;
    for (int i = 0; i < names.size(); i++) {
      INDArray v = values.get(i);
      long len = v.length();
      INDArray view = flat.get(NDArrayIndex.interval(offset, offset + len)).reshape(v.shape());
      views.put(names.get(i), Tensor.variable(view, names.get(i)));
      offset += len;
    }
    this.params = Params.of(views);
  }

  /**
   * Sign descent as ND4J Adam with β1 = β2 = 0 and ε = {@value #SIGN_EPSILON}: the update is
   * lr·g/(|g| + ε) elementwise. This is what a freshly created Adam does on its first step, i.e.
   * the MR-MAML authors' notebook, which calls a new Keras Adam's {@code apply_gradients} every
   * meta-iteration. (Keras adds ε to √v̂ before bias correction, so its effective ε there is
   * ε/√(1 − 0.999) ≈ 3.2e-6; both are far below the typical |g|.)
   */
  public static Adam signDescent(double learningRate) {
    return new Adam(learningRate, 0.0, 0.0, SIGN_EPSILON);
  }

  /** {@link #signDescent(double)} with a learning-rate schedule. */
  public static Adam signDescent(org.nd4j.linalg.schedule.ISchedule schedule) {
    Adam a = new Adam(schedule);
    a.setBeta1(0.0);
    a.setBeta2(0.0);
    a.setEpsilon(SIGN_EPSILON);
    return a;
  }

  private static Map<String, IUpdater> uniform(Params initial, IUpdater config) {
    if (config == null) {
      throw new IllegalArgumentException("MetaOptimizer: updater config is null");
    }
    if (initial == null) {
      throw new IllegalArgumentException("MetaOptimizer: initial parameters is null");
    }
    Map<String, IUpdater> m = new LinkedHashMap<>();
    for (String n : initial.names()) {
      m.put(n, config);
    }
    return m;
  }

  /** The current meta-parameters as leaf variables (views of the optimizer's flat array). */
  public Params params() {
    return params;
  }

  public int iteration() {
    return iteration;
  }

  /**
   * The updater configuration, when all parameters share one.
   *
   * @throws IllegalStateException if parameter groups have different configurations (see {@link #updaters()})
   */
  public IUpdater config() {
    IUpdater first = segments.get(0).config();
    for (Segment s : segments) {
      if (!s.config().equals(first)) {
        throw new IllegalStateException("MetaOptimizer: parameter groups have different updaters (" + layout()
            + "); use updaters()");
      }
    }
    return first;
  }

  /** Each parameter's updater configuration, in θ's order. */
  public Map<String, IUpdater> updaters() {
    return configs;
  }

  /** Number of segments (runs of consecutive parameters with one updater); 1 without groups. */
  public int segmentCount() {
    return segments.size();
  }

  /**
   * The segments as {@code Updater[offset+length;state]} joined by commas (e.g.
   * {@code Adam[0+1680;3360],Adam[1680+1761;3522]}): what a saved updater state's layout depends on.
   */
  public String layout() {
    StringBuilder b = new StringBuilder();
    for (Segment s : segments) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(s.config().getClass().getSimpleName()).append('[').append(s.offset()).append('+').append(s.length())
          .append(';').append(s.stateLength()).append(']');
    }
    return b.toString();
  }

  /**
   * Applies one update from gradients given in {@link #params()}'s order.
   *
   * @return the gradient's global L2 norm before clipping
   * @throws ArithmeticException if a gradient is NaN or infinite (θ is left unchanged)
   */
  public double step(List<Tensor> grads) {
    if (grads.size() != params.size()) {
      throw new IllegalArgumentException("MetaOptimizer: " + grads.size() + " gradients for " + params.size() + " parameters");
    }
    List<INDArray> gv = new ArrayList<>(grads.size());
    List<Tensor> ps = params.tensors();
    for (int i = 0; i < grads.size(); i++) {
      if (!Arrays.equals(grads.get(i).shape(), ps.get(i).shape())) {
        throw new IllegalArgumentException("MetaOptimizer: gradient " + i + " has shape "
            + Arrays.toString(grads.get(i).shape()) + ", parameter '" + params.names().get(i) + "' has "
            + Arrays.toString(ps.get(i).shape()));
      }
      gv.add(grads.get(i).value());
    }
    INDArray g = Nd4j.toFlattened('c', gv).reshape(flat.length());
    double norm = g.norm2Number().doubleValue();
    if (!Double.isFinite(norm)) {
      throw new ArithmeticException("MetaOptimizer: non-finite gradient (norm " + norm + ") at iteration " + iteration);
    }
    if (clipNorm > 0 && norm > clipNorm) {
      g.muli(clipNorm / norm);
    }
    if (segments.size() == 1) {
      segments.get(0).updater().applyUpdater(g, iteration, 0);
    } else {
      for (Segment s : segments) {
        // A contiguous view: the updater turns the gradient into the update in place.
        s.updater().applyUpdater(g.get(NDArrayIndex.interval(s.offset(), s.offset() + s.length())), iteration, 0);
      }
    }
    flat.subi(g);
    iteration++;
    return norm;
  }

  /** The flat meta-parameter array (live; copy it to save). */
  public INDArray flatParams() {
    return flat;
  }

  /** The updaters' flat state, segments in θ's order (live; copy it to save), or null when all are stateless. */
  public INDArray updaterState() {
    return state;
  }

  /** Restores parameters, updater state and iteration count saved from an identical optimizer. */
  public void restore(INDArray savedParams, INDArray savedState, int savedIteration) {
    if (savedParams.length() != flat.length() || (state != null && (savedState == null || savedState.length() != state.length()))) {
      throw new IllegalArgumentException("MetaOptimizer.restore: saved sizes (" + savedParams.length() + ", "
          + (savedState == null ? 0 : savedState.length()) + ") do not match (" + flat.length() + ", "
          + (state == null ? 0 : state.length()) + ")");
    }
    flat.assign(savedParams.reshape(flat.shape()));
    if (state != null) {
      state.assign(savedState.reshape(state.shape()));
    }
    iteration = savedIteration;
  }
}
