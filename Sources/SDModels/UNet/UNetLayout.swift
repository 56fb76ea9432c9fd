import SDWeights

/// The per-level structure a UNet2DConditionConfig implies, resolved once (diffusers' naming
/// quirk included: SD1/SD2 configs put the number of heads in `attention_head_dim`).
struct UNetLayout {
    let channels: [Int]
    let layersPerBlock: Int
    let groups: Int
    let eps: Float
    let classEmbeds: Int?
    let downAttention: [UNetAttentionSpec?]
    let upAttention: [UNetAttentionSpec?]
    let midAttention: UNetAttentionSpec

    init(_ config: UNet2DConditionConfig) throws {
        let levels = config.blockOutChannels.count
        func bad(_ detail: String) -> WeightsError { .badConfig(path: "unet/config.json", detail: detail) }
        guard levels > 0, config.downBlockTypes.count == levels, config.upBlockTypes.count == levels else {
            throw bad("block types do not match block_out_channels")
        }
        guard let layers = config.layersPerBlock.values(count: levels), Set(layers).count == 1, let perBlock = layers.first,
              perBlock > 0 else {
            throw bad("per-level layers_per_block is not supported")
        }
        guard let heads = config.attentionHeads, let onlyCross = config.onlyCrossAttention.values(count: levels),
              let depth = config.transformerLayersPerBlock.values(count: levels),
              let context = config.crossAttentionDim.values(count: levels) else {
            throw bad("per-level attention settings do not match block_out_channels")
        }
        guard config.midBlockType == "UNetMidBlock2DCrossAttn", config.resnetTimeScaleShift == "default",
              config.classEmbedType == nil, config.additionEmbedType == nil, !config.dualCrossAttention else {
            throw bad("only Stable Diffusion 1.x/2.x U-Nets are supported")
        }
        for (i, c) in config.blockOutChannels.enumerated() where heads[i] <= 0 || c % heads[i] != 0 {
            throw bad("\(heads[i]) attention heads do not divide \(c) channels")
        }
        channels = config.blockOutChannels
        layersPerBlock = perBlock
        groups = config.normNumGroups ?? 32
        eps = Float(config.normEps)
        classEmbeds = config.numClassEmbeds
        func spec(_ i: Int, _ type: String, only: Bool) throws -> UNetAttentionSpec? {
            switch type {
            case "CrossAttnDownBlock2D", "CrossAttnUpBlock2D":
                return UNetAttentionSpec(heads: heads[i], contextDim: context[i], layers: depth[i], onlyCrossAttention: only)
            case "DownBlock2D", "UpBlock2D": return nil
            default: throw bad("unsupported block type \(type)")
            }
        }
        downAttention = try config.downBlockTypes.enumerated().map { try spec($0, $1, only: onlyCross[$0]) }
        // diffusers reverses the per-level lists for the up path.
        upAttention = try config.upBlockTypes.enumerated().map {
            try spec(levels - 1 - $0, $1, only: onlyCross[levels - 1 - $0])
        }
        // UNetMidBlock2DCrossAttn never receives only_cross_attention in diffusers.
        midAttention = UNetAttentionSpec(heads: heads[levels - 1], contextDim: context[levels - 1], layers: depth[levels - 1],
                                         onlyCrossAttention: false)
    }
}
