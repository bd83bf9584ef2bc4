package org.bml.core.autodiff;

import java.util.List;

/**
 * A tensor library that can serve as the {@link ArrayBackend} under the tape, found with
 * {@link java.util.ServiceLoader} (a module on the class path registers one in
 * {@code META-INF/services/org.bml.core.autodiff.BackendProvider}). The ND4J CPU backend is built
 * in.
 */
public interface BackendProvider {
  /** The name given to {@code --backend}. */
  String name();

  /** Library and version (loading the native library if needed). */
  String version();

  /** The devices this build can run on here, e.g. {@code cpu}, {@code cuda:0 (sm_90)}. */
  List<String> devices();

  /**
   * The backend on device.
   *
   * @throws IllegalArgumentException if the device is absent or this build has no code for it,
   *     naming what was found and what the build supports
   */
  ArrayBackend open(Device device);
}
