import Foundation

/// Loading an original-layout (CompVis/LDM) single-file checkpoint.
extension ModelCheckpoint {
    static func loadSingleFile(_ url: URL, options: ModelLoadOptions) throws -> ModelCheckpoint {
        let isSafetensors = url.pathExtension.lowercased() == "safetensors"
        let raw = try WeightStore.readTensors(url)
        let ldmURL = options.originalConfig ?? url.deletingPathExtension().appendingPathExtension("yaml")
        let ldm: LDMConfig? = options.originalConfig != nil || FileManager.default.fileExists(atPath: ldmURL.path)
            ? try LDMConfig(contentsOf: ldmURL) : nil
        return try singleFile(tensors: raw, url: url, format: isSafetensors ? .singleFileSafetensors : .singleFileCkpt,
                              ldm: ldm, options: options)
    }

    /// Builds the checkpoint from the LDM-named tensors of a single file.
    static func singleFile(tensors: [StoredTensor], url: URL, format: CheckpointFormat, ldm: LDMConfig?,
                           options: ModelLoadOptions) throws -> ModelCheckpoint {
        let path = url.path
        let raw = options.useEMA ? substitutingEMA(tensors) : tensors

        let names = raw.map(\.name)
        func under(_ component: SingleFileNameMap.Component) -> [String] {
            names.compactMap { name in
                component.prefixes.first(where: { name.hasPrefix($0) }).map { String(name.dropFirst($0.count)) }
            }
        }
        if names.contains(where: { $0.hasPrefix("conditioner.embedders.") }) {
            throw WeightsError.unsupportedModel(path: path, detail: "SDXL checkpoints are not supported (SD 1.x and 2.x only)")
        }
        let unetNames = under(SingleFileNameMap.unet)
        let vaeNames = under(SingleFileNameMap.vae)
        let clipNames = under(SingleFileNameMap.clip)
        let openClipNames = under(SingleFileNameMap.openClip)
        guard !unetNames.isEmpty else { throw WeightsError.missingComponent(path: path, component: "model.diffusion_model.* tensors (U-Net)") }
        guard !vaeNames.isEmpty else { throw WeightsError.missingComponent(path: path, component: "first_stage_model.* tensors (VAE)") }
        guard !clipNames.isEmpty || !openClipNames.isEmpty else {
            throw WeightsError.missingComponent(path: path, component: "cond_stage_model.* tensors (text encoder)")
        }
        let textFamily: ModelFamily = openClipNames.isEmpty ? .sd1 : .sd2
        let family = options.family ?? textFamily

        let geometry = try SingleFileConverter.geometry(unetNames: unetNames, vaeNames: vaeNames,
                                                        openClipNames: openClipNames, path: path)
        let unetOut = try SingleFileConverter.convert(raw, component: SingleFileNameMap.unet, geometry: geometry, path: path)
        let vaeOut = try SingleFileConverter.convert(raw, component: SingleFileNameMap.vae, geometry: geometry, path: path)
        let textOut = try SingleFileConverter.convert(
            raw, component: textFamily == .sd2 ? SingleFileNameMap.openClip : SingleFileNameMap.clip,
            geometry: geometry, path: path)
        let unet = WeightStore(source: "\(path) (U-Net)", tensors: unetOut.tensors)
        let vae = WeightStore(source: "\(path) (VAE)", tensors: vaeOut.tensors)
        let textEncoder = WeightStore(source: "\(path) (text encoder)", tensors: textOut.tensors)

        let inChannels = try unet.dimension("conv_in.weight", 1)
        let variant = options.variant ?? ldm?.variant ?? ModelVariant(unetInputChannels: inChannels) ?? .base

        var prediction = PredictionType.epsilon
        var source = PredictionSource.assumed
        if let forced = options.prediction {
            prediction = forced
            source = .override
        } else if let configured = ldm?.prediction {
            prediction = configured
            source = .originalConfig
        } else if variant == .upscale {
            prediction = .v  // x4-upscaling.yaml: parameterization "v"
            source = .originalConfig
        }

        var extras: [String: WeightStore] = [:]
        let depth = raw.filter { $0.name.hasPrefix(SingleFileNameMap.depthModelPrefix) }
        if !depth.isEmpty { extras["depth_model"] = WeightStore(source: "\(path) (depth model)", tensors: depth) }

        let configs = try configsForSingleFile(unet: unet, vae: vae, textEncoder: textEncoder, ldm: ldm,
                                               family: family, variant: variant, prediction: prediction,
                                               options: options)
        if source == .assumed, let named = configs.scheduler?.predictionType, let parsed = PredictionType(diffusersName: named) {
            prediction = parsed
            source = .schedulerConfig
        }
        var lowRes: SchedulerConfig?
        var maxNoise: Int?
        if variant == .upscale {
            var config = SchedulerConfig()
            config.className = "DDPMScheduler"
            config.numTrainTimesteps = 1000
            config.betaSchedule = "linear"
            config.betaStart = ldm?.lowScale?.at("noise_schedule_config.linear_start")?.double ?? 0.0001
            config.betaEnd = ldm?.lowScale?.at("noise_schedule_config.linear_end")?.double ?? 0.02
            config.predictionType = PredictionType.epsilon.rawValue
            lowRes = config
            maxNoise = ldm?.lowScale?["max_noise_level"]?.int ?? 350
        }
        return ModelCheckpoint(
            url: url, format: format,
            family: family, variant: variant, prediction: prediction, predictionSource: source,
            unet: unet, vae: vae, textEncoder: textEncoder, extraComponents: extras,
            unetConfig: configs.unet, vaeConfig: configs.vae, textEncoderConfig: configs.text,
            schedulerConfig: configs.scheduler ?? defaultScheduler(family: family, ldm: ldm),
            lowResSchedulerConfig: lowRes, modelIndex: nil, tokenizerURL: nil, maxNoiseLevel: maxNoise,
            unmappedTensors: unetOut.unmapped + vaeOut.unmapped + textOut.unmapped)
    }

