extension Tensor {
    /// NHWC data surrounded by constant borders (PyTorch's `F.pad` / `ConstantPad2d` on NCHW).
    public func padded(top: Int, left: Int, bottom: Int, right: Int, value: Float = 0) throws -> Tensor {
        guard rank == 4, top >= 0, left >= 0, bottom >= 0, right >= 0 else {
            throw ComputeError.shapeMismatch("pad \(shape) by (\(top), \(left), \(bottom), \(right))")
        }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let outH = h + top + bottom, outW = w + left + right
        let out = Tensor(shape: [n, outH, outW, c])
        out.data.update(repeating: value, count: out.count)
        for b in 0..<n {
            for y in 0..<h {
                (out.data + ((b * outH + y + top) * outW + left) * c).update(from: data + (b * h + y) * w * c, count: w * c)
            }
        }
        return out
    }
}
