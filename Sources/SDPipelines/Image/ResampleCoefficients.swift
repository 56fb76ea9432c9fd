import Foundation

/// Pillow's fixed-point weights for resampling one axis (libImaging/Resample.c:
/// `precompute_coeffs` with the filter's kernel, then `normalize_coeffs_8bpc`). Reproducing
/// its double-precision arithmetic step by step makes the result bit-identical to
/// `PIL.Image.resize(..., resample=LANCZOS)`, which diffusers' image processor calls (and to
/// BILINEAR and BICUBIC, which DPT's image processor uses).
struct ResampleCoefficients {
    /// Fractional bits of the fixed-point weights: 32 - 8 - 2 leaves room for 8-bit samples
    /// and for sums that overshoot [0, 1] through the filter's negative lobes.
    static let precisionBits = 22

    /// Weights per output sample; sample `i` uses `weights[i * stride ..< i * stride + count[i]]`.
    let stride: Int
    /// First input sample each output sample reads.
    let first: [Int]
    /// Number of input samples each output sample reads.
    let count: [Int]
    let weights: [Int32]

    init(inputSize: Int, outputSize: Int, filter: ResampleFilter = .lanczos) {
        let support = filter.support
        // Pillow passes the box edges as floats: in1 - in0 = Float(inputSize), exact below 2^24.
        let scale = Double(Float(inputSize)) / Double(outputSize)
        let filterScale = max(scale, 1.0)
        let scaledSupport = support * filterScale
        let stride = Int(scaledSupport.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1.0 / filterScale

        var first = [Int](repeating: 0, count: outputSize)
        var count = [Int](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * stride)
        var kernel = [Double](repeating: 0, count: stride)
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale
            // C's (int) cast truncates toward zero, as Int(_:) does.
            let xmin = max(Int(center - scaledSupport + 0.5), 0)
            let xmax = min(Int(center + scaledSupport + 0.5), inputSize) - xmin
            var total = 0.0
            for x in 0..<max(xmax, 0) {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * inverseFilterScale)
                kernel[x] = w
                total += w
            }
            for x in 0..<max(xmax, 0) {
                let w = total != 0.0 ? kernel[x] / total : kernel[x]
                let scaled = w * Double(1 << Self.precisionBits)
                weights[output * stride + x] = Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            first[output] = xmin
            count[output] = max(xmax, 0)
        }
        self.stride = stride
        self.first = first
        self.count = count
        self.weights = weights
    }

    /// Pillow's `clip8`: the rounding bias is in the sum already, shift and clamp to a byte.
    @inline(__always)
    static func clip8(_ sum: Int) -> UInt8 {
        let value = sum >> precisionBits
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(value)
    }
}
