import Foundation
import SDCompute
@testable import SDModels
import SDWeights
import XCTest

/// DPT-Hybrid (MiDaS) against transformers' DPTForDepthEstimation on the tiny random models of
/// scripts/make-depth-fixtures.py: both load paths (transformers folder, MiDaS release names),
/// other input sizes, the variant config paths, and loading errors.
final class DPTDepthEstimatorTests: XCTestCase {
    /// max |swift - transformers| / max |transformers|. float32 vs float64 in PyTorch differ by 3e-6
    /// relative on these outputs, so 1e-4 leaves a wide margin for summation order.
    let tolerance: Float = 1e-4

    static let folder = ModelFixtures.model("dpt-hybrid")
    static let midasFile = ModelFixtures.model("dpt-hybrid-midas.pt")
    static let variantFolder = ModelFixtures.model("dpt-hybrid-variant")

    private func tinyConfig() throws -> DPTConfig {
        try DPTConfig(contentsOf: Self.folder.appendingPathComponent("config.json"))
    }

    private func check(_ model: DPTDepthEstimator, input: String, output: String,
                       file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        let ref = try ModelFixtures.reference("dpt-hybrid")
        let depth = try model.predictDepth(pixelValues: ModelFixtures.tensor(ref, input).nchwToNHWC())
        let expected = try ModelFixtures.tensor(ref, output)
        XCTAssertEqual(depth.shape, expected.shape, file: file, line: line)
        let err = ModelFixtures.relativeError(depth, expected)
        XCTAssertLessThan(err, tolerance, "\(output) relative error \(err)", file: file, line: line)
        print("DPT parity \(output): relative error \(err)")
        return depth
    }

    func testTransformersFolderMatchesTransformers() throws {
        let model = try DPTDepthEstimator(folder: Self.folder)
        XCTAssertEqual(model.config.hiddenSize, 32)
        _ = try check(model, input: "model.pixel_values", output: "model.predicted_depth")
    }

    func testOtherInputSizesResizeThePositionEmbedding() throws {
        let model = try DPTDepthEstimator(folder: Self.folder)
        _ = try check(model, input: "model_48x48.pixel_values", output: "model_48x48.predicted_depth")
        _ = try check(model, input: "model_48x80.pixel_values", output: "model_48x80.predicted_depth")
    }

    func testMiDaSCheckpointGivesTheSameModel() throws {
        let midas = try DPTDepthEstimator(midasCheckpoint: Self.midasFile, config: tinyConfig())
        let fromMiDaS = try check(midas, input: "model.pixel_values", output: "model.predicted_depth")
        let folder = try DPTDepthEstimator(folder: Self.folder)
        let ref = try ModelFixtures.reference("dpt-hybrid")
        let fromFolder = try folder.predictDepth(pixelValues: ModelFixtures.tensor(ref, "model.pixel_values").nchwToNHWC())
        // The float16 folder and the float32 MiDaS file hold the same values: identical outputs.
        XCTAssertEqual(fromMiDaS.array, fromFolder.array)
    }

    func testVariantConfigPaths() throws {
        // BatchNorm folded into the fusion convolutions, a transposed-convolution reassemble,
        // PyTorch-style padding with the stem's extra pad, no dynamic pool padding, head_in_index 2,
        // readout layers listed out of order.
        let model = try DPTDepthEstimator(folder: Self.variantFolder)
        XCTAssertEqual(model.config.backboneOutIndices, [0, 0, 2, 1])
        XCTAssertTrue(model.config.useBatchNormInFusionResidual)
        _ = try check(model, input: "model.pixel_values", output: "variant.predicted_depth")
    }

    func testLoadDetectsFolderOrMiDaSFile() throws {
        let a = try DPTDepthEstimator.load(Self.folder)
        let b = try DPTDepthEstimator.load(Self.midasFile, midasConfig: tinyConfig())
        XCTAssertEqual(a.config, b.config)
        XCTAssertThrowsError(try DPTDepthEstimator.load(Self.folder.appendingPathComponent("nothing-here"))) { error in
            guard case WeightsError.fileMissing = error else { return XCTFail("\(error)") }
        }
    }

    func testTorchInterpolationMatchesPyTorch() throws {
        let ref = try ModelFixtures.reference("dpt-hybrid")
        let source = try ModelFixtures.tensor(ref, "interp.source").nchwToNHWC()
        let cases: [(String, Bool, Bool)] = [
            ("interp.bilinear_9x4", false, false), ("interp.bilinear_corners_9x13", false, true),
            ("interp.bicubic_9x13", true, false), ("interp.bicubic_3x4", true, false),
            ("interp.bicubic_corners_9x13", true, true),
        ]
        for (name, cubic, corners) in cases {
            let expected = try ModelFixtures.tensor(ref, name)
            let (h, w) = (expected.shape[2], expected.shape[3])
            let got = cubic ? try source.resizedBicubic(height: h, width: w, alignCorners: corners)
                : try source.resizedBilinear(height: h, width: w, alignCorners: corners)
            let err = ModelFixtures.relativeError(try got.nhwcToNCHW(), expected)
            XCTAssertLessThan(err, 1e-6, "\(name) relative error \(err)")
        }
        let depth = try ModelFixtures.tensor(ref, "model.predicted_depth")
        let planes = depth.reshaped([2, 64, 64, 1])
        let resized = try planes.resizedBicubic(height: 8, width: 8, alignCorners: false)
        let err = ModelFixtures.relativeError(resized.reshaped([2, 1, 8, 8]),
                                              try ModelFixtures.tensor(ref, "interp.depth_bicubic_8x8"))
        XCTAssertLessThan(err, 1e-6, "depth bicubic relative error \(err)")
    }

