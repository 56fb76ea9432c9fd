import CKernels

/// Pointwise activations used by SD's networks, named as in PyTorch / transformers' `hidden_act`.
public enum Activation: String, Sendable, Codable {
    case silu
    /// Exact (erf) GELU: transformers' "gelu", OpenCLIP's nn.GELU.
    case gelu
    /// tanh-approximated GELU: transformers' "gelu_new" / "gelu_pytorch_tanh".
    case geluTanh = "gelu_pytorch_tanh"
    /// x * sigmoid(1.702 x): OpenAI CLIP's activation.
    case quickGelu = "quick_gelu"

    /// Accepts transformers' spellings of each activation.
    public init?(configName: String) {
        switch configName {
        case "silu", "swish": self = .silu
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "quick_gelu": self = .quickGelu
        default: return nil
        }
    }

    var kernelCode: Int32 {
        switch self {
        case .silu: return Int32(SD_SILU.rawValue)
        case .gelu: return Int32(SD_GELU_ERF.rawValue)
        case .geluTanh: return Int32(SD_GELU_TANH.rawValue)
        case .quickGelu: return Int32(SD_QUICK_GELU.rawValue)
        }
    }
}
