package org.bml.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bml.core.autodiff.ArrayBackend;
import org.bml.core.autodiff.BackendProvider;
import org.bml.core.autodiff.Backends;
import org.bml.core.autodiff.Device;
import org.bml.core.autodiff.NativeThreads;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code --backend torch}: libtorch through bytedeco's presets. The CPU build (classifier
 * {@code linux-x86_64}) is the default; the CUDA build ({@code -Ptorch-cuda}, classifier
 * {@code linux-x86_64-gpu}, CUDA 13.1 and cuDNN 9 as bytedeco 1.5.13 builds it) adds {@code cuda[:N]}. A CUDA device is opened only when libtorch
 * sees it and this build carries code for its compute capability; otherwise the error names the
 * GPUs found and the architectures the build supports. It never falls back to the CPU.
 */
public final class TorchProvider implements BackendProvider {
  /** The SASS architectures of the CUDA build's libtorch_cuda.so, as listed by fatbin.py. */
  static final String CUDA_BUILD_ARCHS = "sm_75 sm_80 sm_90 sm_100 sm_103 sm_120 sm_121 (SASS only, no PTX)";

  @Override
  public String name() {
    return "torch";
  }

  @Override
  public String version() {
    String v = torch.class.getPackage().getImplementationVersion();
    String lib = v == null ? "2.10.0-1.5.13" : v;
    return "libtorch " + lib.replaceAll("-1\\.5\\..*$", "") + " (bytedeco pytorch " + lib + ", "
        + (cudaBuild() ? "CUDA build" : "CPU build") + ")";
  }

  /** Whether libtorch was loaded with its CUDA library (the linux-x86_64-gpu natives). */
  static boolean cudaBuild() {
    return torch.hasCUDA();
  }

  @Override
  public List<String> devices() {
    List<String> d = new ArrayList<>();
    d.add("cpu");
    if (cudaBuild() && torch.cuda_is_available()) {
      List<String> caps = computeCapabilities();
      int n = torch.cuda_device_count();
      for (int i = 0; i < n; i++) {
        d.add("cuda:" + i + (i < caps.size() ? " (sm_" + caps.get(i).replace(".", "") + ")" : ""));
      }
    }
    return d;
  }

  private static volatile boolean threadsFollowed;

  /**
   * libtorch's intra-op thread count follows bml's native thread policy (bml.threads, else
   * OMP_NUM_THREADS, else 1), as ND4J's does: otherwise -Dbml.threads=2 under the launcher's
   * OMP_NUM_THREADS=1 gave ND4J two threads and libtorch one. at::set_num_threads is process-wide:
   * threads that start an op later pick the count up on their first op.
   */
  static synchronized void followThreadPolicy() {
    if (!threadsFollowed) {
      NativeThreads.follow(torch::set_num_threads);
      threadsFollowed = true;
    }
  }

  @Override
  public ArrayBackend open(Device device) {
    followThreadPolicy();
    if (!device.isCuda()) {
      torch.cuda_is_available(); // loads the natives now, so a broken install fails here
      return new TorchBackend(device, version());
    }
    String supports = "the CPU build of bml-torch has no CUDA code; the CUDA 13 build (mvn -Ptorch-cuda, bytedeco"
        + " classifier linux-x86_64-gpu) has " + CUDA_BUILD_ARCHS;
    if (!cudaBuild()) {
      throw new IllegalArgumentException("device " + device + " is not available with backend torch ("
          + version() + "): " + supports + "; found " + Backends.describeGpus());
    }
    int n = torch.cuda_is_available() ? torch.cuda_device_count() : 0;
    if (device.index() >= n) {
      throw new IllegalArgumentException("device " + device + " is not available with backend torch ("
          + version() + "): libtorch sees " + n + " CUDA device(s); found " + Backends.describeGpus()
          + "; this build has " + CUDA_BUILD_ARCHS);
    }
    List<String> caps = computeCapabilities();
    if (device.index() < caps.size()) {
      String sm = "sm_" + caps.get(device.index()).replace(".", "");
      if (!supported(sm)) {
        throw new IllegalArgumentException("device " + device + " has compute capability " + caps.get(device.index())
            + " (" + sm + "), for which this build (" + version() + ") has no code: it has " + CUDA_BUILD_ARCHS);
      }
    }
    return new TorchBackend(device, version());
  }

  /** Whether the build runs on sm (SASS of the same major version and lower or equal minor). */
  static boolean supported(String sm) {
    int want = Integer.parseInt(sm.substring(3));
    for (String a : CUDA_BUILD_ARCHS.split(" ")) {
      if (a.startsWith("sm_")) {
        int have = Integer.parseInt(a.substring(3));
        if (have / 10 == want / 10 && have <= want) {
          return true;
        }
      }
    }
    return false;
  }

  /** Compute capabilities ("9.0") of the visible GPUs in index order, from nvidia-smi. */
  static List<String> computeCapabilities() {
    List<String> caps = new ArrayList<>();
    try {
      Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader")
          .redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return caps;
      }
      try (InputStream in = p.getInputStream()) {
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          String t = line.trim().toLowerCase(Locale.ROOT);
          if (t.matches("\\d+\\.\\d+")) {
            caps.add(t);
          }
        }
      }
    } catch (IOException e) {
      return caps;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return caps;
  }
}
