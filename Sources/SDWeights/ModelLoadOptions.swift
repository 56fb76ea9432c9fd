import Foundation

/// Choices a user can force when a checkpoint does not say (or says wrongly) what it is.
public struct ModelLoadOptions: Sendable {
    public var family: ModelFamily?
    public var variant: ModelVariant?
    public var prediction: PredictionType?
    /// Original LDM config for a single file; by default `<checkpoint stem>.yaml` beside it, if any.
    public var originalConfig: URL?
    /// A diffusers folder whose component `config.json` files replace the synthesised configs of
    /// a single file (as diffusers' `from_single_file(config=...)`).
    public var configFolder: URL?
    /// Diffusers weight variant (`"fp16"` picks `*.fp16.safetensors`); files without the variant
    /// are used when the variant is absent.
    public var weightVariant: String?
    /// Use the EMA copy of the U-Net in training checkpoints that carry both.
    public var useEMA = false

    public init(family: ModelFamily? = nil, variant: ModelVariant? = nil, prediction: PredictionType? = nil,
                originalConfig: URL? = nil, configFolder: URL? = nil, weightVariant: String? = nil,
                useEMA: Bool = false) {
        self.family = family
        self.variant = variant
        self.prediction = prediction
        self.originalConfig = originalConfig
        self.configFolder = configFolder
        self.weightVariant = weightVariant
        self.useEMA = useEMA
    }
}
