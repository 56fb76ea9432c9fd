extension RGBImage {
    /// The image on a larger canvas for outpainting, the new border filled by repeating the
    /// nearest edge pixel (so the sampler starts from plausible colours), and the inpainting
    /// mask that is white exactly on the new border.
    public func outpaintCanvas(left: Int, top: Int, right: Int, bottom: Int) throws -> (image: RGBImage, mask: PixelMask) {
        guard left >= 0, top >= 0, right >= 0, bottom >= 0 else {
            throw PipelineError.invalidOption(option: "outpaint", value: "\(left),\(top),\(right),\(bottom)",
                                              reason: "extensions must not be negative")
        }
        let (w, h) = (width + left + right, height + top + bottom)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        var mask = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let sy = min(max(y - top, 0), height - 1)
            for x in 0..<w {
                let sx = min(max(x - left, 0), width - 1)
                for c in 0..<3 { pixels[(y * w + x) * 3 + c] = self.pixels[(sy * width + sx) * 3 + c] }
                if y < top || y >= top + height || x < left || x >= left + width { mask[y * w + x] = 1 }
            }
        }
        return (try RGBImage(width: w, height: h, pixels: pixels), try PixelMask(width: w, height: h, values: mask))
    }

    /// A1111's inpainting overlay: this (generated) image where the mask is white, the original
    /// where it is black, blended where a blurred mask is gray, so unmasked pixels come back
    /// exactly rather than through a VAE round trip.
    public func overlaid(on original: RGBImage, mask: PixelMask) throws -> RGBImage {
        guard original.width == width, original.height == height, mask.width == width, mask.height == height else {
            throw PipelineError.invalidOption(option: "mask", value: "\(mask.width)x\(mask.height)",
                                              reason: "overlay needs image, original and mask of one size \(width)x\(height)")
        }
        var out = pixels
        for p in 0..<width * height {
            let m = min(max(mask.values[p], 0), 1)
            for c in 0..<3 {
                let i = 3 * p + c
                out[i] = UInt8((m * Float(pixels[i]) + (1 - m) * Float(original.pixels[i])).rounded())
            }
        }
        return RGBImage(uncheckedWidth: width, height: height, pixels: out)
    }
}
