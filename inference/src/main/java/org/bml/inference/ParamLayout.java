package org.bml.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The flat-vector view of a parameter collection: names, per-item shapes and offsets, so that
 * parameters carrying one leading axis of size L ({@code [L, ...shape]}: tasks, or tasks × particles)
 * can be moved to and from a matrix {@code [L, P]} (P = total number of scalars per item) and back.
 *
 * <p>The order is the collection's order, each tensor flattened row-major ('c'). {@link #flatten}
 * and {@link #unflatten} are differentiable (reshape, concat and slice), so Gaussians and particles
 * over the flat vector stay on the tape. Immutable.
 */
public final class ParamLayout {
  private final List<String> names;
  private final List<long[]> shapes;
  private final long[] offsets;
  private final int size;

  private ParamLayout(List<String> names, List<long[]> shapes) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("ParamLayout: no parameters");
    }
    this.names = List.copyOf(names);
    this.shapes = new ArrayList<>();
    this.offsets = new long[names.size() + 1];
    for (int i = 0; i < names.size(); i++) {
      long[] s = shapes.get(i).clone();
      long n = 1;
      for (long d : s) {
        if (d <= 0) {
          throw new IllegalArgumentException("ParamLayout: parameter '" + names.get(i) + "' has shape "
              + Arrays.toString(s) + " with a non-positive dimension");
        }
        n *= d;
      }
      this.shapes.add(s);
      offsets[i + 1] = offsets[i] + n;
    }
    if (offsets[names.size()] > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("ParamLayout: " + offsets[names.size()] + " scalars do not fit an int index");
    }
    this.size = (int) offsets[names.size()];
  }

  /** The layout of declared shapes (no leading axis), e.g. a model's {@code parameterShapes()}. */
  public static ParamLayout of(LinkedHashMap<String, long[]> shapes) {
    return new ParamLayout(new ArrayList<>(shapes.keySet()), new ArrayList<>(shapes.values()));
  }

  /**
   * The layout of parameters that all carry one leading axis of the same size (which is dropped).
   *
   * @throws IllegalArgumentException if a tensor is a scalar or the leading sizes differ
   */
  public static ParamLayout ofLeadingAxis(Params p) {
    List<String> names = p.names();
    List<long[]> shapes = new ArrayList<>();
    long lead = -1;
    for (String n : names) {
      long[] s = p.get(n).shape();
      if (s.length == 0) {
        throw new IllegalArgumentException("ParamLayout: parameter '" + n + "' is a scalar; expected a leading axis");
      }
      if (lead >= 0 && s[0] != lead) {
        throw new IllegalArgumentException("ParamLayout: parameter '" + n + "' has leading size " + s[0]
            + " but an earlier one has " + lead + " (all must share the task axis)");
      }
      lead = s[0];
      shapes.add(Arrays.copyOfRange(s, 1, s.length));
    }
    return new ParamLayout(names, shapes);
  }

  /** The layout of parameters without a leading axis (their own shapes). */
  public static ParamLayout ofShapes(Params p) {
    List<long[]> shapes = new ArrayList<>();
    for (String n : p.names()) {
      shapes.add(p.get(n).shape());
    }
    return new ParamLayout(p.names(), shapes);
  }

  /** P: scalars per item. */
  public int size() {
    return size;
  }

  public List<String> names() {
    return names;
  }

  /** The shape of one parameter without the leading axis. */
  public long[] shape(String name) {
    return shapes.get(indexOf(name)).clone();
  }

  /** Offset of a parameter's first scalar in the flat vector. */
  public int offset(String name) {
    return (int) offsets[indexOf(name)];
  }

  /** Number of scalars of one parameter. */
  public int length(String name) {
    int i = indexOf(name);
    return (int) (offsets[i + 1] - offsets[i]);
  }

  private int indexOf(String name) {
    int i = names.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("ParamLayout: no parameter '" + name + "' (have " + names + ")");
    }
    return i;
  }

  /** Throws unless p has these names and, after its leading axis, these shapes; returns the leading size. */
  public long requireLeadingAxis(String where, Params p) {
    if (!p.names().equals(names)) {
      throw new IllegalArgumentException(where + ": parameter names " + p.names() + " do not match " + names);
    }
    long lead = -1;
    for (int i = 0; i < names.size(); i++) {
      long[] s = p.get(names.get(i)).shape();
      long[] want = shapes.get(i);
      if (s.length != want.length + 1 || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length), want)) {
        throw new IllegalArgumentException(where + ": parameter '" + names.get(i) + "' has shape "
            + Arrays.toString(s) + ", expected [L, " + Arrays.toString(want).substring(1));
      }
      if (lead >= 0 && s[0] != lead) {
        throw new IllegalArgumentException(where + ": parameter '" + names.get(i) + "' has leading size " + s[0]
            + " but an earlier one has " + lead);
      }
      lead = s[0];
    }
    return lead;
  }

  /** {@code [L, ...]} parameters to one {@code [L, P]} tensor (differentiable). */
  public Tensor flatten(Params p) {
    long lead = requireLeadingAxis("ParamLayout.flatten", p);
    List<Tensor> parts = new ArrayList<>();
    for (String n : names) {
      parts.add(Ops.reshape(p.get(n), lead, -1));
    }
    return parts.size() == 1 ? parts.get(0) : Ops.concat(1, parts);
  }

  /** Parameters without a leading axis to one {@code [1, P]} tensor (differentiable). */
  public Tensor flattenShared(Params p) {
    return flatten(p.map(t -> Ops.unsqueeze(t, 0)));
  }

  /** A {@code [L, P]} tensor to {@code [L, ...]} parameters (differentiable). */
  public Params unflatten(Tensor flat) {
    if (flat.rank() != 2 || flat.size(1) != size) {
      throw new IllegalArgumentException("ParamLayout.unflatten: expected [L, " + size + "], got "
          + Arrays.toString(flat.shape()));
    }
    long lead = flat.size(0);
    LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      Tensor part = names.size() == 1 ? flat : Ops.slice(flat, 1, offsets[i], offsets[i + 1]);
      long[] s = shapes.get(i);
      long[] full = new long[s.length + 1];
      full[0] = lead;
      System.arraycopy(s, 0, full, 1, s.length);
      m.put(names.get(i), Ops.reshape(part, full));
    }
    return Params.of(m);
  }

  /** Row {@code l} of a {@code [L, P]} array as doubles. */
  public static double[] row(INDArray flat, int l) {
    return flat.getRow(l).castTo(DataType.DOUBLE).dup().toDoubleVector();
  }

  /** A {@code [L, P]} array of the given dtype from rows of doubles. */
  public static INDArray matrix(double[][] rows, DataType dtype) {
    return Nd4j.createFromArray(rows).castTo(dtype);
  }

  /** The declared shapes, in order. */
  public LinkedHashMap<String, long[]> shapes() {
    LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      m.put(names.get(i), shapes.get(i).clone());
    }
    return m;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ParamLayout{");
    for (Map.Entry<String, long[]> e : shapes().entrySet()) {
      b.append(b.length() > 12 ? ", " : "").append(e.getKey()).append(Arrays.toString(e.getValue()));
    }
    return b.append("; P=").append(size).append('}').toString();
  }
}
