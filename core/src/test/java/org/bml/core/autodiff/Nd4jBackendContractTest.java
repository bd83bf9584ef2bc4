package org.bml.core.autodiff;

/** The backend contract for the default backend, ND4J on the CPU. */
class Nd4jBackendContractTest extends ArrayBackendContract {
  @Override
  protected ArrayBackend backend() {
    return Nd4jBackend.INSTANCE;
  }
}