    // MARK: configs and names of the real model

    private func structure() throws -> [String: Any] {
        let data = try Data(contentsOf: ModelFixtures.model("dpt-hybrid-midas-structure.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testMiDaSHybridConfigEqualsIntelConfig() throws {
        let json = try XCTUnwrap(structure()["transformers_config"])
        let decoded = try JSONDecoder().decode(DPTConfig.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(decoded.resolvedBackbone, DPTConfig.midasHybrid.resolvedBackbone)
        var expected = DPTConfig.midasHybrid
        expected.backboneConfig = decoded.backboneConfig
        XCTAssertEqual(decoded, expected)
        XCTAssertEqual(decoded.readoutLayers, [8, 11])
        XCTAssertEqual(decoded.resolvedBackbone.stageChannels, [256, 512, 1024])
        // A hybrid config without backbone_config gets transformers' hybrid BiT.
        let bare = try JSONDecoder().decode(DPTConfig.self, from: Data(#"{"is_hybrid": true}"#.utf8))
        XCTAssertEqual(bare.resolvedBackbone, .dptHybridDefault)
    }

    func testRealMiDaSNamesMapOntoTransformersNames() throws {
        let table = try structure()
        let midas = try XCTUnwrap(table["midas"] as? [String: [Int]])
        let transformers = try XCTUnwrap(table["transformers"] as? [String: [Int]])
        let largest = midas.values.map { $0.reduce(1, *) }.max() ?? 0
        let zeros = OwnedZeros(count: largest * 4)
        let tensors = midas.map { name, shape in
            StoredTensor(name: name, dtype: .f32, shape: shape,
                         bytes: UnsafeRawBufferPointer(rebasing: zeros.bytes[0..<(shape.reduce(1, *) * 4)]),
                         owner: zeros, source: "structure")
        }
        let store = try MiDaSNameMap.transformersStore(from: tensors, hiddenSize: 768, source: "structure")
        XCTAssertEqual(Set(store.names), Set(transformers.keys))
        for (name, shape) in transformers {
            XCTAssertEqual(try store.tensor(name).shape, shape, name)
            let original = try XCTUnwrap(MiDaSNameMap.midasName(name), name)
            XCTAssertNotNil(midas[original], "\(name) -> \(original)")
        }
        XCTAssertEqual(MiDaSNameMap.midasName("neck.fusion_stage.layers.0.residual_layer1.convolution2.bias"),
                       "scratch.refinenet4.resConfUnit1.conv2.bias")
        XCTAssertEqual(MiDaSNameMap.transformersName("pretrained.act_postprocess4.4.weight"),
                       "neck.reassemble_stage.layers.3.resize.weight")
        XCTAssertEqual(MiDaSNameMap.midasName("dpt.encoder.layer.7.attention.attention.value.bias"),
                       "pretrained.model.blocks.7.attn.qkv.bias")
    }

    /// The real release file, when present: `DPT_HYBRID_MIDAS=/path/to/dpt_hybrid-midas-501f0c75.pt`;
    /// with `SD2_DEPTH_ESTIMATOR=/path/to/stable-diffusion-2-depth/depth_estimator` as well, both
    /// load paths must agree.
    func testRealMiDaSCheckpointIfPresent() throws {
        guard let path = ProcessInfo.processInfo.environment["DPT_HYBRID_MIDAS"] else {
            throw XCTSkip("set DPT_HYBRID_MIDAS to dpt_hybrid-midas-501f0c75.pt to run")
        }
        let model = try DPTDepthEstimator(midasCheckpoint: URL(fileURLWithPath: path))
        var values = [Float](repeating: 0, count: 384 * 384 * 3)
        for i in values.indices { values[i] = Float((i * 7919) % 255) / 127.5 - 1 }
        let pixels = Tensor(shape: [1, 384, 384, 3], values: values)
        let depth = try model.predictDepth(pixelValues: pixels)
        XCTAssertEqual(depth.shape, [1, 384, 384])
        XCTAssertTrue(depth.array.allSatisfy(\.isFinite))
        if let folder = ProcessInfo.processInfo.environment["SD2_DEPTH_ESTIMATOR"] {
            let other = try DPTDepthEstimator(folder: URL(fileURLWithPath: folder)).predictDepth(pixelValues: pixels)
            XCTAssertLessThan(ModelFixtures.relativeError(other, depth), 1e-4)
        }
    }

    // MARK: errors

    func testMissingFilesAreTypedErrors() throws {
        let nowhere = FileManager.default.temporaryDirectory.appendingPathComponent("dpt-missing-\(UUID().uuidString)")
        XCTAssertThrowsError(try DPTDepthEstimator(folder: nowhere)) { error in
            XCTAssertEqual(error as? WeightsError, .fileMissing(path: nowhere.appendingPathComponent("config.json").path))
        }
        let pt = nowhere.appendingPathExtension("pt")
        XCTAssertThrowsError(try DPTDepthEstimator(midasCheckpoint: pt)) { error in
            XCTAssertEqual(error as? WeightsError, .fileMissing(path: pt.path))
        }
        // A folder with a config but no weights.
        try FileManager.default.createDirectory(at: nowhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: nowhere) }
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("config.json"),
                                         to: nowhere.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try DPTDepthEstimator(folder: nowhere)) { error in
            guard case WeightsError.missingComponent(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, nowhere.path)
        }
    }

    func testWrongShapeTensorNamesTensorAndFile() throws {
        let file = Self.folder.appendingPathComponent("model.safetensors")
        let st = try SafetensorsFile(url: file)
        let tensors = try st.names.map { name -> StoredTensor in
            let t = try XCTUnwrap(st.tensors[name])
            return name == "neck.convs.2.weight" ? try XCTUnwrap(t.reshaped([16, 24, 9, 1])) : t
        }
        let store = WeightStore(source: file.path, tensors: tensors)
        XCTAssertThrowsError(try DPTDepthEstimator(config: tinyConfig(), weights: store)) { error in
            XCTAssertEqual(error as? WeightsError, .shapeMismatch(name: "neck.convs.2.weight", expected: [16, 24, 3, 3],
                                                                  got: [16, 24, 9, 1], source: file.path))
        }
    }

    func testMiDaSErrorsUseTheFilesNames() throws {
        let path = Self.midasFile.path
        var wider = try tinyConfig()
        wider.neckHiddenSizes[2] = 28
        XCTAssertThrowsError(try DPTDepthEstimator(midasCheckpoint: Self.midasFile, config: wider)) { error in
            XCTAssertEqual(error as? WeightsError, .shapeMismatch(name: "pretrained.act_postprocess3.3.weight",
                                                                  expected: [28, 32, 1, 1], got: [24, 32, 1, 1], source: path))
        }
        var deeper = try tinyConfig()
        deeper.numHiddenLayers = 5
        XCTAssertThrowsError(try DPTDepthEstimator(midasCheckpoint: Self.midasFile, config: deeper)) { error in
            XCTAssertEqual(error as? WeightsError, .missingTensor(name: "pretrained.model.blocks.4.norm1.weight", source: path))
        }
        var shallower = try tinyConfig()
        shallower.numHiddenLayers = 3
        shallower.backboneOutIndices = [0, 1, 1, 2]
        XCTAssertThrowsError(try DPTDepthEstimator(midasCheckpoint: Self.midasFile, config: shallower)) { error in
            guard case let WeightsError.unknownTensors(names, source) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(source, path)
            XCTAssertTrue(names.contains("pretrained.model.blocks.3.attn.qkv.weight"), "\(names)")
        }
        var narrower = try tinyConfig()
        narrower.hiddenSize = 16
        XCTAssertThrowsError(try DPTDepthEstimator(midasCheckpoint: Self.midasFile, config: narrower)) { error in
            guard case let WeightsError.shapeMismatch(name, _, got, source) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(name.hasPrefix("pretrained.model.blocks.") && name.contains(".attn.qkv."), name)
            XCTAssertEqual(got.first, 96)
            XCTAssertEqual(source, path)
        }
        // The release file's default config does not fit the tiny file.
        XCTAssertThrowsError(try DPTDepthEstimator(midasCheckpoint: Self.midasFile)) { error in
            guard case WeightsError.shapeMismatch(_, _, _, path) = error else { return XCTFail("\(error)") }
        }
    }

    func testUnsupportedConfigsAndInputsAreTypedErrors() throws {
        var plain = try tinyConfig()
        plain.isHybrid = false
        XCTAssertThrowsError(try DPTDepthEstimator(config: plain, weights: nil)) { error in
            guard case WeightsError.unsupportedModel = error else { return XCTFail("\(error)") }
        }
        var levels = try tinyConfig()
        levels.backboneOutIndices = [0, 1, 3]
        XCTAssertThrowsError(try DPTDepthEstimator(config: levels, weights: nil)) { error in
            guard case WeightsError.badConfig = error else { return XCTFail("\(error)") }
        }
        let model = try DPTDepthEstimator(folder: Self.folder)
        XCTAssertThrowsError(try model.predictDepth(pixelValues: Tensor(zeros: [1, 64, 64, 4])))
        XCTAssertThrowsError(try model.predictDepth(pixelValues: Tensor(zeros: [1, 40, 64, 3]))) { error in
            guard case ComputeError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
    }
}

/// Zero bytes shared by many `StoredTensor`s (names and shapes of the real model, no weights).
private final class OwnedZeros {
    let bytes: UnsafeMutableRawBufferPointer
    init(count: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }
    deinit { bytes.deallocate() }
}
