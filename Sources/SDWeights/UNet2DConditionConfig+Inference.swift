/// Synthesises a U-Net config for a single-file checkpoint from its (converted) tensor shapes
/// and, when present, the original LDM config — as diffusers' create_unet_diffusers_config_from_ldm.
extension UNet2DConditionConfig {
    public static func inferred(from store: WeightStore, ldm: LDMConfig?, family: ModelFamily,
                                variant: ModelVariant, prediction: PredictionType) throws -> UNet2DConditionConfig {
        let names = Array(store.tensors.keys)
        var config = UNet2DConditionConfig()
        let levels = SingleFileConverter.indices(names, after: "down_blocks.").count
        guard levels > 0 else {
            throw WeightsError.unsupportedModel(path: store.source, detail: "U-Net has no down blocks")
        }
        config.inChannels = try store.dimension("conv_in.weight", 1)
        config.outChannels = try store.dimension("conv_out.weight", 0)
        config.blockOutChannels = try (0..<levels).map { try store.dimension("down_blocks.\($0).resnets.0.conv1.weight", 0) }
        config.layersPerBlock = .one(SingleFileConverter.indices(names, after: "down_blocks.0.resnets.").count)
        let attention = (0..<levels).map { store.contains("down_blocks.\($0).attentions.0.proj_in.weight") }
        config.downBlockTypes = attention.map { $0 ? "CrossAttnDownBlock2D" : "DownBlock2D" }
        config.upBlockTypes = attention.reversed().map { $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" }
        config.midBlockType = store.contains("mid_block.attentions.0.proj_in.weight") ? "UNetMidBlock2DCrossAttn" : nil

        guard let firstLevel = attention.firstIndex(of: true) else {
            throw WeightsError.unsupportedModel(path: store.source, detail: "U-Net has no attention blocks")
        }
        let firstAttention = "down_blocks.\(firstLevel).attentions.0."
        config.crossAttentionDim = .one(try store.dimension(firstAttention + "transformer_blocks.0.attn2.to_k.weight", 1))
        config.transformerLayersPerBlock = .one(
            SingleFileConverter.indices(names, after: firstAttention + "transformer_blocks.").count)
        config.useLinearProjection = try store.tensor(firstAttention + "proj_in.weight").shape.count == 2

        if store.contains("class_embedding.weight") {
            config.numClassEmbeds = try store.dimension("class_embedding.weight", 0)
        } else if store.contains("class_embedding.linear_1.weight") {
            config.classEmbedType = "projection"
            config.projectionClassEmbeddingsInputDim = try store.dimension("class_embedding.linear_1.weight", 1)
        }

        let params = ldm?.unet
        if let disabled = params?["disable_self_attentions"]?.array?.compactMap(\.bool), disabled.count == levels {
            config.onlyCrossAttention = .many(disabled)
        } else {
            // Cross-attention-only blocks have an attn1 that reads the text embedding.
            let crossDim = try store.dimension(firstAttention + "transformer_blocks.0.attn2.to_k.weight", 1)
            let only = try (0..<levels).map { level -> Bool in
                guard attention[level] else { return false }
                let keyWidth = try store.dimension("down_blocks.\(level).attentions.0.transformer_blocks.0.attn1.to_k.weight", 1)
                return keyWidth != config.blockOutChannels[level] && keyWidth == crossDim
            }
            config.onlyCrossAttention = only.contains(true) ? .many(only) : .one(false)
        }

        // Heads: LDM gives either a head count or a head width; without a config, SD1 and the x4
        // upscaler use 8 heads, SD2 heads of width 64.
        if let headChannels = params?["num_head_channels"]?.int, headChannels > 0 {
            config.attentionHeadDim = .many(config.blockOutChannels.map { max(1, $0 / headChannels) })
        } else if let heads = params?["num_heads"]?.int, heads > 0 {
            config.attentionHeadDim = .one(heads)
        } else if family == .sd2 && variant != .upscale {
            config.attentionHeadDim = .many(config.blockOutChannels.map { max(1, $0 / 64) })
        } else {
            config.attentionHeadDim = .one(8)
        }
        // SD2.1 needs f32 attention scores in half precision; harmless otherwise.
        config.upcastAttention = family == .sd2
        switch variant {
        case .upscale: config.sampleSize = 128
        default: config.sampleSize = family == .sd2 && prediction == .v ? 96 : 64
        }
        return config
    }
}
