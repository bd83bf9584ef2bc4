package org.bml.core.autodiff;

/** {@link HigherOrderProperties} with the torch backend selected (bml-torch's tests run with -Dbml.backend=torch). */
class TorchHigherOrderProperties extends HigherOrderProperties {}
