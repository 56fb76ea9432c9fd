import Foundation
import SDCompute
import SDModels
@testable import SDPipelines
import SDWeights
import XCTest

/// DPTImageProcessor against transformers' DPTImageProcessor (PIL backend) on a PNG of the image
/// fixtures, Pillow's bilinear/bicubic resizes, and depth estimation end to end
/// (scripts/make-depth-fixtures.py).
final class DPTImageProcessorTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func reference() throws -> SafetensorsFile {
        try SafetensorsFile(url: Self.fixtures.appendingPathComponent("reference/dpt-hybrid.safetensors"))
    }

    private func tensor(_ file: SafetensorsFile, _ name: String) throws -> Tensor {
        let stored = try XCTUnwrap(file.tensors[name], name)
        let t = Tensor(shape: stored.shape)
        try stored.copyFloats(into: t.data)
        return t
    }

    /// The fixture's metadata: the processor configs by case name and the source image.
    private func metadata(_ file: SafetensorsFile) throws -> (configs: [String: Any], image: RGBImage) {
        let text = try XCTUnwrap(file.metadata["fixture"])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let configs = try XCTUnwrap(json["processor_configs"] as? [String: Any])
        let image = try ImageFile.read(Self.fixtures.appendingPathComponent(try XCTUnwrap(json["processor_image"] as? String)))
        return (configs, image)
    }

    private func processor(_ configs: [String: Any], _ name: String) throws -> DPTImageProcessor {
        let config = try XCTUnwrap(configs[name], name)
        return try JSONDecoder().decode(DPTImageProcessor.self, from: JSONSerialization.data(withJSONObject: config))
    }

    private func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.array, b.array).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Pillow-exact resizing makes every value the one transformers computes from the same byte;
    /// float32 rounding is all that is left (the brief's bound would be 2/255 after normalising).
    func testMatchesTransformersPILBackend() throws {
        let file = try reference()
        let (configs, image) = try metadata(file)
        XCTAssertGreaterThanOrEqual(configs.count, 8)
        for name in configs.keys.sorted() {
            let expected = try tensor(file, "processor.\(name)")
            let got = try processor(configs, name)(image)
            XCTAssertEqual(try got.nhwcToNCHW().shape, expected.shape, name)
            let err = maxDifference(try got.nhwcToNCHW(), expected)
            XCTAssertLessThanOrEqual(err, 1e-5, "\(name): max abs difference \(err)")
            print("DPT processor \(name): max abs difference \(err)")
        }
    }

    func testStableDiffusion2DepthConfig() throws {
        let url = Self.fixtures.appendingPathComponent("models/dpt-hybrid/preprocessor_config.json")
        let loaded = try DPTImageProcessor(contentsOf: url)
        XCTAssertEqual(loaded, .stableDiffusion2Depth)
        XCTAssertEqual(loaded.resample, 2)
        let image = try ImageFile.read(Self.fixtures.appendingPathComponent("images/png/resize-source.png"))
        XCTAssertEqual(try loaded(image).shape, [1, 384, 384, 3])
        // Legacy DPTFeatureExtractor configs: "size": 384, class defaults elsewhere (bicubic).
        let legacy = try JSONDecoder().decode(DPTImageProcessor.self, from: Data(#"{"size": 384}"#.utf8))
        XCTAssertEqual([legacy.height, legacy.width, legacy.resample], [384, 384, 3])
        let roundTrip = try JSONDecoder().decode(DPTImageProcessor.self, from: JSONEncoder().encode(loaded))
        XCTAssertEqual(roundTrip, loaded)
    }

    func testOutputSizeRoundsHalvesToEven() {
        var p = DPTImageProcessor()
        (p.height, p.width, p.ensureMultipleOf, p.keepAspectRatio) = (100, 100, 8, true)
        // The width's scale (2) is nearer 1 than the height's (4), so both sides scale by 2:
        // height 50 = 6.25 * 8 -> 48, width 100 = 12.5 * 8 -> 96 (halves to even, as Python's round).
        XCTAssertEqual(p.outputSize(width: 50, height: 25).width, 96)
        XCTAssertEqual(p.outputSize(width: 50, height: 25).height, 48)
    }

    func testBilinearAndBicubicResizesMatchPillowBytes() throws {
        // With rescale and normalise off, the processor's output is Pillow's resized bytes.
        let file = try reference()
        let (configs, image) = try metadata(file)
        for (name, filter) in [("bicubic_up", ResampleFilter.bicubic), ("bilinear_up", .bilinear), ("lanczos_down", .lanczos)] {
            let expected = try tensor(file, "processor.\(name)")
            let resized = try image.resized(width: expected.shape[3], height: expected.shape[2], filter: filter)
            let p = try processor(configs, name)
            let bytes = try expected.nchwToNHWC().array.enumerated().map { i, v in
                UInt8((Double(v) * p.imageStd[i % 3] + p.imageMean[i % 3]) * 255 + 0.5)
            }
            XCTAssertEqual(resized.pixels, bytes, name)
        }
    }

    func testEstimateDepthEndToEnd() throws {
        let file = try reference()
        let (configs, image) = try metadata(file)
        let model = try DPTDepthEstimator(folder: Self.fixtures.appendingPathComponent("models/dpt-hybrid"))
        let depth = try model.estimateDepth(image: image, processor: processor(configs, "tiny_model"))
        let expected = try tensor(file, "estimate.predicted_depth")
        XCTAssertEqual([1, depth.height, depth.width], expected.shape)
        let scale = expected.array.map(abs).max() ?? 1
        let err = zip(depth.values, expected.array).reduce(0) { max($0, abs($1.0 - $1.1)) } / scale
        XCTAssertLessThan(err, 1e-4, "relative error \(err)")
    }

    func testErrors() throws {
        let missing = Self.fixtures.appendingPathComponent("models/dpt-hybrid/no-such-config.json")
        XCTAssertThrowsError(try DPTImageProcessor(contentsOf: missing)) { error in
            XCTAssertEqual(error as? WeightsError, .fileMissing(path: missing.path))
        }
        XCTAssertThrowsError(try JSONDecoder().decode(DPTImageProcessor.self, from: Data(#"{"size": {"height": 3}}"#.utf8)))
        var nearest = DPTImageProcessor()
        nearest.resample = 0
        let image = try RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 9, count: 12))
        XCTAssertThrowsError(try nearest(image)) { error in
            guard case PipelineError.invalidOption(option: "resample", _, _) = error else { return XCTFail("\(error)") }
        }
    }
}
