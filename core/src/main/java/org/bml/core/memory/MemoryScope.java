package org.bml.core.memory;

import java.util.function.Supplier;
import org.bml.core.autodiff.Tensor;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A scope whose ND4J allocations are released, all at once, when it closes.
 *
 * <p>Lifecycle: {@code try (MemoryScope s = MemoryScope.open("train-step")) { ... }}. Every array
 * created inside (op results, gradients, the whole tape) lives in the workspace named by the id;
 * closing the scope makes that memory reusable by the next scope with the same id, which after the
 * first iteration needs no new native allocation. Arrays and tensors created inside are INVALID
 * after close: copy out what must survive with {@link #keep(INDArray)}, and allocate long-lived
 * state (parameters, optimizer moments) with {@link #outside(Supplier)}. In-place updates of
 * arrays that live outside (the optimizer's step) are fine inside a scope.
 */
public final class MemoryScope implements AutoCloseable {
  private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
      .initialSize(0)
      .overallocationLimit(0.2)
      .policyReset(ResetPolicy.BLOCK_LEFT)
      .policyAllocation(AllocationPolicy.OVERALLOCATE)
      .policySpill(SpillPolicy.REALLOCATE)
      .policyLearning(LearningPolicy.FIRST_LOOP)
      .build();

  private final MemoryWorkspace workspace;

  private MemoryScope(MemoryWorkspace workspace) {
    this.workspace = workspace;
  }

  /** Opens (and activates on this thread) the scope with the given id. */
  public static MemoryScope open(String id) {
    return new MemoryScope(Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, id));
  }

  /** A copy of a (scope-allocated) array that survives every scope. */
  public static INDArray keep(INDArray a) {
    return a.isAttached() ? a.detach() : a;
  }

  /** A constant copy of a tensor's value that survives every scope. */
  public static Tensor keep(Tensor t) {
    return Tensor.constant(keep(t.value()));
  }

  /** Runs an allocation outside every scope (for state that outlives them). */
  public static <T> T outside(Supplier<T> allocation) {
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return allocation.get();
    }
  }

  /** Bytes the scope's workspace currently reserves (its learned size). */
  public long reservedBytes() {
    return workspace.getCurrentSize();
  }

  @Override
  public void close() {
    workspace.close();
  }
}
