package org.bml.core.autodiff;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An immutable ND4J value in the autodiff graph.
 *
 * <p>Lifecycle: a tensor is created either as a leaf ({@link #constant} or {@link #variable}) or
 * by an op in {@link Ops}. Its value is never modified after creation; ops return new tensors.
 * A tensor {@linkplain #requiresGrad() requires a gradient} if it is a variable or was computed
 * under grad mode from an input that requires one; only such tensors keep their {@link Node}.
 * Whoever owns the underlying array (a {@link org.bml.core.memory.MemoryScope} or the caller)
 * decides when its native memory is released.
 */
public final class Tensor {
  private final INDArray value;
  private final boolean requiresGrad;
  private final Node node;
  private final String name;

  Tensor(INDArray value, boolean requiresGrad, Node node, String name) {
    if (value == null) {
      throw new IllegalArgumentException("Tensor value must not be null");
    }
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.node = node;
    this.name = name;
  }

  /** A leaf that never receives a gradient. */
  public static Tensor constant(INDArray value) {
    return new Tensor(value, false, null, null);
  }

  /** A leaf whose gradient can be asked for (a parameter). */
  public static Tensor variable(INDArray value) {
    return new Tensor(value, true, null, null);
  }

  /** A named leaf variable; the name appears in error messages. */
  public static Tensor variable(INDArray value, String name) {
    return new Tensor(value, true, null, name);
  }

  /** The underlying array. Callers must not modify it. */
  public INDArray value() {
    return value;
  }

  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** True for constants and variables; false for op results. */
  public boolean isLeaf() {
    return node == null;
  }

  /** The op that produced this tensor, or null for a leaf or an unrecorded result. */
  public String opName() {
    return node == null ? null : node.opName;
  }

  Node node() {
    return node;
  }

  public String name() {
    return name;
  }

  /** The same value cut out of the graph (a constant). */
  public Tensor detach() {
    return requiresGrad ? constant(value) : this;
  }

  /** The same value as a fresh leaf variable (a new root of differentiation). */
  public Tensor asVariable() {
    return new Tensor(value, true, null, name);
  }

  public long[] shape() {
    return value.shape();
  }

  public int rank() {
    return value.rank();
  }

  public long size(int dim) {
    return value.size(dim < 0 ? dim + value.rank() : dim);
  }

  public long length() {
    return value.length();
  }

  public DataType dtype() {
    return value.dataType();
  }

  /** The value of a one-element tensor. */
  public double item() {
    if (value.length() != 1) {
      throw new IllegalStateException("item() needs a one-element tensor, got shape " + Arrays.toString(shape()));
    }
    return value.getDouble(0);
  }

  // Fluent forms of the most used ops; see Ops for the contracts.
  public Tensor add(Tensor o) { return Ops.add(this, o); }
  public Tensor sub(Tensor o) { return Ops.sub(this, o); }
  public Tensor mul(Tensor o) { return Ops.mul(this, o); }
  public Tensor div(Tensor o) { return Ops.div(this, o); }
  public Tensor add(double c) { return Ops.addScalar(this, c); }
  public Tensor mul(double c) { return Ops.mulScalar(this, c); }
  public Tensor neg() { return Ops.neg(this); }
  public Tensor square() { return Ops.square(this); }
  public Tensor exp() { return Ops.exp(this); }
  public Tensor log() { return Ops.log(this); }
  public Tensor sum(int... axes) { return Ops.sum(this, false, axes); }
  public Tensor mean(int... axes) { return Ops.mean(this, false, axes); }
  public Tensor sumAll() { return Ops.sum(this, false); }
  public Tensor meanAll() { return Ops.mean(this, false); }
  public Tensor reshape(long... shape) { return Ops.reshape(this, shape); }
  public Tensor matmul(Tensor o) { return Ops.matmul(this, o); }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape()) + " " + dtype()
        + (name != null ? " '" + name + "'" : "")
        + (node != null ? " from " + node.opName : (requiresGrad ? " variable" : " constant"));
  }
}
