import Foundation

/// The parts of an original LDM/CompVis inference config (`v1-inference.yaml`,
/// `v2-inference-v.yaml`, `x4-upscaling.yaml`, ...) that decide how a single-file checkpoint
/// is built and sampled.
public struct LDMConfig: Equatable, Sendable {
    /// `model.target`, e.g. `ldm.models.diffusion.ddpm.LatentInpaintDiffusion`.
    public var target: String?
    /// "eps" (default) or "v".
    public var parameterization: String?
    public var scaleFactor: Double?
    public var linearStart: Double?
    public var linearEnd: Double?
    public var timesteps: Int?
    /// `model.params.unet_config.params`.
    public var unet: YAMLValue?
    /// `model.params.first_stage_config.params.ddconfig`.
    public var vae: YAMLValue?
    /// `model.params.cond_stage_config.target`.
    public var conditionTarget: String?
    /// `model.params.cond_stage_config.params.layer` ("penultimate" for SD2).
    public var conditionLayer: String?
    /// `model.params.low_scale_config.params` (x4 upscaler noise augmentation).
    public var lowScale: YAMLValue?

    public init(contentsOf url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.fileMissing(path: path) }
        guard let data = FileManager.default.contents(atPath: path), data.count < 10_000_000 else {
            throw WeightsError.unreadable(path: path, reason: "cannot read config")
        }
        try self.init(yaml: String(decoding: data, as: UTF8.self), path: path)
    }

    public init(yaml text: String, path: String) throws {
        let root = try YAMLReader.parse(text, path: path)
        guard let model = root["model"] else {
            throw WeightsError.badConfig(path: path, detail: "no 'model' section (not an LDM config)")
        }
        let params = model["params"]
        target = model["target"]?.string
        parameterization = params?["parameterization"]?.string
        scaleFactor = params?["scale_factor"]?.double
        linearStart = params?["linear_start"]?.double
        linearEnd = params?["linear_end"]?.double
        timesteps = params?["timesteps"]?.int
        unet = params?.at("unet_config.params")
        vae = params?.at("first_stage_config.params.ddconfig")
        conditionTarget = params?.at("cond_stage_config.target")?.string
        conditionLayer = params?.at("cond_stage_config.params.layer")?.string
        lowScale = params?.at("low_scale_config.params")
    }

    /// Prediction type named by `parameterization`, nil when the config does not say.
    public var prediction: PredictionType? {
        switch parameterization {
        case "v": return .v
        case "eps": return .epsilon
        case nil: return target == nil ? nil : .epsilon
        default: return nil
        }
    }

    /// The model variant implied by `model.target`.
    public var variant: ModelVariant? {
        guard let target else { return nil }
        if target.hasSuffix("LatentInpaintDiffusion") { return .inpaint }
        if target.hasSuffix("LatentDepth2ImageDiffusion") { return .depth }
        if target.hasSuffix("LatentUpscaleDiffusion") { return .upscale }
        if target.hasSuffix("LatentDiffusion") { return .base }
        return nil
    }
}
