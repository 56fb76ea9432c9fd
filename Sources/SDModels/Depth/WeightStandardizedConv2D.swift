import Foundation
import SDCompute

/// BiT's `WeightStandardizedConv2d`: every output channel's kernel is normalised to zero mean and
/// unit variance (biased, over in x kh x kw, eps 1e-8) before convolving. The weights are fixed, so
/// the standardisation happens once here instead of on every call as in PyTorch. "SAME" padding of
/// a strided convolution depends on the input size, so those keep one oneDNN convolution per
/// padding; all others are built once.
final class WeightStandardizedConv2D {
    private let kernel: Int
    private let stride: Int
    private let mode: BitPadding
    /// The convolution when its padding does not depend on the input size.
    private let fixed: Conv2D?
    /// The standardised weight, kept only for size-dependent padding.
    private let weight: Tensor?
    private let lock = NSLock()
    private var byPadding: [[Int]: Conv2D] = [:]

    init(_ p: ParameterLoader, _ name: String, in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int = 1,
         padding mode: BitPadding, eps: Double = 1e-8) throws {
        let w = try p.tensor(name + ".weight", shape: [outChannels, inChannels, kernel, kernel])
        let fan = inChannels * kernel * kernel
        for o in 0..<outChannels {
            let row = w.data + o * fan
            var mean = 0.0
            for i in 0..<fan { mean += Double(row[i]) }
            mean /= Double(fan)
            var variance = 0.0
            for i in 0..<fan { variance += (Double(row[i]) - mean) * (Double(row[i]) - mean) }
            variance /= Double(fan)
            let scale = 1 / (variance + eps).squareRoot()
            for i in 0..<fan { row[i] = Float((Double(row[i]) - mean) * scale) }
        }
        self.kernel = kernel
        self.stride = stride
        self.mode = mode
        // "SAME" padding depends only on the input size modulo the stride: sizes 1...stride show every case.
        let paddings = Set((1...max(stride, 1)).map { size -> [Int] in
            let pad = mode.padding(height: size, width: size, kernel: kernel, stride: stride)
            return [pad.top, pad.left, pad.bottom, pad.right]
        })
        if paddings.count == 1, let only = paddings.first {
            fixed = try Conv2D(weight: w, bias: nil, stride: stride, padding: (only[0], only[1], only[2], only[3]))
            weight = nil
        } else {
            fixed = nil
            weight = w
        }
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        if let fixed { return try fixed(x) }
        guard x.rank == 4, let weight else { throw ComputeError.shapeMismatch("convolution input \(x.shape) is not NHWC") }
        let pad = mode.padding(height: x.shape[1], width: x.shape[2], kernel: kernel, stride: stride)
        let key = [pad.top, pad.left, pad.bottom, pad.right]
        let conv = try lock.withLock { () throws -> Conv2D in
            if let cached = byPadding[key] { return cached }
            let made = try Conv2D(weight: weight, bias: nil, stride: stride, padding: pad)
            byPadding[key] = made
            return made
        }
        return try conv(x)
    }
}
