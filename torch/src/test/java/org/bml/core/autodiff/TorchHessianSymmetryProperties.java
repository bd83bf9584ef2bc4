package org.bml.core.autodiff;

/** {@link HessianSymmetryProperties} with the torch backend selected (bml-torch's tests run with -Dbml.backend=torch). */
class TorchHessianSymmetryProperties extends HessianSymmetryProperties {}
