import CKernels

extension Tensor {
    /// Nearest-neighbour 2x upsampling of an NHWC tensor.
    public func upsampledNearest2x() throws -> Tensor {
        guard rank == 4 else { throw ComputeError.shapeMismatch("upsample expects NHWC, got \(shape)") }
        let out = Tensor(shape: [shape[0], shape[1] * 2, shape[2] * 2, shape[3]])
        KernelProfile.measure("layout") { sd_upsample_nearest2x(data, out.data, Int64(shape[0]), Int64(shape[1]), Int64(shape[2]), Int64(shape[3])) }
        return out
    }

    /// Nearest-neighbour resizing (up or down) of an NHWC tensor to `height` x `width`, as
    /// PyTorch's `interpolate(size=...)`: source index `floor(dst * (in / out))` with the ratio in
    /// float32. Exact doubling takes the fast kernel.
    public func resizedNearest(height outH: Int, width outW: Int) throws -> Tensor {
        guard rank == 4, outH > 0, outW > 0 else {
            throw ComputeError.shapeMismatch("upsample \(shape) to \(outH)x\(outW)")
        }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        if outH == 2 * h, outW == 2 * w { return try upsampledNearest2x() }
        let out = Tensor(shape: [n, outH, outW, c])
        let scaleH = Float(h) / Float(outH), scaleW = Float(w) / Float(outW)
        let columns = (0..<outW).map { min(Int((Float($0) * scaleW).rounded(.down)), w - 1) }
        for b in 0..<n {
            for y in 0..<outH {
                let sy = min(Int((Float(y) * scaleH).rounded(.down)), h - 1)
                let src = data + (b * h + sy) * w * c, dst = out.data + (b * outH + y) * outW * c
                for (x, sx) in columns.enumerated() { (dst + x * c).update(from: src + sx * c, count: c) }
            }
        }
        return out
    }

    /// Concatenation along the channel (last) dimension.
    public func concatenatingChannels(_ other: Tensor) throws -> Tensor {
        guard rank == other.rank, shape.dropLast() == other.shape.dropLast(), let ca = shape.last,
              let cb = other.shape.last else {
            throw ComputeError.shapeMismatch("concat \(shape) and \(other.shape)")
        }
        let out = Tensor(shape: Array(shape.dropLast()) + [ca + cb])
        KernelProfile.measure("layout") { sd_concat_channels(data, Int64(ca), other.data, Int64(cb), out.data, Int64(count / max(ca, 1))) }
        return out
    }

    /// Converts PyTorch's NCHW to this engine's NHWC.
    public func nchwToNHWC() throws -> Tensor {
        guard rank == 4 else { throw ComputeError.shapeMismatch("expected NCHW, got \(shape)") }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let out = Tensor(shape: [n, h, w, c])
        KernelProfile.measure("layout") { sd_nchw_to_nhwc(data, out.data, Int64(n), Int64(c), Int64(h), Int64(w)) }
        return out
    }

    /// Converts NHWC back to PyTorch's NCHW.
    public func nhwcToNCHW() throws -> Tensor {
        guard rank == 4 else { throw ComputeError.shapeMismatch("expected NHWC, got \(shape)") }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let out = Tensor(shape: [n, c, h, w])
        KernelProfile.measure("layout") { sd_nhwc_to_nchw(data, out.data, Int64(n), Int64(c), Int64(h), Int64(w)) }
        return out
    }

    /// Rows [start, start+length) of the first dimension, copied.
    public func slice(batch start: Int, count length: Int) -> Tensor {
        let per = count / max(shape[0], 1)
        let out = Tensor(shape: [length] + shape.dropFirst())
        out.data.update(from: data + start * per, count: length * per)
        return out
    }

    /// Concatenation along the first (batch) dimension.
    public static func concatenatingBatches(_ parts: [Tensor]) throws -> Tensor {
        guard let first = parts.first, parts.allSatisfy({ $0.shape.dropFirst() == first.shape.dropFirst() }) else {
            throw ComputeError.shapeMismatch("batch concat of \(parts.map(\.shape))")
        }
        let out = Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + first.shape.dropFirst())
        var offset = 0
        for p in parts {
            (out.data + offset).update(from: p.data, count: p.count)
            offset += p.count
        }
        return out
    }
}

extension Tensor {
    /// Channels `range` of a channels-last tensor, copied.
    public func channelSlice(_ range: Range<Int>) throws -> Tensor {
        guard let c = shape.last, range.lowerBound >= 0, range.upperBound <= c else {
            throw ComputeError.shapeMismatch("channels \(range) of \(shape)")
        }
        let width = range.count
        let rows = count / max(c, 1)
        let out = Tensor(shape: Array(shape.dropLast()) + [width])
        for r in 0..<rows {
            (out.data + r * width).update(from: data + r * c + range.lowerBound, count: width)
        }
        return out
    }
}
