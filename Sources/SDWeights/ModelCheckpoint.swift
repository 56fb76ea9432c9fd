import Foundation

/// A Stable Diffusion model loaded from disk, in any of the three layouts, presented the same
/// way: per-component weight stores under diffusers names, per-component configs, and what
/// kind of model it is.
public struct ModelCheckpoint: @unchecked Sendable {
    public let url: URL
    public let format: CheckpointFormat
    public let family: ModelFamily
    public let variant: ModelVariant
    public private(set) var prediction: PredictionType
    public private(set) var predictionSource: PredictionSource

    public let unet: WeightStore
    public let vae: WeightStore
    /// CLIPTextModel names (`text_model.embeddings...`).
    public let textEncoder: WeightStore
    /// Other weights the folder or file holds, by diffusers component name (`depth_estimator`),
    /// or `depth_model` (LDM names, unconverted) for a single-file depth checkpoint.
    public let extraComponents: [String: WeightStore]

    public let unetConfig: UNet2DConditionConfig
    public let vaeConfig: AutoencoderKLConfig
    public let textEncoderConfig: CLIPTextConfig
    public private(set) var schedulerConfig: SchedulerConfig
    /// The x4 upscaler's noise-augmentation scheduler.
    public let lowResSchedulerConfig: SchedulerConfig?
    public let modelIndex: ModelIndex?
    /// `tokenizer/` folder (vocab.json, merges.txt) of a diffusers folder; nil for single files.
    public let tokenizerURL: URL?
    /// Highest noise level the upscaler accepts (350 for the x4 upscaler).
    public let maxNoiseLevel: Int?
    /// Float type holding most of the U-Net's bytes.
    public let dtype: StorageType
    /// Single-file tensors under a component prefix that no mapping rule matched.
    public let unmappedTensors: [String]

    /// True when only a test forward pass can tell epsilon from v (SD2 base single file without config).
    public var predictionNeedsProbe: Bool {
        predictionSource == .assumed && family == .sd2 && variant == .base
    }

    /// Records a prediction type found later (a probe or a user choice), keeping the scheduler
    /// config in step.
    public func settingPrediction(_ prediction: PredictionType, source: PredictionSource) -> ModelCheckpoint {
        var copy = self
        copy.prediction = prediction
        copy.predictionSource = source
        copy.schedulerConfig.predictionType = prediction.rawValue
        return copy
    }

    init(url: URL, format: CheckpointFormat, family: ModelFamily, variant: ModelVariant,
         prediction: PredictionType, predictionSource: PredictionSource,
         unet: WeightStore, vae: WeightStore, textEncoder: WeightStore, extraComponents: [String: WeightStore],
         unetConfig: UNet2DConditionConfig, vaeConfig: AutoencoderKLConfig, textEncoderConfig: CLIPTextConfig,
         schedulerConfig: SchedulerConfig, lowResSchedulerConfig: SchedulerConfig?, modelIndex: ModelIndex?,
         tokenizerURL: URL?, maxNoiseLevel: Int?, unmappedTensors: [String]) {
        self.url = url
        self.format = format
        self.family = family
        self.variant = variant
        self.prediction = prediction
        self.predictionSource = predictionSource
        self.unet = unet
        self.vae = vae
        self.textEncoder = textEncoder
        self.extraComponents = extraComponents
        self.unetConfig = unetConfig
        self.vaeConfig = vaeConfig
        self.textEncoderConfig = textEncoderConfig
        var scheduler = schedulerConfig
        scheduler.predictionType = prediction.rawValue
        self.schedulerConfig = scheduler
        self.lowResSchedulerConfig = lowResSchedulerConfig
        self.modelIndex = modelIndex
        self.tokenizerURL = tokenizerURL
        self.maxNoiseLevel = maxNoiseLevel
        self.dtype = unet.dominantType
        self.unmappedTensors = unmappedTensors
    }

    /// Loads a diffusers folder, or a single `.safetensors` / `.ckpt` / `.pt` / `.pth` / `.bin`
    /// original-layout checkpoint.
    public static func load(path url: URL, options: ModelLoadOptions = ModelLoadOptions()) throws -> ModelCheckpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw WeightsError.fileMissing(path: url.path)
        }
        if isDirectory.boolValue { return try loadDiffusers(folder: url, options: options) }
        return try loadSingleFile(url, options: options)
    }

    /// Decodes a JSON config file, naming the file on failure.
    static func decodeConfig<T: Decodable>(_ type: T.Type, at url: URL) throws -> T {
        guard FileManager.default.fileExists(atPath: url.path) else { throw WeightsError.fileMissing(path: url.path) }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw WeightsError.unreadable(path: url.path, reason: "cannot read config")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw WeightsError.badConfig(path: url.path, detail: "unexpected value for '\(key)'")
        } catch {
            throw WeightsError.badConfig(path: url.path, detail: "not valid JSON")
        }
    }

    /// Scheduler settings SD checkpoints were trained with, for single files (diffusers'
    /// SCHEDULER_DEFAULT_CONFIG), updated from the LDM config's beta schedule when given.
    static func defaultScheduler(family: ModelFamily, ldm: LDMConfig?) -> SchedulerConfig {
        var config = SchedulerConfig()
        config.className = family == .sd1 ? "PNDMScheduler" : "DDIMScheduler"
        config.numTrainTimesteps = ldm?.timesteps ?? 1000
        config.betaStart = ldm?.linearStart ?? 0.00085
        config.betaEnd = ldm?.linearEnd ?? 0.012
        config.betaSchedule = "scaled_linear"
        config.stepsOffset = 1
        config.setAlphaToOne = false
        config.skipPrkSteps = true
        config.clipSample = false
        config.timestepSpacing = "leading"
        config.interpolationType = "linear"
        config.sampleMaxValue = 1.0
        return config
    }
}
