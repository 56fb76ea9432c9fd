import Foundation

/// Loading a diffusers pipeline folder.
extension ModelCheckpoint {
    /// Weight file names diffusers and transformers write, most preferred first.
    static let weightBaseNames = [
        ("diffusion_pytorch_model", "safetensors"), ("model", "safetensors"),
        ("diffusion_pytorch_model", "bin"), ("pytorch_model", "bin"),
    ]

    /// Finds the weights of one component folder: the requested variant first, then plain
    /// files, then any variant; single files before shard indexes.
    static func weightFile(in folder: URL, variant: String?) -> URL? {
        let manager = FileManager.default
        func candidates(_ variant: String?) -> [String] {
            weightBaseNames.flatMap { base, ext -> [String] in
                guard let variant else { return ["\(base).\(ext)", "\(base).\(ext).index.json"] }
                return ["\(base).\(variant).\(ext)", "\(base).\(ext).index.\(variant).json"]
            }
        }
        var order: [String] = []
        if let variant { order += candidates(variant) }
        order += candidates(nil)
        if variant == nil { order += candidates("fp16") }
        for name in order {
            let url = folder.appendingPathComponent(name)
            if manager.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// A component folder's weights; a typed error names the folder part that is missing.
    static func componentStore(_ folder: URL, component: String, variant: String?) throws -> WeightStore {
        let directory = try componentDirectory(folder, component)
        guard let file = weightFile(in: directory, variant: variant) else {
            throw WeightsError.missingComponent(path: folder.path, component: "\(component)/ weights (*.safetensors or *.bin)")
        }
        return try WeightStore(contentsOf: file)
    }

    /// `folder/component`, which must be a directory.
    static func componentDirectory(_ folder: URL, _ component: String) throws -> URL {
        let directory = folder.appendingPathComponent(component)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WeightsError.missingComponent(path: folder.path, component: "\(component)/")
        }
        return directory
    }

    static func componentConfig<T: Decodable>(_ type: T.Type, _ folder: URL, component: String,
                                             file: String = "config.json") throws -> T {
        let url = try componentDirectory(folder, component).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw WeightsError.missingComponent(path: folder.path, component: "\(component)/\(file)")
        }
        return try decodeConfig(T.self, at: url)
    }

    /// Renames tensors whose names start with `old` (first matching rename per tensor).
    static func renaming(_ store: WeightStore, _ renames: [(String, String)], contains: Bool = false) -> WeightStore {
        var changed = false
        let tensors = store.tensors.values.map { tensor -> StoredTensor in
            for (old, new) in renames {
                if contains, let range = tensor.name.range(of: old) {
                    changed = true
                    return tensor.renamed(tensor.name.replacingCharacters(in: range, with: new))
                }
                if !contains, tensor.name.hasPrefix(old) {
                    changed = true
                    return tensor.renamed(new + tensor.name.dropFirst(old.count))
                }
            }
            return tensor
        }
        return changed ? WeightStore(source: store.source, tensors: tensors) : store
    }

