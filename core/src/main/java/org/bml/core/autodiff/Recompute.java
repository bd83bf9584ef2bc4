package org.bml.core.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gradient checkpointing (Chen et al. 2016, "Training deep nets with sublinear memory cost",
 * arXiv:1604.06174; Griewank &amp; Walther 2000 for the reverse-mode origin): a segment of the
 * computation whose graph is not kept. The forward pass runs the segment, keeps its output values
 * and a reference to its inputs, and drops everything else; the backward pass runs the segment
 * again with its graph and back-propagates the incoming adjoints through it. Memory is the
 * segment's graph once instead of every segment's graph at the same time; time is one extra
 * forward run per segment.
 *
 * <p>Both runs happen in a nested ND4J workspace of their own: inside a
 * {@link org.bml.core.memory.MemoryScope}, whose memory is only released when it closes, a
 * segment's temporaries would otherwise stay allocated until the end of the iteration, and
 * checkpointing would save nothing. Output values and input gradients are copied out to the
 * enclosing scope.
 *
 * <p>Contract: the segment is a pure, deterministic function of its inputs. Every tensor it reads
 * that requires a gradient must be one of its inputs (it gets a fresh leaf copy of each input in
 * each run); reading another one is an error, named at the forward run, because its gradient
 * would be lost. The re-run's outputs are compared with the forward run's, so a segment that is
 * not deterministic (unseeded sampling) fails instead of giving a wrong gradient.
 *
 * <p>The result is differentiable once: a backward pass through a checkpoint with
 * {@code createGraph = true} (a gradient of the gradient through it) throws
 * {@link UnsupportedOperationException}. Second-order MAML is once-differentiable at the outer
 * level (its inner second-order graph lives inside the segment), so it fits.
 */
public final class Recompute {
  private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
      .initialSize(0)
      .overallocationLimit(0.2)
      .policyReset(ResetPolicy.BLOCK_LEFT)
      .policyAllocation(AllocationPolicy.OVERALLOCATE)
      .policySpill(SpillPolicy.REALLOCATE)
      .policyLearning(LearningPolicy.FIRST_LOOP)
      .build();
  // Nesting depth: a checkpoint inside a segment gets a workspace of its own.
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private Recompute() {}

  /** A segment of the computation: its outputs from (fresh copies of) its inputs. */
  @FunctionalInterface
  public interface Segment {
    List<Tensor> apply(List<Tensor> inputs);
  }

