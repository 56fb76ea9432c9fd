import Foundation

extension Tensor {
    /// PyTorch's `interpolate(mode="bilinear")` on NHWC data (its CPU kernel's index and weight
    /// arithmetic in float32). DPT resizes position embeddings, fusion residuals and decoder outputs
    /// with it, with and without `align_corners`.
    public func resizedBilinear(height: Int, width: Int, alignCorners: Bool) throws -> Tensor {
        try resized(height: height, width: width) { input, output in
            Self.linearTaps(input: input, output: output, alignCorners: alignCorners)
        }
    }

    /// PyTorch's `interpolate(mode="bicubic")` (cubic convolution with A = -0.75, border samples
    /// repeated) on NHWC data. The depth-to-image pipeline resizes the depth map with it.
    public func resizedBicubic(height: Int, width: Int, alignCorners: Bool) throws -> Tensor {
        try resized(height: height, width: width) { input, output in
            Self.cubicTaps(input: input, output: output, alignCorners: alignCorners)
        }
    }

    /// For each output index along one axis: the `count` input indices it reads and their weights.
    typealias Taps = (index: [Int], weight: [Float], count: Int)

    /// Separable resampling: every output pixel is sum_i wy_i * (sum_j wx_j * x[y_i, x_j]),
    /// PyTorch's order of accumulation.
    private func resized(height outH: Int, width outW: Int, taps: (Int, Int) -> Taps) throws -> Tensor {
        guard rank == 4, outH > 0, outW > 0, shape[1] > 0, shape[2] > 0 else {
            throw ComputeError.shapeMismatch("cannot resize \(shape) to \(outH)x\(outW)")
        }
        let (n, inH, inW, c) = (shape[0], shape[1], shape[2], shape[3])
        let ty = taps(inH, outH), tx = taps(inW, outW)
        let out = Tensor(shape: [n, outH, outW, c])
        let src = UnsafePointer(data), dst = out.data
        let rows = n * outH
        let work = { (row: Int) in
            let b = row / outH, oy = row % outH
            let target = dst + row * outW * c
            var column = [Float](repeating: 0, count: c)
            for ox in 0..<outW {
                let pixel = target + ox * c
                for i in 0..<ty.count {
                    let wy = ty.weight[oy * ty.count + i]
                    let line = src + (b * inH + ty.index[oy * ty.count + i]) * inW * c
                    column.withUnsafeMutableBufferPointer { acc in
                        let wx0 = tx.weight[ox * tx.count]
                        let first = line + tx.index[ox * tx.count] * c
                        for ch in 0..<c { acc[ch] = first[ch] * wx0 }
                        for j in 1..<tx.count {
                            let wx = tx.weight[ox * tx.count + j]
                            let sample = line + tx.index[ox * tx.count + j] * c
                            for ch in 0..<c { acc[ch] += sample[ch] * wx }
                        }
                    }
                    if i == 0 {
                        for ch in 0..<c { pixel[ch] = column[ch] * wy }
                    } else {
                        for ch in 0..<c { pixel[ch] += column[ch] * wy }
                    }
                }
            }
        }
        if rows * outW * c >= 1 << 16 {
            DispatchQueue.concurrentPerform(iterations: rows, execute: work)
        } else {
            for row in 0..<rows { work(row) }
        }
        return out
    }

    /// `area_pixel_compute_scale`: (in - 1) / (out - 1) with aligned corners, else in / out.
    private static func scale(input: Int, output: Int, alignCorners: Bool) -> Float {
        if alignCorners { return output > 1 ? Float(input - 1) / Float(output - 1) : 0 }
        return Float(input) / Float(output)
    }

    /// `area_pixel_compute_source_index`.
    private static func sourceIndex(_ scale: Float, _ output: Int, alignCorners: Bool, cubic: Bool) -> Float {
        if alignCorners { return scale * Float(output) }
        let index = scale * (Float(output) + 0.5) - 0.5
        return !cubic && index < 0 ? 0 : index
    }

    /// `guard_index_and_lambda`: the integer part (at most input - 1) and the clamped fraction.
    private static func split(_ real: Float, input: Int) -> (Int, Float) {
        let index = min(Int(real.rounded(.down)), input - 1)
        return (index, min(max(real - Float(index), 0), 1))
    }

    static func linearTaps(input: Int, output: Int, alignCorners: Bool) -> Taps {
        let ratio = scale(input: input, output: output, alignCorners: alignCorners)
        var taps: Taps = ([Int](repeating: 0, count: output * 2), [Float](repeating: 0, count: output * 2), 2)
        for o in 0..<output {
            let (i0, lambda1) = split(sourceIndex(ratio, o, alignCorners: alignCorners, cubic: false), input: input)
            taps.index[2 * o] = i0
            taps.index[2 * o + 1] = i0 + (i0 < input - 1 ? 1 : 0)
            taps.weight[2 * o] = 1 - lambda1
            taps.weight[2 * o + 1] = lambda1
        }
        return taps
    }

    static func cubicTaps(input: Int, output: Int, alignCorners: Bool) -> Taps {
        let ratio = scale(input: input, output: output, alignCorners: alignCorners)
        let a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        var taps: Taps = ([Int](repeating: 0, count: output * 4), [Float](repeating: 0, count: output * 4), 4)
        for o in 0..<output {
            let (i0, t) = split(sourceIndex(ratio, o, alignCorners: alignCorners, cubic: true), input: input)
            let weights = [far(t + 1), near(t), near(1 - t), far(1 - t + 1)]
            for j in 0..<4 {
                taps.index[4 * o + j] = max(min(i0 - 1 + j, input - 1), 0)
                taps.weight[4 * o + j] = weights[j]
            }
        }
        return taps
    }
}
