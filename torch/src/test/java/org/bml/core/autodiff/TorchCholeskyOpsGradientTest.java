package org.bml.core.autodiff;

/** {@link CholeskyOpsGradientTest} with the torch backend selected (bml-torch's tests run with -Dbml.backend=torch). */
class TorchCholeskyOpsGradientTest extends CholeskyOpsGradientTest {}
