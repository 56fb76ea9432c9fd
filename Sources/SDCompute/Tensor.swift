/// Tensors and CPU kernels.