    /// Configs from `options.configFolder` when given, else synthesised from shapes and the LDM config.
    static func configsForSingleFile(unet: WeightStore, vae: WeightStore, textEncoder: WeightStore, ldm: LDMConfig?,
                                     family: ModelFamily, variant: ModelVariant, prediction: PredictionType,
                                     options: ModelLoadOptions)
        throws -> (unet: UNet2DConditionConfig, vae: AutoencoderKLConfig, text: CLIPTextConfig, scheduler: SchedulerConfig?) {
        if let folder = options.configFolder {
            let schedulerURL = folder.appendingPathComponent("scheduler/scheduler_config.json")
            return (try componentConfig(UNet2DConditionConfig.self, folder, component: "unet"),
                    try componentConfig(AutoencoderKLConfig.self, folder, component: "vae"),
                    try componentConfig(CLIPTextConfig.self, folder, component: "text_encoder"),
                    FileManager.default.fileExists(atPath: schedulerURL.path)
                        ? try decodeConfig(SchedulerConfig.self, at: schedulerURL) : nil)
        }
        let unetConfig = try UNet2DConditionConfig.inferred(from: unet, ldm: ldm, family: family,
                                                            variant: variant, prediction: prediction)
        let imageSize = (unetConfig.sampleSize ?? 64) * 8
        let vaeConfig = try AutoencoderKLConfig.inferred(from: vae, ldm: ldm, variant: variant,
                                                         imageSize: variant == .upscale ? 512 : imageSize)
        let textConfig = try CLIPTextConfig.inferred(from: textEncoder, family: family)
        return (unetConfig, vaeConfig, textConfig, nil)
    }

    /// Replaces U-Net tensors by their EMA copies (`model_ema.<name without dots>`) where present.
    static func substitutingEMA(_ tensors: [StoredTensor]) -> [StoredTensor] {
        var ema: [String: StoredTensor] = [:]
        for tensor in tensors where tensor.name.hasPrefix(SingleFileNameMap.emaPrefix) { ema[tensor.name] = tensor }
        guard !ema.isEmpty else { return tensors }
        let unetPrefix = SingleFileNameMap.unet.prefixes[0]
        return tensors.map { tensor in
            guard tensor.name.hasPrefix(unetPrefix) else { return tensor }
            let flat = SingleFileNameMap.emaPrefix
                + tensor.name.split(separator: ".").dropFirst().joined()
            guard let copy = ema[flat], copy.shape == tensor.shape else { return tensor }
            return copy.renamed(tensor.name)
        }
    }
}
