import SDCompute

/// A depth map for depth-to-image models: larger = nearer, any scale (MiDaS' inverse relative
/// depth, or a grayscale image with white in front). Only its shape matters: the pipeline
/// normalises it to [-1, 1].
public struct DepthMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let values: [Float]

    public init(width: Int, height: Int, values: [Float]) throws {
        guard width > 0, height > 0, values.count == width * height, values.allSatisfy(\.isFinite) else {
            throw PipelineError.invalidOption(option: "depth-map", value: "\(width)x\(height)",
                                              reason: "needs \(width * height) finite values, got \(values.count)")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    /// A depth image (gray; colour is converted to luma as PIL does), values / 255.
    public init(image: RGBImage) throws {
        try self.init(width: image.width, height: image.height, values: PixelMask.luma(image).map { Float($0) / 255 })
    }

    /// diffusers' depth2img conditioning: bicubic resize to the latent grid
    /// (`interpolate(mode="bicubic", align_corners=False)`), then `2 (d - min) / (max - min) - 1`.
    /// A flat map has no shape to follow and is refused.
    public func conditioning(width outW: Int, height outH: Int) throws -> [Float] {
        let resized = try Tensor(shape: [1, height, width, 1], values: values)
            .resizedBicubic(height: outH, width: outW, alignCorners: false).array
        guard let low = resized.min(), let high = resized.max(), high > low else {
            throw PipelineError.invalidOption(option: "depth-map", value: "\(width)x\(height)",
                                              reason: "is flat: a depth map needs some variation")
        }
        return resized.map { 2 * ($0 - low) / (high - low) - 1 }
    }

    /// The map stretched to 0...255 gray at `width` x `height` (bicubic; default its own size),
    /// for writing as an image (`sd depth`).
    public func grayImage(width outW: Int? = nil, height outH: Int? = nil) throws -> RGBImage {
        let (w, h) = (outW ?? width, outH ?? height)
        let values = w == width && h == height ? self.values
            : try Tensor(shape: [1, height, width, 1], values: self.values).resizedBicubic(height: h, width: w, alignCorners: false).array
        let low = values.min() ?? 0, high = values.max() ?? 0
        let span = high > low ? high - low : 1
        let bytes = values.map { UInt8((255 * ($0 - low) / span).rounded()) }
        return try RGBImage(width: w, height: h, pixels: bytes.flatMap { [$0, $0, $0] })
    }
}
