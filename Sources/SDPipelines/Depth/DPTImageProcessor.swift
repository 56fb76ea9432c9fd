import Foundation
import SDCompute
import SDWeights

/// transformers' `DPTImageProcessor` (its PIL backend, which is also what the original
/// `DPTFeatureExtractor` did) configured by a `preprocessor_config.json`: resize with Pillow (to
/// `size`, or keeping the aspect ratio and rounding to `ensure_multiple_of`), rescale, normalise,
/// optionally centre-pad to `size_divisor`. Missing keys take the class defaults.
public struct DPTImageProcessor: Codable, Equatable, Sendable {
    public var doResize = true
    public var height = 384
    public var width = 384
    /// PIL resampling code: 1 LANCZOS, 2 BILINEAR, 3 BICUBIC (the class default).
    public var resample = 3
    public var keepAspectRatio = false
    public var ensureMultipleOf = 1
    public var doRescale = true
    public var rescaleFactor = 1.0 / 255.0
    public var doNormalize = true
    public var imageMean = [0.5, 0.5, 0.5]
    public var imageStd = [0.5, 0.5, 0.5]
    public var doPad = false
    public var sizeDivisor: Int?

    public init() {}

    /// stabilityai/stable-diffusion-2-depth `feature_extractor/preprocessor_config.json`:
    /// 384x384 bilinear, mean and std 0.5.
    public static var stableDiffusion2Depth: DPTImageProcessor {
        var p = DPTImageProcessor()
        p.resample = 2
        return p
    }

    enum CodingKeys: String, CodingKey {
        case doResize = "do_resize", size, resample, keepAspectRatio = "keep_aspect_ratio"
        case ensureMultipleOf = "ensure_multiple_of", doRescale = "do_rescale", rescaleFactor = "rescale_factor"
        case doNormalize = "do_normalize", imageMean = "image_mean", imageStd = "image_std", doPad = "do_pad"
        case sizeDivisor = "size_divisor"
    }

