extension RGBImage {
    /// Resamples with one of Pillow's filters (Lanczos by default), bit-identical to
    /// `image.resize((width, height), resample=PIL.Image.LANCZOS)` on an RGB image:
    /// a horizontal pass into an 8-bit intermediate, then a vertical pass, each skipped
    /// when that axis keeps its size.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResampleFilter = .lanczos) throws -> RGBImage {
        guard newWidth > 0, newHeight > 0, newWidth <= Int(Int32.max) / newHeight / 3 else {
            throw ImageError.invalidTargetSize(width: newWidth, height: newHeight)
        }
        var current = self
        if newWidth != width {
            current = current.resampledHorizontally(
                to: newWidth, ResampleCoefficients(inputSize: width, outputSize: newWidth, filter: filter))
        }
        if newHeight != height {
            current = current.resampledVertically(
                to: newHeight, ResampleCoefficients(inputSize: height, outputSize: newHeight, filter: filter))
        }
        return current
    }

    private func resampledHorizontally(to newWidth: Int, _ c: ResampleCoefficients) -> RGBImage {
        let rounding = 1 << (ResampleCoefficients.precisionBits - 1)
        var out = [UInt8](repeating: 0, count: newWidth * height * 3)
        pixels.withUnsafeBufferPointer { src in
            c.weights.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        let rowIn = y * width * 3
                        let rowOut = y * newWidth * 3
                        for xx in 0..<newWidth {
                            let xmin = c.first[xx], n = c.count[xx], base = xx * c.stride
                            var r = rounding, g = rounding, b = rounding
                            for x in 0..<n {
                                let w = Int(k[base + x])
                                let p = rowIn + (xmin + x) * 3
                                r += Int(src[p]) * w
                                g += Int(src[p + 1]) * w
                                b += Int(src[p + 2]) * w
                            }
                            dst[rowOut + xx * 3] = ResampleCoefficients.clip8(r)
                            dst[rowOut + xx * 3 + 1] = ResampleCoefficients.clip8(g)
                            dst[rowOut + xx * 3 + 2] = ResampleCoefficients.clip8(b)
                        }
                    }
                }
            }
        }
        return RGBImage(uncheckedWidth: newWidth, height: height, pixels: out)
    }

    private func resampledVertically(to newHeight: Int, _ c: ResampleCoefficients) -> RGBImage {
        let rounding = 1 << (ResampleCoefficients.precisionBits - 1)
        let rowBytes = width * 3
        var out = [UInt8](repeating: 0, count: rowBytes * newHeight)
        pixels.withUnsafeBufferPointer { src in
            c.weights.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { dst in
                    var sums = [Int](repeating: 0, count: rowBytes)
                    for yy in 0..<newHeight {
                        let ymin = c.first[yy], n = c.count[yy], base = yy * c.stride
                        for i in 0..<rowBytes { sums[i] = rounding }
                        for y in 0..<n {
                            let w = Int(k[base + y])
                            let row = (ymin + y) * rowBytes
                            for i in 0..<rowBytes { sums[i] += Int(src[row + i]) * w }
                        }
                        let rowOut = yy * rowBytes
                        for i in 0..<rowBytes { dst[rowOut + i] = ResampleCoefficients.clip8(sums[i]) }
                    }
                }
            }
        }
        return RGBImage(uncheckedWidth: width, height: newHeight, pixels: out)
    }
}
