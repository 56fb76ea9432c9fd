/// An 8-bit RGB picture, row-major with interleaved channels: what diffusers' `load_image`
/// returns (a PIL image in mode "RGB") and what the pipelines decode latents into.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes: R, G, B of pixel (0, 0), then (1, 0), ...
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, width <= Int(Int32.max) / height / 3,
              pixels.count == width * height * 3 else {
            throw ImageError.invalidSize(width: width, height: height, pixelBytes: pixels.count)
        }
        self.init(uncheckedWidth: width, height: height, pixels: pixels)
    }

    /// For pixels this module produced itself, whose size is right by construction.
    init(uncheckedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
