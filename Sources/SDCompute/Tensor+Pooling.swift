extension Tensor {
    /// Max pooling of NHWC data over `kernel` x `kernel` windows. Positions in the padding count as
    /// `padValue` (PyTorch's `F.pad(value:)` then `max_pool2d`, which is how BiT's stem pads: with
    /// zeros, not -inf). Output size floor((size + padding - kernel) / stride) + 1.
    public func maxPooled(kernel: Int, stride: Int, padding: (top: Int, left: Int, bottom: Int, right: Int),
                          padValue: Float = 0) throws -> Tensor {
        guard rank == 4, kernel > 0, stride > 0 else {
            throw ComputeError.shapeMismatch("max pool \(kernel)/\(stride) on \(shape)")
        }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let paddedH = h + padding.top + padding.bottom, paddedW = w + padding.left + padding.right
        guard paddedH >= kernel, paddedW >= kernel else {
            throw ComputeError.shapeMismatch("max pool \(kernel)x\(kernel) on \(shape) is too small")
        }
        let outH = (paddedH - kernel) / stride + 1, outW = (paddedW - kernel) / stride + 1
        let out = Tensor(shape: [n, outH, outW, c])
        for b in 0..<n {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let pixel = out.data + ((b * outH + oy) * outW + ox) * c
                    var seenPadding = false
                    var first = true
                    for ky in 0..<kernel {
                        let y = oy * stride + ky - padding.top
                        for kx in 0..<kernel {
                            let x = ox * stride + kx - padding.left
                            guard y >= 0, y < h, x >= 0, x < w else {
                                seenPadding = true
                                continue
                            }
                            let sample = data + ((b * h + y) * w + x) * c
                            if first {
                                pixel.update(from: sample, count: c)
                                first = false
                            } else {
                                for ch in 0..<c { pixel[ch] = Swift.max(pixel[ch], sample[ch]) }
                            }
                        }
                    }
                    if first {
                        pixel.update(repeating: padValue, count: c)
                    } else if seenPadding {
                        for ch in 0..<c { pixel[ch] = Swift.max(pixel[ch], padValue) }
                    }
                }
            }
        }
        return out
    }
}
