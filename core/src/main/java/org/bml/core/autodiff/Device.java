package org.bml.core.autodiff;

import java.util.Locale;

/**
 * Where a backend's kernels run: the host CPU or one CUDA GPU. Parsed from {@code cpu},
 * {@code cuda} (GPU 0) or {@code cuda:N}; anything else is an error naming the input.
 */
public record Device(Kind kind, int index) {
  /** Device kinds. */
  public enum Kind { CPU, CUDA }

  public static final Device CPU = new Device(Kind.CPU, 0);

  public Device {
    if (index < 0) {
      throw new IllegalArgumentException("device index " + index + " must be >= 0");
    }
  }

  public static Device parse(String s) {
    String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.equals("cuda")) {
      return new Device(Kind.CUDA, 0);
    }
    if (t.startsWith("cuda:")) {
      try {
        return new Device(Kind.CUDA, Integer.parseInt(t.substring(5)));
      } catch (IllegalArgumentException e) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException("device '" + s + "' is not one of cpu, cuda, cuda:N (N >= 0)");
  }

  public boolean isCuda() {
    return kind == Kind.CUDA;
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + index;
  }
}