  /**
   * The outputs of {@code segment} applied to {@code inputs}, without keeping the segment's graph.
   * When grad mode is off or no input requires a gradient, the segment simply runs.
   *
   * @param name names the segment in error messages
   * @param inputs every tensor the segment reads that may require a gradient
   * @return the segment's outputs, differentiable (once) with respect to the inputs
   */
  public static List<Tensor> checkpoint(String name, List<Tensor> inputs, Segment segment) {
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("recompute '" + name + "': no inputs");
    }
    boolean any = false;
    for (Tensor t : inputs) {
      any |= t.requiresGrad();
    }
    if (!GradMode.isEnabled() || !any) {
      return segment.apply(inputs);
    }
    MemoryWorkspace parent = Nd4j.getMemoryManager().getCurrentWorkspace();
    INDArray[] values;
    DataType dtype = inputs.get(0).dtype();
    int[] depth = DEPTH.get();
    depth[0]++;
    try (MemoryWorkspace child = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG,
        "bml-recompute-" + depth[0])) {
      List<Tensor> fresh = fresh(inputs, null);
      List<Tensor> outs = segment.apply(fresh);
      if (outs.isEmpty()) {
        throw new IllegalArgumentException("recompute '" + name + "': the segment has no outputs");
      }
      requireClosed(name, outs, fresh);
      values = new INDArray[outs.size()];
      try (MemoryWorkspace p = borrow(parent)) {
        for (int i = 0; i < values.length; i++) {
          values[i] = outs.get(i).value().dup();
        }
      }
    } finally {
      depth[0]--;
    }
    Checkpoint c = new Checkpoint(name, inputs, segment, values);
    // hub: one tiny node holding the inputs; each output is a node on it. Each output's backward
    // stashes its adjoint and returns e_i, so the hub's adjoint says which outputs this backward
    // pass reached, and the hub's backward re-runs the segment once for all of them.
    Tensor hub = Ops.record("recompute '" + name + "'", Nd4j.zeros(DataType.DOUBLE, values.length),
        inputs.toArray(new Tensor[0]), c::backward);
    List<Tensor> result = new ArrayList<>(values.length);
    for (int i = 0; i < values.length; i++) {
      int index = i;
      result.add(Ops.record("recompute '" + name + "' output " + i, values[i], new Tensor[] {hub},
          (g, out, need) -> new Tensor[] {c.stash(index, g)}));
    }
    return result;
  }

  // One checkpointed application: its inputs, its output values and, during a backward pass, the
  // adjoints of the outputs reached so far.
  private static final class Checkpoint {
    final String name;
    final List<Tensor> inputs;
    final Segment segment;
    final INDArray[] values;
    final Tensor[] upstream;

    Checkpoint(String name, List<Tensor> inputs, Segment segment, INDArray[] values) {
      this.name = name;
      this.inputs = inputs;
      this.segment = segment;
      this.values = values;
      this.upstream = new Tensor[values.length];
    }

    Tensor stash(int index, Tensor g) {
      refuseSecondOrder();
      upstream[index] = g;
      INDArray e = Nd4j.zeros(DataType.DOUBLE, values.length);
      e.putScalar(index, 1.0);
      return Tensor.constant(e);
    }

    private void refuseSecondOrder() {
      if (GradMode.isEnabled()) {
        throw new UnsupportedOperationException("recompute '" + name + "' is differentiable once: its backward"
            + " re-runs the segment and is not recorded (createGraph = true through a checkpoint is not supported)");
      }
    }

    Tensor[] backward(Tensor hubGrad, Tensor out, boolean[] need) {
      refuseSecondOrder();
      INDArray reached = hubGrad.value();
      MemoryWorkspace parent = Nd4j.getMemoryManager().getCurrentWorkspace();
      Tensor[] result = new Tensor[inputs.size()];
      int[] depth = DEPTH.get();
      depth[0]++;
      try (MemoryWorkspace child = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG,
          "bml-recompute-" + depth[0]);
          GradMode.Scope mode = GradMode.enableGrad()) {
        List<Tensor> fresh = fresh(inputs, need);
        List<Tensor> outs = segment.apply(fresh);
        if (outs.size() != values.length) {
          throw new IllegalStateException("recompute '" + name + "': the re-run gave " + outs.size()
              + " outputs, the forward run " + values.length);
        }
        List<Tensor> differentiated = new ArrayList<>();
        List<Tensor> adjoints = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
          requireSameValue(i, outs.get(i).value());
          if (reached.getDouble(i) != 0 && upstream[i] != null && outs.get(i).requiresGrad()) {
            differentiated.add(outs.get(i));
            adjoints.add(upstream[i]);
          }
          upstream[i] = null;
        }
        List<Tensor> wrt = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int j = 0; j < fresh.size(); j++) {
          if (need[j] && fresh.get(j).requiresGrad()) {
            wrt.add(fresh.get(j));
            at.add(j);
          }
        }
        if (differentiated.isEmpty() || wrt.isEmpty()) {
          return result;
        }
        List<Tensor> g = Autodiff.grad(differentiated, adjoints, wrt, false, true);
        try (MemoryWorkspace p = borrow(parent)) {
          for (int k = 0; k < wrt.size(); k++) {
            result[at.get(k)] = Tensor.constant(g.get(k).value().dup());
          }
        }
      } finally {
        depth[0]--;
        Arrays.fill(upstream, null);
      }
      return result;
    }

    // Bit-identical is expected (same kernels, same inputs); the margin only absorbs reduction order.
    private void requireSameValue(int i, INDArray again) {
      INDArray first = values[i];
      if (!Arrays.equals(first.shape(), again.shape()) || first.dataType() != again.dataType()) {
        throw new IllegalStateException("recompute '" + name + "': output " + i + " has shape "
            + Arrays.toString(again.shape()) + " " + again.dataType() + " in the re-run but "
            + Arrays.toString(first.shape()) + " " + first.dataType() + " in the forward run");
      }
      if (first.length() == 0) {
        return;
      }
      double scale = first.amaxNumber().doubleValue();
      double diff = first.sub(again).amaxNumber().doubleValue();
      double eps = first.dataType() == DataType.DOUBLE ? 1e-12 : 1e-5;
      if (!(diff <= eps * (1 + scale))) {
        throw new IllegalStateException("recompute '" + name + "': output " + i + " differs between the forward run"
            + " and the re-run by " + diff + " (max |value| " + scale + "): the segment is not a deterministic function"
            + " of its inputs (unseeded randomness?), so its gradient cannot be recomputed");
      }
    }
  }

  private static List<Tensor> fresh(List<Tensor> inputs, boolean[] need) {
    List<Tensor> fresh = new ArrayList<>(inputs.size());
    for (int j = 0; j < inputs.size(); j++) {
      Tensor t = inputs.get(j);
      boolean variable = t.requiresGrad() && (need == null || need[j]);
      fresh.add(variable ? Tensor.variable(t.value(), t.name()) : Tensor.constant(t.value()));
    }
    return fresh;
  }

  private static MemoryWorkspace borrow(MemoryWorkspace parent) {
    return parent == null ? Nd4j.getWorkspaceManager().scopeOutOfWorkspaces() : parent.notifyScopeBorrowed();
  }

  // Every tensor the outputs depend on that requires a gradient must come from the fresh inputs.
  private static void requireClosed(String name, List<Tensor> outs, List<Tensor> fresh) {
    IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
    for (Tensor t : fresh) {
      seen.put(t, Boolean.TRUE);
    }
    ArrayDeque<Tensor> stack = new ArrayDeque<>();
    for (Tensor o : outs) {
      if (o.requiresGrad() && seen.put(o, Boolean.TRUE) == null) {
        stack.push(o);
      }
    }
    while (!stack.isEmpty()) {
      Tensor t = stack.pop();
      Node node = t.node();
      if (node == null) {
        throw new IllegalArgumentException("recompute '" + name + "': the segment reads " + t
            + ", which requires a gradient but is not one of its inputs; pass it as an input (its gradient would"
            + " be lost)");
      }
      for (Tensor in : node.inputs) {
        if (in.requiresGrad() && seen.put(in, Boolean.TRUE) == null) {
          stack.push(in);
        }
      }
    }
  }
}
