import Foundation
import SDCompute

/// An inpainting mask at image resolution, one value in [0, 1] per pixel, white (1) = repaint:
/// what diffusers' mask processor reads (PIL mode "L" divided by 255) before it binarizes.
public struct PixelMask: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let values: [Float]

    public init(width: Int, height: Int, values: [Float]) throws {
        guard width > 0, height > 0, values.count == width * height else {
            throw PipelineError.invalidOption(option: "mask", value: "\(width)x\(height)",
                                              reason: "needs \(width * height) values, got \(values.count)")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    /// PIL's `convert("L")` (ITU-R 601-2 luma in 16-bit fixed point), then / 255.
    public init(image: RGBImage) throws {
        try self.init(width: image.width, height: image.height, values: Self.luma(image).map { Float($0) / 255 })
    }

    /// PIL's `convert("L")` of an RGB image, one byte per pixel.
    static func luma(_ image: RGBImage) -> [UInt8] {
        (0..<image.width * image.height).map { i in
            let r = UInt32(image.pixels[3 * i]), g = UInt32(image.pixels[3 * i + 1]), b = UInt32(image.pixels[3 * i + 2])
            return UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
        }
    }

    /// The mask as a gray RGB image, for resizing with the image filters.
    var grayImage: RGBImage {
        let bytes = values.map { UInt8(min(max($0 * 255, 0), 255).rounded()) }
        return RGBImage(uncheckedWidth: width, height: height, pixels: bytes.flatMap { [$0, $0, $0] })
    }

    /// Lanczos-resized as diffusers' mask processor resizes a mask of another size (after the
    /// grayscale conversion).
    public func resized(width newWidth: Int, height newHeight: Int) throws -> PixelMask {
        if newWidth == width, newHeight == height { return self }
        let image = try grayImage.resized(width: newWidth, height: newHeight)
        return try PixelMask(width: newWidth, height: newHeight,
                             values: stride(from: 0, to: image.pixels.count, by: 3).map { Float(image.pixels[$0]) / 255 })
    }

    /// Black and white swapped (`--invert-mask`).
    public func inverted() -> PixelMask { PixelMask(unchecked: self, values: values.map { 1 - $0 }) }

    /// diffusers' `do_binarize`: values below 0.5 become 0, the rest 1.
    public func binarized() -> PixelMask { PixelMask(unchecked: self, values: values.map { $0 < 0.5 ? 0 : 1 }) }

    /// Gaussian blur with standard deviation `sigma` pixels over a (2 * round(2.5 sigma) + 1)-tap
    /// kernel, edges replicated: A1111's mask blur (OpenCV's `GaussianBlur` with that kernel size).
    public func blurred(sigma: Double) -> PixelMask {
        guard sigma > 0 else { return self }
        let radius = Int(2.5 * sigma + 0.5)
        var kernel = (-radius...radius).map { Float(Foundation.exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let sum = kernel.reduce(0, +)
        kernel = kernel.map { $0 / sum }
        func pass(_ input: [Float], along horizontal: Bool) -> [Float] {
            var out = [Float](repeating: 0, count: input.count)
            for y in 0..<height {
                for x in 0..<width {
                    var acc: Float = 0
                    for (k, weight) in kernel.enumerated() {
                        let offset = k - radius
                        let sx = horizontal ? min(max(x + offset, 0), width - 1) : x
                        let sy = horizontal ? y : min(max(y + offset, 0), height - 1)
                        acc += weight * input[sy * width + sx]
                    }
                    out[y * width + x] = acc
                }
            }
            return out
        }
        return PixelMask(unchecked: self, values: pass(pass(values, along: true), along: false))
    }

    /// Nearest-neighbour downsampling to the latent grid, as `F.interpolate(mask, size=...)`.
    public func nearest(width outW: Int, height outH: Int) throws -> [Float] {
        try Tensor(shape: [1, height, width, 1], values: values).resizedNearest(height: outH, width: outW).array
    }

    private init(unchecked mask: PixelMask, values: [Float]) {
        width = mask.width
        height = mask.height
        self.values = values
    }
}