    static func loadDiffusers(folder: URL, options: ModelLoadOptions) throws -> ModelCheckpoint {
        let manager = FileManager.default
        let indexURL = folder.appendingPathComponent("model_index.json")
        let modelIndex = manager.fileExists(atPath: indexURL.path) ? try decodeConfig(ModelIndex.self, at: indexURL) : nil
        if modelIndex == nil, !manager.fileExists(atPath: folder.appendingPathComponent("unet").path) {
            throw WeightsError.missingComponent(path: folder.path, component: "model_index.json")
        }

        let unetConfig = try componentConfig(UNet2DConditionConfig.self, folder, component: "unet")
        let vaeConfig = try componentConfig(AutoencoderKLConfig.self, folder, component: "vae")
        let textConfig = try componentConfig(CLIPTextConfig.self, folder, component: "text_encoder")
        let unet = try componentStore(folder, component: "unet", variant: options.weightVariant)
        var vae = try componentStore(folder, component: "vae", variant: options.weightVariant)
        vae = renaming(vae, SingleFileNameMap.legacyDiffusersVAE, contains: true)
        var textEncoder = try componentStore(folder, component: "text_encoder", variant: options.weightVariant)
        // transformers 5 can save CLIPTextModel without its `text_model.` level.
        if !textEncoder.tensors.keys.contains(where: { $0.hasPrefix("text_model.") }) {
            textEncoder = renaming(textEncoder, [("embeddings.", "text_model.embeddings."),
                                                 ("encoder.", "text_model.encoder."),
                                                 ("final_layer_norm.", "text_model.final_layer_norm.")])
        }
        // A buffer older transformers saved (some files even as float); current CLIPTextModel has none.
        textEncoder = textEncoder.removing(["text_model.embeddings.position_ids"])

        let schedulerURL = folder.appendingPathComponent("scheduler/scheduler_config.json")
        let scheduler = manager.fileExists(atPath: schedulerURL.path)
            ? try decodeConfig(SchedulerConfig.self, at: schedulerURL) : nil
        let lowResURL = folder.appendingPathComponent("low_res_scheduler/scheduler_config.json")
        let lowRes = manager.fileExists(atPath: lowResURL.path) ? try decodeConfig(SchedulerConfig.self, at: lowResURL) : nil

        let family = options.family ?? ((textConfig.hiddenAct == "gelu" || unetConfig.useLinearProjection) ? .sd2 : .sd1)
        let variant = options.variant ?? pipelineVariant(modelIndex?.className)
            ?? ModelVariant(unetInputChannels: unetConfig.inChannels) ?? .base

        var prediction = PredictionType.epsilon
        var source = PredictionSource.schedulerConfig
        if let named = scheduler?.predictionType {
            guard let parsed = PredictionType(diffusersName: named) else {
                throw WeightsError.badConfig(path: schedulerURL.path, detail: "unknown prediction_type '\(named)'")
            }
            prediction = parsed
        } else if scheduler == nil {
            source = .assumed
        }
        if let forced = options.prediction {
            prediction = forced
            source = .override
        }

        var extras: [String: WeightStore] = [:]
        if let index = modelIndex {
            let known: Set<String> = ["unet", "vae", "text_encoder", "tokenizer", "scheduler", "low_res_scheduler",
                                      "safety_checker", "feature_extractor"]
            for (name, component) in index.components where !known.contains(name) && component.className != nil {
                let directory = folder.appendingPathComponent(name)
                if manager.fileExists(atPath: directory.path), weightFile(in: directory, variant: options.weightVariant) != nil {
                    extras[name] = try componentStore(folder, component: name, variant: options.weightVariant)
                }
            }
        }

        let tokenizer = folder.appendingPathComponent("tokenizer")
        let tokenizerURL = manager.fileExists(atPath: tokenizer.appendingPathComponent("vocab.json").path) ? tokenizer : nil
        return ModelCheckpoint(
            url: folder, format: .diffusers, family: family, variant: variant,
            prediction: prediction, predictionSource: source,
            unet: unet, vae: vae, textEncoder: textEncoder, extraComponents: extras,
            unetConfig: unetConfig, vaeConfig: vaeConfig, textEncoderConfig: textConfig,
            schedulerConfig: scheduler ?? defaultScheduler(family: family, ldm: nil),
            lowResSchedulerConfig: lowRes, modelIndex: modelIndex, tokenizerURL: tokenizerURL,
            maxNoiseLevel: modelIndex?.maxNoiseLevel, unmappedTensors: [])
    }

    /// Variant named by the pipeline class in model_index.json.
    static func pipelineVariant(_ className: String?) -> ModelVariant? {
        switch className {
        case "StableDiffusionInpaintPipeline": return .inpaint
        case "StableDiffusionDepth2ImgPipeline": return .depth
        case "StableDiffusionUpscalePipeline": return .upscale
        case "StableDiffusionPipeline", "StableDiffusionImg2ImgPipeline": return .base
        default: return nil
        }
    }
}
