/// Synthesises a VAE config for a single-file checkpoint from tensor shapes and the LDM config.
extension AutoencoderKLConfig {
    public static func inferred(from store: WeightStore, ldm: LDMConfig?, variant: ModelVariant,
                                imageSize: Int) throws -> AutoencoderKLConfig {
        let names = Array(store.tensors.keys)
        var config = AutoencoderKLConfig()
        let levels = SingleFileConverter.indices(names, after: "encoder.down_blocks.").count
        guard levels > 0 else {
            throw WeightsError.unsupportedModel(path: store.source, detail: "VAE encoder has no down blocks")
        }
        config.inChannels = try store.dimension("encoder.conv_in.weight", 1)
        config.outChannels = try store.dimension("decoder.conv_out.weight", 0)
        config.blockOutChannels = try (0..<levels).map { try store.dimension("encoder.down_blocks.\($0).resnets.0.conv1.weight", 0) }
        config.downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: levels)
        config.upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: levels)
        config.layersPerBlock = SingleFileConverter.indices(names, after: "encoder.down_blocks.0.resnets.").count
        config.latentChannels = try store.dimension("decoder.conv_in.weight", 1)
        config.useQuantConv = store.contains("quant_conv.weight")
        config.usePostQuantConv = store.contains("post_quant_conv.weight")
        config.midBlockAddAttention = store.contains("encoder.mid_block.attentions.0.to_q.weight")
        config.scalingFactor = ldm?.scaleFactor ?? (variant == .upscale ? 0.08333 : 0.18215)
        config.sampleSize = imageSize
        return config
    }
}
