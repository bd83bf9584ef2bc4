package org.bml.hierarchical;

/** LLAMA: exactly MAML at η = 0, its meta-gradient against finite differences and the Laplace hypotheses ({@link LlamaTest}) with the torch backend selected. */
class TorchLlamaTest extends LlamaTest {}
