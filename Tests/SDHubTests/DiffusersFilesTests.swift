import Foundation
import XCTest
@testable import SDHub

final class DiffusersFilesTests: XCTestCase {
    private let index = Data("""
        {"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"],
         "vae": ["diffusers", "AutoencoderKL"], "text_encoder": ["transformers", "CLIPTextModel"],
         "tokenizer": ["transformers", "CLIPTokenizer"], "scheduler": ["diffusers", "PNDMScheduler"],
         "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"], "feature_extractor": [null, null],
         "requires_safety_checker": true}
        """.utf8)

    private let repoFiles = [
        ".gitattributes", "README.md", "model_index.json", "v1-5-pruned.ckpt",
        "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.bin",
        "unet/diffusion_pytorch_model.fp16.safetensors", "unet/diffusion_pytorch_model.non_ema.safetensors",
        "unet/diffusion_flax_model.msgpack", "unet/model.onnx",
        "vae/config.json", "vae/diffusion_pytorch_model.bin", "vae/diffusion_pytorch_model.fp16.bin",
        "text_encoder/config.json", "text_encoder/model.safetensors.index.json", "text_encoder/model-00001-of-00002.safetensors",
        "text_encoder/model-00002-of-00002.safetensors", "text_encoder/pytorch_model.bin",
        "tokenizer/merges.txt", "tokenizer/vocab.json", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json",
        "scheduler/scheduler_config.json", "safety_checker/config.json", "safety_checker/model.safetensors",
        "feature_extractor/preprocessor_config.json",
    ]

    func testComponentsSkipNullAndUnused() {
        XCTAssertEqual(DiffusersFiles.components(modelIndex: index), ["unet", "vae", "text_encoder", "tokenizer", "scheduler"])
        XCTAssertNil(DiffusersFiles.components(modelIndex: Data("[1]".utf8)))
    }

    func testSelectionPrefersSafetensorsAndSkipsOtherFormats() throws {
        let components = try XCTUnwrap(DiffusersFiles.components(modelIndex: index))
        XCTAssertEqual(DiffusersFiles.select(files: repoFiles, components: components, variant: nil), [
            "model_index.json",
            "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
            "vae/config.json", "vae/diffusion_pytorch_model.bin",
            "text_encoder/config.json", "text_encoder/model-00001-of-00002.safetensors",
            "text_encoder/model-00002-of-00002.safetensors", "text_encoder/model.safetensors.index.json",
            "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json", "tokenizer/vocab.json",
            "scheduler/scheduler_config.json",
        ])
    }

    func testVariantWithFallback() throws {
        let components = try XCTUnwrap(DiffusersFiles.components(modelIndex: index))
        let chosen = DiffusersFiles.select(files: repoFiles, components: components, variant: "fp16")
        XCTAssertTrue(chosen.contains("unet/diffusion_pytorch_model.fp16.safetensors"))
        XCTAssertFalse(chosen.contains("unet/diffusion_pytorch_model.safetensors"))
        XCTAssertTrue(chosen.contains("vae/diffusion_pytorch_model.fp16.bin"))
        XCTAssertTrue(chosen.contains("text_encoder/model-00001-of-00002.safetensors"), "no fp16 text encoder: plain shards")
    }

    func testWeightFileNames() {
        XCTAssertEqual(WeightFileName("diffusion_pytorch_model.safetensors"), WeightFileName(format: "safetensors", variant: nil, isIndex: false))
        XCTAssertEqual(WeightFileName("diffusion_pytorch_model.fp16.bin"), WeightFileName(format: "bin", variant: "fp16", isIndex: false))
        XCTAssertEqual(WeightFileName("model.fp16-00001-of-00002.safetensors"), WeightFileName(format: "safetensors", variant: "fp16", isIndex: false))
        XCTAssertEqual(WeightFileName("model.safetensors.index.fp16.json"), WeightFileName(format: "safetensors", variant: "fp16", isIndex: true))
        XCTAssertEqual(WeightFileName("model.safetensors.index.json"), WeightFileName(format: "safetensors", variant: nil, isIndex: true))
        XCTAssertNil(WeightFileName("config.json"))
        XCTAssertNil(WeightFileName("model.onnx"))
        XCTAssertNil(WeightFileName("diffusion_flax_model.msgpack"))
    }

    func testMissingChecksConfigsWeightsAndShards() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sdhub-missing-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = ["model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json",
                     "vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json", "text_encoder/model.safetensors.index.json",
                     "text_encoder/model-00001-of-00002.safetensors", "tokenizer/vocab.json", "scheduler/scheduler_config.json"]
        for file in files {
            let url = folder.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: url)
        }
        try index.write(to: folder.appendingPathComponent("model_index.json"))
        try Data(#"{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"#.utf8)
            .write(to: folder.appendingPathComponent("text_encoder/model.safetensors.index.json"))
        XCTAssertEqual(DiffusersFiles.missing(in: folder, variant: nil, strictVariant: true),
                       ["text_encoder/model-00002-of-00002.safetensors", "tokenizer/merges.txt"])
        XCTAssertEqual(DiffusersFiles.missing(in: folder, variant: "fp16", strictVariant: true), [
            "unet/diffusion_pytorch_model.fp16.safetensors", "vae/diffusion_pytorch_model.fp16.safetensors",
            "text_encoder/model.fp16.safetensors", "tokenizer/merges.txt",
        ])
        XCTAssertEqual(DiffusersFiles.missing(in: folder, variant: "fp16", strictVariant: false),
                       ["text_encoder/model-00002-of-00002.safetensors", "tokenizer/merges.txt"])
        XCTAssertEqual(DiffusersFiles.missing(in: folder.appendingPathComponent("none"), variant: nil, strictVariant: false), ["model_index.json"])
    }
}
