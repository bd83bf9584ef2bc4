package org.bml.core.autodiff;

/** The record of one op application: its name, its inputs and its backward rule. */
final class Node {
  final String opName;
  final Tensor[] inputs;
  final BackwardFn backward;

  Node(String opName, Tensor[] inputs, BackwardFn backward) {
    this.opName = opName;
    this.inputs = inputs;
    this.backward = backward;
  }
}
