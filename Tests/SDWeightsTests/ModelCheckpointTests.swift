import Foundation
import XCTest
@testable import SDWeights

final class ModelCheckpointTests: XCTestCase {
    func model(_ name: String) -> URL { TestFiles.models.appendingPathComponent(name) }

    func requireFixtures() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: model("sd1.safetensors").path),
                          "model fixtures not generated (scripts/make-fixtures.py)")
    }

    /// Same names, shapes, dtypes and bytes.
    func assertIdentical(_ actual: WeightStore, _ expected: WeightStore, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.names, expected.names, "\(actual.source) vs \(expected.source)", file: file, line: line)
        var differing: [String] = []
        for (name, reference) in expected.tensors {
            guard let tensor = actual.tensors[name] else { continue }
            if tensor.shape != reference.shape || tensor.dtype != reference.dtype || !tensor.bytes.elementsEqual(reference.bytes) {
                differing.append(name)
            }
        }
        XCTAssertEqual(differing.sorted(), [], "tensors differing from \(expected.source)", file: file, line: line)
    }

    func testSD1ThreeFormatsGiveIdenticalDiffusersWeights() throws {
        try requireFixtures()
        let folder = try ModelCheckpoint.load(path: model("sd1"))
        let safetensors = try ModelCheckpoint.load(path: model("sd1.safetensors"))
        let ckpt = try ModelCheckpoint.load(path: model("sd1.ckpt"))
        XCTAssertEqual(folder.format, .diffusers)
        XCTAssertEqual(safetensors.format, .singleFileSafetensors)
        XCTAssertEqual(ckpt.format, .singleFileCkpt)
        XCTAssertGreaterThan(folder.unet.tensors.count, 100)
        for single in [safetensors, ckpt] {
            assertIdentical(single.unet, folder.unet)
            assertIdentical(single.vae, folder.vae)
            assertIdentical(single.textEncoder, folder.textEncoder)
            XCTAssertEqual(single.unmappedTensors, [])
            XCTAssertEqual(single.family, .sd1)
            XCTAssertEqual(single.variant, .base)
            XCTAssertEqual(single.prediction, .epsilon)
            XCTAssertEqual(single.dtype, .f16)
        }
        XCTAssertEqual(folder.family, .sd1)
        XCTAssertEqual(folder.prediction, .epsilon)
        XCTAssertEqual(folder.predictionSource, .schedulerConfig)
        XCTAssertEqual(folder.tokenizerURL?.lastPathComponent, "tokenizer")
        // The VAE attention 1x1 convolutions became linear weights.
        XCTAssertEqual(try safetensors.vae.tensor("decoder.mid_block.attentions.0.to_q.weight").shape, [32, 32])
    }

    func testSD1SynthesisedConfigsMatchTheFolder() throws {
        try requireFixtures()
        let folder = try ModelCheckpoint.load(path: model("sd1"))
        for name in ["sd1.safetensors", "sd1.ckpt"] {
            let single = try ModelCheckpoint.load(path: model(name))
            XCTAssertEqual(single.unetConfig, folder.unetConfig, name)
            XCTAssertEqual(single.vaeConfig, folder.vaeConfig, name)
            var text = single.textEncoderConfig
            // Not derivable from shapes (the fixture's 16-wide encoder has 4 heads; projection is unused by SD).
            XCTAssertEqual(text.numAttentionHeads, 1)
            text.numAttentionHeads = folder.textEncoderConfig.numAttentionHeads
            XCTAssertEqual(text, folder.textEncoderConfig, name)
        }
        // Without the yaml, SD1 defaults (8 heads) give the same U-Net.
        let directory = try TestFiles.temporaryDirectory(self)
        let bare = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.createSymbolicLink(at: bare, withDestinationURL: model("sd1.safetensors"))
        let noYAML = try ModelCheckpoint.load(path: bare)
        XCTAssertEqual(noYAML.unetConfig, folder.unetConfig)
        XCTAssertEqual(noYAML.predictionSource, .assumed)
        XCTAssertFalse(noYAML.predictionNeedsProbe)
    }

    func testConfigFolderReplacesSynthesisedConfigs() throws {
        try requireFixtures()
        let folder = try ModelCheckpoint.load(path: model("sd1"))
        let single = try ModelCheckpoint.load(path: model("sd1.ckpt"), options: ModelLoadOptions(configFolder: model("sd1")))
        XCTAssertEqual(single.textEncoderConfig, folder.textEncoderConfig)
        XCTAssertEqual(single.unetConfig, folder.unetConfig)
        XCTAssertEqual(single.schedulerConfig, folder.schedulerConfig)
    }

    func testSD2OpenCLIPMapsToTheDiffusersTextEncoder() throws {
        try requireFixtures()
        let folder = try ModelCheckpoint.load(path: model("sd2"))
        let single = try ModelCheckpoint.load(path: model("sd2.safetensors"))
        assertIdentical(single.textEncoder, folder.textEncoder)
        assertIdentical(single.unet, folder.unet)
        assertIdentical(single.vae, folder.vae)
        XCTAssertEqual(single.unmappedTensors, [])
        // q/k/v come from rows of the fused in_proj: zero-copy slices of the file.
        let q = try single.textEncoder.tensor("text_model.encoder.layers.1.self_attn.q_proj.weight", shape: [16, 16])
        let k = try single.textEncoder.tensor("text_model.encoder.layers.1.self_attn.k_proj.weight", shape: [16, 16])
        XCTAssertEqual(k.bytes.baseAddress, q.bytes.baseAddress! + 16 * 16 * 2)
        XCTAssertFalse(single.textEncoder.contains("text_model.encoder.layers.2.mlp.fc1.weight"), "last OpenCLIP layer dropped")

        XCTAssertEqual(single.family, .sd2)
        XCTAssertEqual(folder.family, .sd2)
        XCTAssertEqual(single.prediction, .v)
        XCTAssertEqual(single.predictionSource, .originalConfig)
        XCTAssertEqual(folder.prediction, .v)
        XCTAssertEqual(single.schedulerConfig.predictionType, "v_prediction")
        XCTAssertEqual(single.unetConfig, folder.unetConfig)
        XCTAssertEqual(single.textEncoderConfig.numHiddenLayers, 2)
        XCTAssertEqual(single.textEncoderConfig.hiddenAct, "gelu")
        var vae = single.vaeConfig
        vae.sampleSize = folder.vaeConfig.sampleSize  // the shared fixture VAE says 512; SD2-768 files imply 768
        XCTAssertEqual(vae, folder.vaeConfig)
    }

    func testSD2WithoutConfigAssumesEpsilonAndAsksForAProbe() throws {
        try requireFixtures()
        let directory = try TestFiles.temporaryDirectory(self)
        let bare = directory.appendingPathComponent("v2-model.safetensors")
        try FileManager.default.createSymbolicLink(at: bare, withDestinationURL: model("sd2.safetensors"))
        let loaded = try ModelCheckpoint.load(path: bare)
        XCTAssertEqual(loaded.prediction, .epsilon)
        XCTAssertEqual(loaded.predictionSource, .assumed)
        XCTAssertTrue(loaded.predictionNeedsProbe)
        let probed = loaded.settingPrediction(.v, source: .probe)
        XCTAssertEqual(probed.prediction, .v)
        XCTAssertEqual(probed.schedulerConfig.predictionType, "v_prediction")
        XCTAssertFalse(probed.predictionNeedsProbe)
        // Heads of width 64 is the SD2 default; the fixture is too narrow for it, so it yields one head.
        XCTAssertEqual(loaded.unetConfig.attentionHeads, [1, 1, 1, 1])
        let forced = try ModelCheckpoint.load(path: bare, options: ModelLoadOptions(prediction: .v))
        XCTAssertEqual(forced.prediction, .v)
        XCTAssertEqual(forced.predictionSource, .override)
    }

    func testVariantsOfDiffusersFolders() throws {
        try requireFixtures()
        let inpaint = try ModelCheckpoint.load(path: model("sd2-inpaint"))
        XCTAssertEqual(inpaint.variant, .inpaint)
        XCTAssertEqual(inpaint.unetConfig.inChannels, 9)
        XCTAssertEqual(inpaint.prediction, .epsilon)
        XCTAssertEqual(inpaint.family, .sd2)
        let depth = try ModelCheckpoint.load(path: model("sd2-depth"))
        XCTAssertEqual(depth.variant, .depth)
        XCTAssertEqual(depth.unetConfig.inChannels, 5)
        XCTAssertEqual(depth.extraComponents.count, 0)
        let upscaler = try ModelCheckpoint.load(path: model("x4-upscaler"))
        XCTAssertEqual(upscaler.variant, .upscale)
        XCTAssertEqual(upscaler.unetConfig.inChannels, 7)
        XCTAssertEqual(upscaler.unetConfig.numClassEmbeds, 1000)
        XCTAssertEqual(upscaler.unetConfig.onlyCrossAttention, .many([true, true, true, false]))
        XCTAssertEqual(upscaler.prediction, .v)
        XCTAssertEqual(upscaler.maxNoiseLevel, 350)
        XCTAssertEqual(upscaler.lowResSchedulerConfig?.className, "DDPMScheduler")
        XCTAssertEqual(upscaler.vaeConfig.scalingFactor, 0.08333)
        XCTAssertEqual(upscaler.vaeConfig.blockOutChannels, [32, 32, 64])
    }

    /// in_channels of the first convolution decides the variant of a single file without a config.
    func testSingleFileVariantFromInputChannels() throws {
        try requireFixtures()
        let source = try SafetensorsFile(url: model("sd1.safetensors"))
        let directory = try TestFiles.temporaryDirectory(self)
        for (channels, variant) in [(4, ModelVariant.base), (5, .depth), (9, .inpaint), (7, .upscale)] {
            let entries = source.names.map { name -> SafetensorsWriter.Entry in
                let tensor = source.tensors[name]!
                if name == "model.diffusion_model.input_blocks.0.0.weight" {
                    return .init(name: name, dtype: .f16, shape: [32, channels, 3, 3], data: Data(count: 32 * channels * 9 * 2))
                }
                return .init(name: name, dtype: tensor.dtype, shape: tensor.shape, data: Data(tensor.bytes))
            }
            let url = directory.appendingPathComponent("in\(channels).safetensors")
            try SafetensorsWriter.write(entries: entries, to: url)
            let loaded = try ModelCheckpoint.load(path: url)
            XCTAssertEqual(loaded.variant, variant, "in_channels \(channels)")
            XCTAssertEqual(loaded.unetConfig.inChannels, channels)
        }
    }

    func testMissingUNetFolderIsNamed() throws {
        try requireFixtures()
        let directory = try TestFiles.temporaryDirectory(self)
        for part in ["model_index.json", "vae", "text_encoder", "tokenizer", "scheduler"] {
            try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(part),
                                                       withDestinationURL: model("sd1").appendingPathComponent(part))
        }
        XCTAssertThrowsError(try ModelCheckpoint.load(path: directory)) { error in
            XCTAssertEqual(error as? WeightsError, .missingComponent(path: directory.path, component: "unet/"))
            XCTAssertTrue("\(error)".contains("unet/"))
        }
        // A unet/ folder with a config but no weights.
        let unet = directory.appendingPathComponent("unet")
        try FileManager.default.createDirectory(at: unet, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model("sd1/unet/config.json"), to: unet.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try ModelCheckpoint.load(path: directory)) { error in
            XCTAssertEqual(error as? WeightsError, .missingComponent(path: directory.path, component: "unet/ weights (*.safetensors or *.bin)"))
        }
    }

    func testSingleFileWithoutVAEIsNamed() throws {
        try requireFixtures()
        let source = try SafetensorsFile(url: model("sd1.safetensors"))
        let entries = source.names.filter { !$0.hasPrefix("first_stage_model.") }.map { name -> SafetensorsWriter.Entry in
            let tensor = source.tensors[name]!
            return .init(name: name, dtype: tensor.dtype, shape: tensor.shape, data: Data(tensor.bytes))
        }
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("novae.safetensors")
        try SafetensorsWriter.write(entries: entries, to: url)
        XCTAssertThrowsError(try ModelCheckpoint.load(path: url)) { error in
            XCTAssertEqual(error as? WeightsError, .missingComponent(path: url.path, component: "first_stage_model.* tensors (VAE)"))
        }
    }

    func testShapeMismatchMissingAndUnknownTensors() throws {
        try requireFixtures()
        let loaded = try ModelCheckpoint.load(path: model("sd1.safetensors"))
        XCTAssertNoThrow(try loaded.unet.tensor("conv_in.weight", shape: [32, 4, 3, 3]))
        XCTAssertThrowsError(try loaded.unet.tensor("conv_in.weight", shape: [32, 9, 3, 3])) { error in
            XCTAssertEqual(error as? WeightsError, .shapeMismatch(name: "conv_in.weight", expected: [32, 9, 3, 3],
                                                                  got: [32, 4, 3, 3], source: loaded.unet.source))
            XCTAssertTrue("\(error)".contains("sd1.safetensors"))
        }
        XCTAssertThrowsError(try loaded.unet.tensor("nope.weight")) { error in
            XCTAssertEqual(error as? WeightsError, .missingTensor(name: "nope.weight", source: loaded.unet.source))
        }
        var consumed = Set(loaded.unet.names)
        XCTAssertNoThrow(try loaded.unet.checkNoUnknownTensors(consumed: consumed))
        consumed.remove("conv_out.bias")
        XCTAssertThrowsError(try loaded.unet.checkNoUnknownTensors(consumed: consumed)) { error in
            XCTAssertEqual(error as? WeightsError, .unknownTensors(names: ["conv_out.bias"], source: loaded.unet.source))
        }
        XCTAssertEqual(loaded.unet.unusedNames(consumed: consumed, ignoring: ["conv_out."]), [])
    }

    func testShardedAndVariantWeightsInAFolder() throws {
        try requireFixtures()
        let reference = try ModelCheckpoint.load(path: model("sd1"))
        let directory = try TestFiles.temporaryDirectory(self)
        for part in ["model_index.json", "vae", "text_encoder", "tokenizer", "scheduler"] {
            try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(part),
                                                       withDestinationURL: model("sd1").appendingPathComponent(part))
        }
        let unet = directory.appendingPathComponent("unet")
        try FileManager.default.createDirectory(at: unet, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model("sd1/unet/config.json"), to: unet.appendingPathComponent("config.json"))
        // Two shards and their index.
        let names = reference.unet.names
        var weightMap: [String: String] = [:]
        for (shard, part) in [names.prefix(names.count / 2), names.dropFirst(names.count / 2)].enumerated() {
            let file = "diffusion_pytorch_model-0000\(shard + 1)-of-00002.safetensors"
            try SafetensorsWriter.write(entries: part.map { name in
                let tensor = reference.unet.tensors[name]!
                return .init(name: name, dtype: tensor.dtype, shape: tensor.shape, data: Data(tensor.bytes))
            }, to: unet.appendingPathComponent(file))
            for name in part { weightMap[name] = file }
        }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": [:] as [String: String], "weight_map": weightMap])
        try index.write(to: unet.appendingPathComponent("diffusion_pytorch_model.safetensors.index.json"))
        assertIdentical(try ModelCheckpoint.load(path: directory).unet, reference.unet)

        // An fp16 variant file is chosen when asked for; the plain file stays the default.
        let conv = reference.unet.tensors["conv_in.weight"]!
        try SafetensorsWriter.write(entries: [.init(name: "conv_in.weight", dtype: conv.dtype, shape: conv.shape, data: Data(conv.bytes))],
                                    to: unet.appendingPathComponent("diffusion_pytorch_model.fp16.safetensors"))
        XCTAssertEqual(try ModelCheckpoint.load(path: directory).unet.tensors.count, reference.unet.tensors.count)
        XCTAssertEqual(try ModelCheckpoint.load(path: directory, options: ModelLoadOptions(weightVariant: "fp16")).unet.names,
                       ["conv_in.weight"])

        // A shard the index names but that is missing.
        try FileManager.default.removeItem(at: unet.appendingPathComponent("diffusion_pytorch_model-00002-of-00002.safetensors"))
        XCTAssertThrowsError(try ModelCheckpoint.load(path: directory)) { error in
            XCTAssertEqual(error as? WeightsError,
                           .fileMissing(path: unet.appendingPathComponent("diffusion_pytorch_model-00002-of-00002.safetensors").path))
        }
    }

    func testEMAWeightsAreUsedOnlyWhenAsked() throws {
        try requireFixtures()
        let source = try SafetensorsFile(url: model("sd1.safetensors"))
        var entries = source.names.map { name -> SafetensorsWriter.Entry in
            let tensor = source.tensors[name]!
            return .init(name: name, dtype: tensor.dtype, shape: tensor.shape, data: Data(tensor.bytes))
        }
        let conv = source.tensors["model.diffusion_model.out.2.weight"]!
        let ema = Data([UInt8](repeating: 0x3C, count: conv.bytes.count))  // 0x3C3C = f16 1.0586
        entries.append(.init(name: "model_ema.diffusion_modelout2weight", dtype: .f16, shape: conv.shape, data: ema))
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("ema.safetensors")
        try SafetensorsWriter.write(entries: entries, to: url)
        let plain = try ModelCheckpoint.load(path: url)
        XCTAssertTrue(plain.unet.tensors["conv_out.weight"]!.bytes.elementsEqual(conv.bytes))
        let withEMA = try ModelCheckpoint.load(path: url, options: ModelLoadOptions(useEMA: true))
        XCTAssertTrue(withEMA.unet.tensors["conv_out.weight"]!.bytes.elementsEqual(ema))
    }

    /// Older diffusers folders: VAE attention named query/key/value/proj_attn, a text encoder
    /// without the `text_model.` level and with the position_ids buffer.
    func testLegacyDiffusersFolderLayouts() throws {
        try requireFixtures()
        let reference = try ModelCheckpoint.load(path: model("sd1"))
        let directory = try TestFiles.temporaryDirectory(self)
        for part in ["model_index.json", "unet", "tokenizer", "scheduler"] {
            try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(part),
                                                       withDestinationURL: model("sd1").appendingPathComponent(part))
        }
        func entries(_ store: WeightStore, _ rename: (String) -> String) -> [SafetensorsWriter.Entry] {
            store.names.map { name in
                let tensor = store.tensors[name]!
                return .init(name: rename(name), dtype: tensor.dtype, shape: tensor.shape, data: Data(tensor.bytes))
            }
        }
        let vae = directory.appendingPathComponent("vae")
        try FileManager.default.createDirectory(at: vae, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model("sd1/vae/config.json"), to: vae.appendingPathComponent("config.json"))
        try SafetensorsWriter.write(entries: entries(reference.vae) { name in
            name.replacingOccurrences(of: "attentions.0.to_q.", with: "attentions.0.query.")
                .replacingOccurrences(of: "attentions.0.to_k.", with: "attentions.0.key.")
                .replacingOccurrences(of: "attentions.0.to_v.", with: "attentions.0.value.")
                .replacingOccurrences(of: "attentions.0.to_out.0.", with: "attentions.0.proj_attn.")
        }, to: vae.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        let text = directory.appendingPathComponent("text_encoder")
        try FileManager.default.createDirectory(at: text, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model("sd1/text_encoder/config.json"), to: text.appendingPathComponent("config.json"))
        var textEntries = entries(reference.textEncoder) { String($0.dropFirst("text_model.".count)) }
        textEntries.append(.init(name: "embeddings.position_ids", dtype: .i64, shape: [1, 77],
                                 data: Data(TestFiles.bytes(of: (0..<77).map { Int64($0) }))))
        try SafetensorsWriter.write(entries: textEntries, to: text.appendingPathComponent("model.safetensors"))
        let loaded = try ModelCheckpoint.load(path: directory)
        assertIdentical(loaded.vae, reference.vae)
        assertIdentical(loaded.textEncoder, reference.textEncoder)
    }

    func testMissingPath() {
        let url = URL(fileURLWithPath: "/nonexistent/model.safetensors")
        XCTAssertThrowsError(try ModelCheckpoint.load(path: url)) { error in
            XCTAssertEqual(error as? WeightsError, .fileMissing(path: url.path))
        }
    }
}
