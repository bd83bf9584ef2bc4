/**
 * The libtorch backend under the tape ({@link org.bml.torch.TorchBackend}), registered with
 * {@link org.bml.core.autodiff.Backends} as {@code --backend torch} through
 * {@link org.bml.torch.TorchProvider}. The tape, its backward rules and the models stay in core;
 * only the array kernels run on libtorch, on the CPU or a CUDA GPU.
 */
package org.bml.torch;
