import Foundation
import SDWeights

extension DPTDepthEstimator {
    /// Weight files a transformers folder may hold, in the order transformers prefers them.
    static let folderWeightFiles = ["model.safetensors", "model.safetensors.index.json", "model.fp16.safetensors",
                                    "pytorch_model.bin", "pytorch_model.bin.index.json"]

    /// A transformers folder (`config.json` + `model.safetensors`): what Intel/dpt-hybrid-midas and
    /// the `depth_estimator/` folder of stabilityai/stable-diffusion-2-depth hold.
    public convenience init(folder: URL) throws {
        let config = try DPTConfig(contentsOf: folder.appendingPathComponent("config.json"))
        let weights = DPTDepthEstimator.folderWeightFiles.map { folder.appendingPathComponent($0) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
        guard let weights else {
            throw WeightsError.missingComponent(path: folder.path, component: "model.safetensors (or pytorch_model.bin)")
        }
        try self.init(config: config, weights: WeightStore(contentsOf: weights))
    }

    /// An original MiDaS release file (`dpt_hybrid-midas-501f0c75.pt`: torch zip pickle, read
    /// without executing code) under its timm names; `config` describes the network, by default the
    /// released DPT-Hybrid. Errors name the file's own tensor names.
    public convenience init(midasCheckpoint url: URL, config: DPTConfig = .midasHybrid) throws {
        let store = try MiDaSNameMap.transformersStore(from: url, hiddenSize: config.hiddenSize)
        do {
            try self.init(config: config, weights: store)
        } catch {
            throw MiDaSNameMap.restated(error)
        }
    }

    /// A transformers folder or a MiDaS checkpoint file, whichever `url` is.
    public static func load(_ url: URL, midasConfig: DPTConfig = .midasHybrid) throws -> DPTDepthEstimator {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw WeightsError.fileMissing(path: url.path)
        }
        return isFolder.boolValue ? try DPTDepthEstimator(folder: url)
            : try DPTDepthEstimator(midasCheckpoint: url, config: midasConfig)
    }
}
