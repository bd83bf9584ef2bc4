package org.bml.torch;

import org.bml.core.autodiff.ArrayBackend;
import org.bml.core.autodiff.ArrayBackendContract;
import org.bml.core.autodiff.Backends;
import org.bml.core.autodiff.Device;

/** The backend contract for libtorch, on the device of {@code -Dbml.device} (cpu by default). */
class TorchBackendContractTest extends ArrayBackendContract {
  private static final ArrayBackend BACKEND =
      Backends.open("torch", Device.parse(System.getProperty("bml.device", "cpu")));

  @Override
  protected ArrayBackend backend() {
    return BACKEND;
  }
}
