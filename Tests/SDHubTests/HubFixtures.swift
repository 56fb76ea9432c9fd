import Foundation
import XCTest
@testable import SDHub

/// The fake repos the download tests serve, all made of files already in `Tests/Fixtures`,
/// and the sha256 values of those files (computed with `sha256sum` when the tests were written).
enum HubFixtures {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let models = fixtures.appendingPathComponent("models")
    static let sd1 = models.appendingPathComponent("sd1")

    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static let singleCommit = "89abcdef0123456789abcdef0123456789abcdef"

    static let unetSHA = "f0a97cda8cfcf4b19783a9c45b97bb0d8153da80f6ac52aaa4bfdcf72f2a33f9"
    static let vaeSHA = "f87826dae1be77ff75fa1257bfec5ca975a874cfda26fc961416d9cb881550f6"
    static let textEncoderSHA = "1540a1b1c7d3b41f6fd661fd345c98953cb4381bcdb6a09ec509fb12bea48db2"
    static let singleFileSHA = "713f1207d9022747d831ab1e1bab340d5558024567b0cd6797ea8d730cf1bf3a"
    static let singleYAMLSHA = "66725415373e319f11daf6b35b69b5b513d7c6cad9de0bade18848d03c86d576"

    /// The twelve files of the diffusers fixture, repo-relative.
    static let sd1Files = [
        "model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json", "text_encoder/model.safetensors",
        "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json", "tokenizer/vocab.json",
        "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
    ]

    /// Files a real SD repo also lists that we must never fetch (other formats, unused components).
    static let unwantedFiles = [
        "README.md", "v1-5-pruned.safetensors", "unet/diffusion_flax_model.msgpack", "unet/model.onnx",
        "unet/diffusion_pytorch_model.bin", "unet/diffusion_pytorch_model.non_ema.safetensors", "text_encoder/pytorch_model.bin",
        "safety_checker/config.json", "safety_checker/model.safetensors", "text_encoder_2/config.json",
    ]

    /// `test/sd1`: the diffusers fixture plus the unwanted files (served with small fixture contents).
    static func sd1Repo(token: String? = nil) -> FakeRepo {
        var files: [String: URL] = [:]
        for path in sd1Files { files[path] = sd1.appendingPathComponent(path) }
        for path in unwantedFiles { files[path] = sd1.appendingPathComponent("unet/config.json") }
        return FakeRepo(files: files, commit: commit, token: token)
    }

    /// `test/sd1-fp16`: the U-Net also as an fp16 variant (same bytes), the VAE only plain.
    static func variantRepo() -> FakeRepo {
        var files: [String: URL] = [:]
        for path in sd1Files { files[path] = sd1.appendingPathComponent(path) }
        files["unet/diffusion_pytorch_model.fp16.safetensors"] = sd1.appendingPathComponent("unet/diffusion_pytorch_model.safetensors")
        files["text_encoder/model.fp16.safetensors"] = sd1.appendingPathComponent("text_encoder/model.safetensors")
        return FakeRepo(files: files, commit: commit)
    }

    /// `test/single`: single-file checkpoints in a subfolder, no model_index.json.
    static func singleRepo() -> FakeRepo {
        FakeRepo(files: ["checkpoints/sd1.safetensors": models.appendingPathComponent("sd1.safetensors"),
                         "checkpoints/sd1.yaml": models.appendingPathComponent("sd1.yaml"),
                         "checkpoints/sd1.ckpt": models.appendingPathComponent("sd1.ckpt"),
                         "README.md": sd1.appendingPathComponent("model_index.json")],
                 commit: singleCommit)
    }

    static func allRepos(gatedToken: String = "hf_secret") -> [String: FakeRepo] {
        ["test/sd1": sd1Repo(), "test/sd1-fp16": variantRepo(), "test/single": singleRepo(),
         "test/gated": sd1Repo(token: gatedToken)]
    }

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sdhub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A running fake hub, stopped when the test ends.
    static func server(_ test: XCTestCase, repos: [String: FakeRepo] = allRepos()) throws -> FakeHubServer {
        let server = try FakeHubServer(repos: repos)
        test.addTeardownBlock { server.stop() }
        return server
    }

    /// A client for `server` with its own cache, fast retries and short timeouts.
    static func client(_ server: FakeHubServer, cache: URL, token: String? = nil, offline: Bool = false,
                       variant: String? = nil, maxAttempts: Int = 1, timeout: TimeInterval = 10) -> HubClient {
        HubClient(environment: HubEnvironment(endpoint: server.endpoint, cacheRoot: cache, token: token, offline: offline),
                  options: HubDownloadOptions(variant: variant, requestTimeout: timeout, maxAttempts: maxAttempts, retryDelay: 0.05))
    }
}
