package org.bml.core.autodiff;

/** {@link MatrixOpsGradientTest} with the torch backend selected (bml-torch's tests run with -Dbml.backend=torch). */
class TorchMatrixOpsGradientTest extends MatrixOpsGradientTest {}
