package org.bml.core.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reverse-mode differentiation of recorded tensors, with PyTorch's {@code autograd.grad} semantics.
 */
public final class Autodiff {
  private Autodiff() {}

  /** Gradient of a scalar output with respect to {@code wrt}; see the full form. */
  public static List<Tensor> grad(Tensor output, List<Tensor> wrt, boolean createGraph) {
    return grad(List.of(output), null, wrt, createGraph, false);
  }

  /** Gradient of a scalar output with respect to one tensor. */
  public static Tensor grad(Tensor output, Tensor wrt, boolean createGraph) {
    return grad(List.of(output), null, List.of(wrt), createGraph, false).get(0);
  }

  /**
   * Sum over outputs of the vector-Jacobian products {@code upstream_i · d outputs_i / d wrt}.
   *
   * @param outputs tensors to differentiate; each must require grad
   * @param upstream one gradient per output (same shape), or null when every output is a scalar
   *     (then the upstream gradients are ones)
   * @param wrt tensors to differentiate with respect to; each must require grad
   * @param createGraph if true the backward pass is itself recorded, so the returned gradients
   *     can be differentiated again (any order); if false nothing is recorded and the results are
   *     constants
   * @param allowUnused if false, a {@code wrt} tensor the outputs do not depend on is an error;
   *     if true its gradient is zeros
   * @return one gradient per {@code wrt} tensor, with its shape
   */
  public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> upstream, List<Tensor> wrt,
      boolean createGraph, boolean allowUnused) {
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("grad: no outputs given");
    }
    if (upstream != null && upstream.size() != outputs.size()) {
      throw new IllegalArgumentException("grad: " + outputs.size() + " outputs but "
          + upstream.size() + " upstream gradients");
    }
    IdentityHashMap<Tensor, Integer> wrtIndex = new IdentityHashMap<>();
    for (int i = 0; i < wrt.size(); i++) {
      Tensor w = wrt.get(i);
      if (!w.requiresGrad()) {
        throw new IllegalArgumentException("grad: wrt[" + i + "] " + w
            + " does not require grad (make it a variable or compute it from one)");
      }
      wrtIndex.put(w, i);
    }
    IdentityHashMap<Tensor, Boolean> relevant = new IdentityHashMap<>();
    List<Tensor> order = topologicalOrder(outputs, wrtIndex, relevant);

    IdentityHashMap<Tensor, Tensor> grads = new IdentityHashMap<>();
    try (GradMode.Scope mode = GradMode.set(createGraph)) {
      for (int i = 0; i < outputs.size(); i++) {
        Tensor out = outputs.get(i);
        if (!out.requiresGrad()) {
          throw new IllegalArgumentException("grad: outputs[" + i + "] " + out
              + " does not require grad: nothing it was computed from is a variable");
        }
        Tensor g;
        if (upstream == null || upstream.get(i) == null) {
          if (out.length() != 1) {
            throw new IllegalArgumentException("grad: outputs[" + i + "] " + out
                + " is not a scalar; pass an upstream gradient of shape " + Arrays.toString(out.shape()));
          }
          g = Tensor.constant(Nd4j.onesLike(out.value()));
        } else {
          g = upstream.get(i);
          Ops.checkSameShape("grad(upstream)", out, g);
        }
        accumulate(grads, out, g);
      }
      // order lists producers before consumers, so walk it backwards.
      for (int k = order.size() - 1; k >= 0; k--) {
        Tensor t = order.get(k);
        Node node = t.node();
        Tensor g = grads.get(t);
        if (node == null || g == null) {
          continue;
        }
        if (!wrtIndex.containsKey(t)) {
          grads.remove(t); // not needed any more: lets the JVM drop it early
        }
        boolean[] need = new boolean[node.inputs.length];
        boolean any = false;
        for (int j = 0; j < need.length; j++) {
          Tensor in = node.inputs[j];
          need[j] = in.requiresGrad() && relevant.containsKey(in);
          any |= need[j];
        }
        if (!any) {
          continue;
        }
        Tensor[] inGrads;
        try {
          inGrads = node.backward.apply(g, t, need);
        } catch (Anomaly.AnomalyException e) {
          // The op that failed inside a backward rule (e.g. the 'div' in sqrt's) says little on
          // its own: name the forward op whose backward it was.
          Anomaly.AnomalyException named = new Anomaly.AnomalyException(
              "backward of op '" + node.opName + "': " + e.getMessage());
          named.initCause(e);
          throw named;
        }
        for (int j = 0; j < need.length; j++) {
          if (!need[j] || inGrads[j] == null) {
            continue;
          }
          Tensor in = node.inputs[j];
          if (!Arrays.equals(in.shape(), inGrads[j].shape())) {
            throw new IllegalStateException("backward of op '" + node.opName + "' returned gradient of shape "
                + Arrays.toString(inGrads[j].shape()) + " for input " + j + " of shape " + Arrays.toString(in.shape()));
          }
          if (Anomaly.isOn()) {
            Anomaly.check("backward of op '" + node.opName + "' (input " + j + ")", inGrads[j].value(), node.inputs);
          }
          accumulate(grads, in, inGrads[j]);
        }
      }
    }

    List<Tensor> result = new ArrayList<>(wrt.size());
    for (int i = 0; i < wrt.size(); i++) {
      Tensor w = wrt.get(i);
      Tensor g = grads.get(w);
      if (g == null) {
        if (!allowUnused) {
          throw new IllegalArgumentException("grad: the outputs do not depend on wrt[" + i + "] " + w
              + "; pass allowUnused=true to get zeros");
        }
        g = Tensor.constant(Nd4j.zerosLike(w.value()));
      }
      result.add(g);
    }
    return result;
  }

  private static void accumulate(Map<Tensor, Tensor> grads, Tensor t, Tensor g) {
    Tensor prev = grads.get(t);
    grads.put(t, prev == null ? g : Ops.add(prev, g));
  }

  /**
   * Tensors reachable from the outputs that lead to a wrt tensor (collected in {@code rel}; only
   * their gradients are computed), producers before consumers.
   * Iterative DFS: graphs of unrolled inner loops are deep enough to overflow the Java stack.
   */
  private static List<Tensor> topologicalOrder(List<Tensor> outputs, IdentityHashMap<Tensor, Integer> wrt,
      IdentityHashMap<Tensor, Boolean> rel) {
    IdentityHashMap<Tensor, Boolean> visited = new IdentityHashMap<>();
    List<Tensor> order = new ArrayList<>();
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    for (Tensor out : outputs) {
      if (out.requiresGrad() && !visited.containsKey(out)) {
        visited.put(out, Boolean.TRUE);
        stack.push(new Object[] {out, 0});
      }
      while (!stack.isEmpty()) {
        Object[] frame = stack.peek();
        Tensor t = (Tensor) frame[0];
        int next = (Integer) frame[1];
        Node node = t.node();
        Tensor[] inputs = node == null ? new Tensor[0] : node.inputs;
        if (next < inputs.length) {
          frame[1] = next + 1;
          Tensor in = inputs[next];
          if (in.requiresGrad() && !visited.containsKey(in)) {
            visited.put(in, Boolean.TRUE);
            stack.push(new Object[] {in, 0});
          }
        } else {
          stack.pop();
          boolean isRelevant = wrt.containsKey(t);
          for (Tensor in : inputs) {
            isRelevant |= rel.containsKey(in);
          }
          if (isRelevant) {
            rel.put(t, Boolean.TRUE);
            order.add(t);
          }
        }
      }
    }
    return order;
  }
}
