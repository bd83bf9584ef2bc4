package org.bml.core.autodiff;

/** {@link OpGradientTest} with the torch backend selected (bml-torch's tests run with -Dbml.backend=torch). */
class TorchOpGradientTest extends OpGradientTest {}
