package org.bml.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bml.core.model.Params;

/**
 * A full B {@code [N, N]} over each task's flattened parameters: the gradients are flattened to
 * {@code G [T, N]}, multiplied as G Bᵀ (row t is B g_t) and split back, all with recorded ops.
 */
final class MatrixPreconditioner implements Preconditioner {
  private final Tensor b;

  MatrixPreconditioner(Tensor b) {
    if (b == null) {
      throw new IllegalArgumentException("TruncatedGradientDescent: preconditioner matrix must be given");
    }
    if (b.rank() != 2 || b.size(0) != b.size(1)) {
      throw new IllegalArgumentException("TruncatedGradientDescent: preconditioner must be a square matrix [N, N], got "
          + Arrays.toString(b.shape()));
    }
    if (!b.dtype().isFPType()) {
      throw new IllegalArgumentException("TruncatedGradientDescent: preconditioner has dtype " + b.dtype()
          + "; need a floating type");
    }
    this.b = b;
  }

  @Override
  public void requireCompatible(Params theta) {
    long n = theta.numel();
    if (n != b.size(0)) {
      throw new IllegalArgumentException("TruncatedGradientDescent: preconditioner is " + b.size(0) + "x" + b.size(1)
          + " but θ has " + n + " elements " + theta);
    }
    for (Tensor t : theta.tensors()) {
      if (t.dtype() != b.dtype()) {
        throw new IllegalArgumentException("TruncatedGradientDescent: preconditioner has dtype " + b.dtype()
            + " but θ has " + t.dtype());
      }
    }
  }

  @Override
  public Params step(Params phi, Params gradient) {
    List<String> names = phi.names();
    long tasks = phi.get(names.get(0)).size(0);
    List<Tensor> rows = new ArrayList<>();
    for (String n : names) {
      Tensor g = gradient.get(n);
      rows.add(Ops.reshape(g, tasks, g.length() / tasks));
    }
    Tensor flat = rows.size() == 1 ? rows.get(0) : Ops.concat(1, rows);
    Tensor preconditioned = Ops.matmul(flat, b, false, true);
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    long offset = 0;
    for (String n : names) {
      Tensor p = phi.get(n);
      long width = p.length() / tasks;
      Tensor part = rows.size() == 1 ? preconditioned : Ops.slice(preconditioned, 1, offset, offset + width);
      out.put(n, Ops.sub(p, Ops.reshape(part, p.shape())));
      offset += width;
    }
    return Params.of(out);
  }

  @Override
  public List<Tensor> tensors() {
    return List.of(b);
  }

  @Override
  public String toString() {
    return "B " + Arrays.toString(b.shape());
  }
}
