import Foundation
import XCTest
@testable import SDWeights

/// The published checkpoints' tensor tables (names and shapes, rebuilt from the LDM code by
/// scripts/make-weights-structure.py and checked there against diffusers' converters) must map
/// onto exactly the diffusers models' tables, with configs equal to the ones diffusers derives.
final class RealStructureTests: XCTestCase {
    struct Structure: Decodable {
        let yaml: String
        let ldm: [Entry]
        let diffusers: [String: [Entry]]
        let config: Configs
    }

    struct Configs: Decodable {
        let unet: UNet2DConditionConfig
        let vae: AutoencoderKLConfig
        let text_encoder: CLIPTextConfig
    }

    /// `[name, [dims...]]`.
    struct Entry: Decodable {
        let name: String
        let shape: [Int]

        init(from decoder: Decoder) throws {
            var container = try decoder.unkeyedContainer()
            name = try container.decode(String.self)
            shape = try container.decode([Int].self)
        }
    }

    func load(_ model: String, withConfig: Bool) throws -> (ModelCheckpoint, Structure, VirtualBuffer) {
        let url = TestFiles.weights.appendingPathComponent("structure-\(model).json")
        let structure = try JSONDecoder().decode(Structure.self, from: Data(contentsOf: url))
        let sizes = structure.ldm.map { entry -> Int in
            (StoredTensor.elementCount(entry.shape) ?? 0) * (entry.name.hasSuffix("position_ids") ? 8 : 2)
        }
        let buffer = try XCTUnwrap(VirtualBuffer(count: sizes.reduce(0, +)))
        var offset = 0
        var tensors: [StoredTensor] = []
        for (entry, size) in zip(structure.ldm, sizes) {
            let bytes = UnsafeRawBufferPointer(rebasing: buffer.bytes[offset..<(offset + size)])
            tensors.append(StoredTensor(name: entry.name, dtype: entry.name.hasSuffix("position_ids") ? .i64 : .f16,
                                        shape: entry.shape, bytes: bytes, owner: buffer, source: model))
            offset += size
        }
        let ldm = withConfig ? try LDMConfig(yaml: structure.yaml, path: "\(model).yaml") : nil
        let checkpoint = try ModelCheckpoint.singleFile(
            tensors: tensors, url: URL(fileURLWithPath: "/virtual/\(model).safetensors"),
            format: .singleFileSafetensors, ldm: ldm, options: ModelLoadOptions())
        return (checkpoint, structure, buffer)
    }

    func assertTable(_ store: WeightStore, _ expected: [Entry]?, _ what: String) {
        let actual = Dictionary(uniqueKeysWithValues: store.tensors.map { ($0.key, $0.value.shape) })
        let reference = Dictionary(uniqueKeysWithValues: (expected ?? []).map { ($0.name, $0.shape) })
        XCTAssertFalse(reference.isEmpty, what)
        XCTAssertEqual(Set(actual.keys).subtracting(reference.keys).sorted(), [], "\(what): unexpected names")
        XCTAssertEqual(Set(reference.keys).subtracting(actual.keys).sorted(), [], "\(what): missing names")
        let wrong = reference.filter { actual[$0.key] != nil && actual[$0.key] != $0.value }.map(\.key).sorted()
        XCTAssertEqual(wrong, [], "\(what): shapes differ")
    }

    func check(_ model: String, family: ModelFamily, variant: ModelVariant, prediction: PredictionType) throws {
        for withConfig in [true, false] {
            let (checkpoint, structure, buffer) = try load(model, withConfig: withConfig)
            let what = "\(model) \(withConfig ? "with" : "without") yaml"
            assertTable(checkpoint.unet, structure.diffusers["unet"], "\(what) unet")
            assertTable(checkpoint.vae, structure.diffusers["vae"], "\(what) vae")
            assertTable(checkpoint.textEncoder, structure.diffusers["text_encoder"], "\(what) text encoder")
            XCTAssertEqual(checkpoint.unmappedTensors, [], what)
            XCTAssertEqual(checkpoint.family, family, what)
            XCTAssertEqual(checkpoint.variant, variant, what)
            if withConfig || variant == .upscale { XCTAssertEqual(checkpoint.prediction, prediction, what) }

            // Configs: everything a model is built from. Sample size and upcast_attention are
            // runtime preferences diffusers takes from the hub repo, not from the file.
            var unet = checkpoint.unetConfig
            unet.sampleSize = structure.config.unet.sampleSize
            unet.upcastAttention = structure.config.unet.upcastAttention
            if !withConfig && variant == .upscale {
                // Level 0 has no attention: its only_cross_attention flag is in no tensor.
                XCTAssertEqual(unet.onlyCrossAttention, .many([false, true, true, false]), what)
                unet.onlyCrossAttention = structure.config.unet.onlyCrossAttention
            }
            XCTAssertEqual(unet, structure.config.unet, what)
            var vae = checkpoint.vaeConfig
            vae.sampleSize = structure.config.vae.sampleSize
            XCTAssertEqual(vae, structure.config.vae, what)
            XCTAssertEqual(checkpoint.textEncoderConfig, structure.config.text_encoder, what)
            withExtendedLifetime(buffer) {}
        }
    }

    func testSD15() throws {
        try check("sd15", family: .sd1, variant: .base, prediction: .epsilon)
    }

    func testSD21V() throws {
        try check("sd21-v", family: .sd2, variant: .base, prediction: .v)
    }

    func testX4Upscaler() throws {
        try check("x4-upscaler", family: .sd2, variant: .upscale, prediction: .v)
        let (checkpoint, _, buffer) = try load("x4-upscaler", withConfig: true)
        XCTAssertEqual(checkpoint.maxNoiseLevel, 350)
        XCTAssertEqual(checkpoint.lowResSchedulerConfig?.betaEnd, 0.02)
        XCTAssertEqual(checkpoint.schedulerConfig.betaStart, 0.0001)
        withExtendedLifetime(buffer) {}
    }
}
