import CKernels

/// How convolution and matmul weights are kept in memory between calls. Reduced storage halves
/// the model's resident size (`--weights-type f16`); each call widens the layer's weights to
/// float32 first, so the arithmetic is float32 either way and only the weights are rounded.
public enum WeightStorage: String, Sendable, CaseIterable {
    case f32, f16, bf16

    var kernelCode: Int32 {
        switch self {
        case .f32: Int32(SD_WEIGHTS_F32)
        case .f16: Int32(SD_WEIGHTS_F16)
        case .bf16: Int32(SD_WEIGHTS_BF16)
        }
    }
}
