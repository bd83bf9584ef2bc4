package org.bml.core.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Tensor;
import org.bml.core.memory.MemoryScope;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Owns the meta-parameters θ and updates them with an ND4J updater.
 *
 * <p>Lifecycle: construct from initial parameters (copied into one flat array outside every
 * {@link MemoryScope}); each iteration read {@link #params()} (leaf variables whose values are views
 * of that array), compute gradients in the same order, and call {@link #step(List)}, which updates
 * θ in place. {@link #flatParams()}, {@link #updaterState()} and {@link #iteration()} are what a
 * checkpoint needs; {@link #restore} puts them back bit for bit.
 */
public final class MetaOptimizer {
  private final IUpdater config;
  private final double clipNorm;
  private final INDArray flat;
  private final INDArray state;
  private final GradientUpdater<?> updater;
  private final Params params;
  private int iteration;

  /**
   * @param clipNorm global L2 norm the gradient is scaled down to when larger; 0 or negative
   *     disables clipping
   */
  public MetaOptimizer(Params initial, IUpdater config, double clipNorm) {
    if (config == null) {
      throw new IllegalArgumentException("MetaOptimizer: updater config is null");
    }
    this.config = config;
    this.clipNorm = clipNorm;
    List<String> names = initial.names();
    List<INDArray> values = new ArrayList<>();
    for (Tensor t : initial.tensors()) {
      values.add(t.value());
    }
    long n = initial.numel();
    this.flat = MemoryScope.outside(() -> Nd4j.toFlattened('c', values).reshape(n));
    long stateSize = config.stateSize(n);
    this.state = stateSize == 0 ? null : MemoryScope.outside(() -> Nd4j.zeros(flat.dataType(), 1, stateSize));
    this.updater = MemoryScope.outside(() -> config.instantiate(state, true));
    LinkedHashMap<String, Tensor> views = new LinkedHashMap<>();
    long offset = 0;
    for (int i = 0; i < names.size(); i++) {
      INDArray v = values.get(i);
      long len = v.length();
      INDArray view = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + len)).reshape(v.shape());
      views.put(names.get(i), Tensor.variable(view, names.get(i)));
      offset += len;
    }
    this.params = Params.of(views);
  }

  /** The current meta-parameters as leaf variables (views of the optimizer's flat array). */
  public Params params() {
    return params;
  }

  public int iteration() {
    return iteration;
  }

  public IUpdater config() {
    return config;
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
      if (!java.util.Arrays.equals(grads.get(i).shape(), ps.get(i).shape())) {
        throw new IllegalArgumentException("MetaOptimizer: gradient " + i + " has shape "
            + java.util.Arrays.toString(grads.get(i).shape()) + ", parameter '" + params.names().get(i) + "' has "
            + java.util.Arrays.toString(ps.get(i).shape()));
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
    updater.applyUpdater(g, iteration, 0);
    flat.subi(g);
    iteration++;
    return norm;
  }

  /** The flat meta-parameter array (live; copy it to save). */
  public INDArray flatParams() {
    return flat;
  }

  /** The updater's flat state (live; copy it to save), or null for stateless updaters. */
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
