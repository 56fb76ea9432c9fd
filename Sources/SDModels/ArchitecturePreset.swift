import SDWeights

/// Real model architectures by name, for benchmarking without checkpoints (random weights:
/// cost does not depend on weight values), plus a tiny one that keeps the benchmark code
/// exercised in CI.
public enum ArchitecturePreset: String, CaseIterable, Sendable {
    case sd15, sd2Base = "sd2-base", sd2_768 = "sd2-768", tiny

    public var unet: UNet2DConditionConfig {
        var c = UNet2DConditionConfig()
        switch self {
        case .sd15:
            c.attentionHeadDim = .one(8)
            c.crossAttentionDim = .one(768)
            c.sampleSize = 64
        case .sd2Base, .sd2_768:
            c.attentionHeadDim = .many([5, 10, 20, 20])
            c.crossAttentionDim = .one(1024)
            c.useLinearProjection = true
            c.upcastAttention = self == .sd2_768
            c.sampleSize = self == .sd2_768 ? 96 : 64
        case .tiny:
            c.blockOutChannels = [32, 64, 64, 64]
            c.attentionHeadDim = .one(8)
            c.crossAttentionDim = .one(32)
            c.sampleSize = 8
        }
        return c
    }

    public var vae: AutoencoderKLConfig {
        var c = AutoencoderKLConfig()
        let levels = 4
        c.downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: levels)
        c.upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: levels)
        c.blockOutChannels = self == .tiny ? [32, 64, 64, 64] : [128, 256, 512, 512]
        c.layersPerBlock = 2
        return c
    }

    public var textEncoder: CLIPTextConfig {
        var c = CLIPTextConfig()
        switch self {
        case .sd15:
            (c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads) = (768, 3072, 12, 12)
        case .sd2Base, .sd2_768:
            (c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads) = (1024, 4096, 23, 16)
            c.hiddenAct = "gelu"
        case .tiny:
            (c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads) = (32, 64, 2, 4)
        }
        return c
    }

    /// Image side in pixels at the model's native resolution.
    public var imageSize: Int { (unet.sampleSize ?? 64) * 8 }
}
