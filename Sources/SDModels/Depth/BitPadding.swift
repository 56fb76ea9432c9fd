/// How BiT's weight-standardised convolutions pad (`global_padding` in `BitConfig`).
enum BitPadding: Equatable {
    /// TensorFlow "SAME": static (k-1)/2 for stride-1 odd kernels, otherwise computed from each
    /// input size and split with the extra pixel at the bottom/right (`DynamicPad2d`).
    case same
    /// No padding.
    case valid
    /// PyTorch-style symmetric ((stride - 1) + (k - 1)) / 2 (`global_padding` null).
    case symmetric

    init?(configValue: String?) {
        switch configValue?.uppercased() {
        case nil: self = .symmetric
        case "SAME": self = .same
        case "VALID": self = .valid
        default: return nil
        }
    }

    /// `DynamicPad2d.compute_padding` for one axis: total padding, top/left half first.
    static func dynamic(size: Int, kernel: Int, stride: Int) -> (before: Int, after: Int) {
        let total = max((size + stride - 1) / stride * stride - stride + kernel - size, 0)
        return (total / 2, total - total / 2)
    }

    /// (top, left, bottom, right) for a kernel/stride on an input of height x width.
    func padding(height: Int, width: Int, kernel: Int, stride: Int) -> (top: Int, left: Int, bottom: Int, right: Int) {
        switch self {
        case .valid:
            return (0, 0, 0, 0)
        case .symmetric:
            let p = ((stride - 1) + (kernel - 1)) / 2
            return (p, p, p, p)
        case .same:
            if stride == 1 && (kernel - 1) % 2 == 0 {
                let p = (kernel - 1) / 2
                return (p, p, p, p)
            }
            let v = BitPadding.dynamic(size: height, kernel: kernel, stride: stride)
            let h = BitPadding.dynamic(size: width, kernel: kernel, stride: stride)
            return (v.before, h.before, v.after, h.after)
        }
    }
}