    private enum SizeKeys: String, CodingKey { case height, width }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            (try c.decodeIfPresent(T.self, forKey: key)) ?? fallback
        }
        let d = DPTImageProcessor()
        doResize = try read(.doResize, d.doResize)
        if let side = try? c.decodeIfPresent(Int.self, forKey: .size) {
            (height, width) = (side, side)
        } else if c.contains(.size), try !c.decodeNil(forKey: .size) {
            let size = try c.nestedContainer(keyedBy: SizeKeys.self, forKey: .size)
            height = try size.decode(Int.self, forKey: .height)
            width = try size.decode(Int.self, forKey: .width)
        }
        resample = try read(.resample, d.resample)
        keepAspectRatio = try read(.keepAspectRatio, d.keepAspectRatio)
        ensureMultipleOf = try read(.ensureMultipleOf, d.ensureMultipleOf)
        doRescale = try read(.doRescale, d.doRescale)
        rescaleFactor = try read(.rescaleFactor, d.rescaleFactor)
        doNormalize = try read(.doNormalize, d.doNormalize)
        imageMean = try DPTImageProcessor.channels(c, .imageMean) ?? d.imageMean
        imageStd = try DPTImageProcessor.channels(c, .imageStd) ?? d.imageStd
        doPad = try read(.doPad, d.doPad)
        sizeDivisor = try c.decodeIfPresent(Int.self, forKey: .sizeDivisor)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(doResize, forKey: .doResize)
        var size = c.nestedContainer(keyedBy: SizeKeys.self, forKey: .size)
        try size.encode(height, forKey: .height)
        try size.encode(width, forKey: .width)
        try c.encode(resample, forKey: .resample)
        try c.encode(keepAspectRatio, forKey: .keepAspectRatio)
        try c.encode(ensureMultipleOf, forKey: .ensureMultipleOf)
        try c.encode(doRescale, forKey: .doRescale)
        try c.encode(rescaleFactor, forKey: .rescaleFactor)
        try c.encode(doNormalize, forKey: .doNormalize)
        try c.encode(imageMean, forKey: .imageMean)
        try c.encode(imageStd, forKey: .imageStd)
        try c.encode(doPad, forKey: .doPad)
        try c.encodeIfPresent(sizeDivisor, forKey: .sizeDivisor)
    }

    /// A per-channel list, or one number for all three channels.
    private static func channels(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Double]? {
        if let one = try? c.decodeIfPresent(Double.self, forKey: key) { return [one, one, one] }
        return try c.decodeIfPresent([Double].self, forKey: key)
    }

    /// Reads a `preprocessor_config.json`; errors name the file.
    public init(contentsOf url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.fileMissing(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsError.unreadable(path: path, reason: "cannot read")
        }
        do {
            self = try JSONDecoder().decode(DPTImageProcessor.self, from: data)
        } catch {
            throw WeightsError.badConfig(path: path, detail: "\(error)")
        }
    }

    /// The resized size for an input size (`get_resize_output_image_size`): `size`, or with
    /// `keep_aspect_ratio` the side scaled least decides both; then each side is rounded to a
    /// multiple of `ensure_multiple_of` (Python's round: halves to even).
    public func outputSize(width inW: Int, height inH: Int) -> (width: Int, height: Int) {
        guard doResize else { return (inW, inH) }
        var scaleH = Double(height) / Double(inH)
        var scaleW = Double(width) / Double(inW)
        if keepAspectRatio {
            if abs(1 - scaleW) < abs(1 - scaleH) { scaleH = scaleW } else { scaleW = scaleH }
        }
        let multiple = Double(ensureMultipleOf)
        func constrain(_ value: Double) -> Int {
            var x = (value / multiple).rounded(.toNearestOrEven) * multiple
            if x < 0 { x = (value / multiple).rounded(.up) * multiple }
            return Int(x)
        }
        return (constrain(scaleW * Double(inW)), constrain(scaleH * Double(inH)))
    }

    /// NHWC pixel values [1, H, W, 3] for the model.
    public func callAsFunction(_ image: RGBImage) throws -> Tensor {
        guard let filter = ResampleFilter(pillowCode: resample) else {
            throw PipelineError.invalidOption(option: "resample", value: "\(resample)",
                                              reason: "only PIL's LANCZOS (1), BILINEAR (2) and BICUBIC (3) are implemented")
        }
        guard imageMean.count == 3, imageStd.count == 3, imageStd.allSatisfy({ $0 != 0 }), ensureMultipleOf > 0 else {
            throw PipelineError.invalidOption(option: "image processor", value: "mean \(imageMean), std \(imageStd)",
                                              reason: "needs 3 means, 3 non-zero stds and ensure_multiple_of > 0")
        }
        let size = outputSize(width: image.width, height: image.height)
        let resized = doResize ? try image.resized(width: size.width, height: size.height, filter: filter) : image
        // As numpy: rescale in float64, store float32, then normalise in float32.
        let scale = doRescale ? rescaleFactor : 1
        let mean = imageMean.map { Float($0) }, std = imageStd.map { Float($0) }
        var values = [Float](repeating: 0, count: resized.pixels.count)
        for (i, byte) in resized.pixels.enumerated() {
            let v = Float(Double(byte) * scale)
            values[i] = doNormalize ? (v - mean[i % 3]) / std[i % 3] : v
        }
        let pixels = Tensor(shape: [1, resized.height, resized.width, 3], values: values)
        guard doPad, let divisor = sizeDivisor, divisor > 0 else { return pixels }
        func split(_ side: Int) -> (Int, Int) {
            let total = (side + divisor - 1) / divisor * divisor - side
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(resized.height), (left, right) = split(resized.width)
        return try pixels.padded(top: top, left: left, bottom: bottom, right: right)
    }
}
