package org.bml.core.autodiff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The backend the ops use, chosen explicitly: {@link #use(String, Device)} (the CLI's
 * {@code --backend}/{@code --device}), else the system properties {@code bml.backend} and
 * {@code bml.device}, else ND4J on the CPU. An unknown backend or an unusable device is an
 * {@link IllegalArgumentException} naming what was asked and what was found; there is never a
 * silent fall back to another device.
 *
 * <p>The first of these calls also applies the native thread policy ({@link NativeThreads}).
 */
public final class Backends {
  private static volatile ArrayBackend current;

  private Backends() {}

  /** The backend the ops run on. */
  public static ArrayBackend current() {
    ArrayBackend b = current;
    if (b == null) {
      synchronized (Backends.class) {
        if (current == null) {
          NativeThreads.ensureApplied();
          current = open(System.getProperty("bml.backend", "nd4j"), Device.parse(System.getProperty("bml.device", "cpu")));
        }
        b = current;
      }
    }
    return b;
  }

  /** Selects the backend for all later ops (process-wide); returns it. */
  public static synchronized ArrayBackend use(String backend, Device device) {
    NativeThreads.ensureApplied();
    current = open(backend, device);
    return current;
  }

  /** The backend named, on device, without selecting it. */
  public static ArrayBackend open(String backend, Device device) {
    if (backend.equals("nd4j")) {
      if (device.isCuda()) {
        throw new IllegalArgumentException("device " + device + " is not available with backend nd4j: this build's"
            + " ND4J backend is " + Nd4jBackend.INSTANCE.version() + ", CPU only (ND4J's CUDA 11.6 build, profile"
            + " nd4j-cuda, has kernels for sm_37..sm_86 only); found " + describeGpus()
            + "; use --backend torch with bml-torch's CUDA build (-Ptorch-cuda: sm_75..sm_121, Hopper sm_90 included)");
      }
      return Nd4jBackend.INSTANCE;
    }
    BackendProvider p = providers().get(backend);
    if (p == null) {
      throw new IllegalArgumentException("backend '" + backend + "' is not available; found " + providers().keySet()
          + " (the torch backend is the bml-torch module, not in the default CLI jar)");
    }
    return p.open(device);
  }

  /** The backends found: name → provider (nd4j first, as null: it is built in). */
  public static Map<String, BackendProvider> providers() {
    Map<String, BackendProvider> m = new LinkedHashMap<>();
    m.put("nd4j", null);
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
      m.put(p.name(), p);
    }
    return m;
  }

  /** Lines for {@code bml env}: each backend, its version and devices, and the GPUs seen. */
  public static List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add("backend nd4j: " + Nd4jBackend.INSTANCE.version() + "; devices: cpu");
    for (Map.Entry<String, BackendProvider> e : providers().entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      try {
        lines.add("backend " + e.getKey() + ": " + e.getValue().version() + "; devices: "
            + String.join(", ", e.getValue().devices()));
      } catch (RuntimeException | LinkageError err) {
        lines.add("backend " + e.getKey() + ": present but fails to load: " + err);
      }
    }
    lines.add("GPUs: " + describeGpus());
    lines.add("selected: " + current().name() + " on " + current().device());
    lines.add("native threads: " + NativeThreads.applied().threads() + " (" + NativeThreads.applied().source()
        + "); ND4J reports " + NativeThreads.reported());
    return lines;
  }

  /**
   * The NVIDIA GPUs visible to this process with their compute capabilities (from
   * {@code nvidia-smi}), or why none was found.
   */
  public static String describeGpus() {
    Path proc = Path.of("/proc/driver/nvidia/gpus");
    if (!Files.isDirectory(proc)) {
      return "no NVIDIA GPU (no driver: " + proc + " absent)";
    }
    try {
      Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,compute_cap,driver_version",
          "--format=csv,noheader").redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "NVIDIA driver present, nvidia-smi timed out";
      }
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return out.isEmpty() ? "NVIDIA driver present, no GPU listed" : "[" + out.replace("\n", "; ") + "]";
    } catch (IOException e) {
      try (Stream<Path> s = Files.list(proc)) {
        return s.count() + " NVIDIA GPU(s) in " + proc + " (nvidia-smi not found for compute capability)";
      } catch (IOException e2) {
        return "NVIDIA driver present, GPUs unreadable: " + e2.getMessage();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "GPU query interrupted";
    }
  }
}
