package org.bml.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bml.core.autodiff.Backends;
import org.bml.core.autodiff.Device;
import org.bml.core.autodiff.NativeThreads;
import org.bml.core.autodiff.Ops;
import org.bml.core.autodiff.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The torch backend is what this module's tests run on (so the rerun gradient checks and oracles
 * test libtorch, not ND4J), and an unusable CUDA device is a clear error, never a CPU fall back.
 */
class TorchSelectionTest {
  @Test
  void theTestsOfThisModuleRunOnTorch() {
    assertEquals("torch", Backends.current().name(), "-Dbml.backend=torch is set for bml-torch's tests");
    assertTrue(Backends.providers().containsKey("torch"), "registered through META-INF/services");
    Tensor y = Ops.tanh(Tensor.constant(Nd4j.createFromArray(0.5, -1.0)));
    assertEquals(Math.tanh(0.5), y.value().getDouble(0), 1e-15);
  }

  @Test
  void cudaWithoutAUsableGpuNamesWhatWasFoundAndWhatTheBuildSupports() {
    if (TorchProvider.cudaBuild() && !TorchProvider.computeCapabilities().isEmpty()) {
      return; // a GPU machine with the CUDA build: cuda opens (device-check.sh tests it there)
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Backends.open("torch", Device.parse("cuda:1")));
    String m = e.getMessage();
    assertTrue(m.contains("cuda:1") && m.contains("found") && m.contains("sm_90"), m);
  }

  @Test
  void computeCapabilityMatching() {
    assertTrue(TorchProvider.supported("sm_90"));
    assertTrue(TorchProvider.supported("sm_86"));
    assertTrue(!TorchProvider.supported("sm_35"), "Kepler has no code in the build");
  }

  /**
   * libtorch's intra-op threads follow bml's policy, as ND4J's do, at selection and on a later set,
   * also on a thread that starts afterwards (ND4J's OpenMP setting reaches only the calling thread;
   * a new thread sees libtorch's own count, which only the follower sets).
   */
  @Test
  void torchFollowsTheNativeThreadPolicy() throws Exception {
    Backends.current();
    int policy = NativeThreads.applied().threads();
    assertEquals(policy, torch.get_num_threads(), "count at selection: " + NativeThreads.applied());
    try {
      NativeThreads.set(policy + 1);
      assertEquals(policy + 1, torch.get_num_threads());
      assertEquals(policy + 1, countOnANewThread(), "a thread started after the set");
    } finally {
      NativeThreads.set(policy);
    }
    assertEquals(policy, torch.get_num_threads());
    assertEquals(policy, countOnANewThread());
  }

  private static int countOnANewThread() throws InterruptedException {
    int[] n = new int[1];
    Thread t = new Thread(() -> n[0] = torch.get_num_threads());
    t.start();
    t.join();
    return n[0];
  }
}
