import SDWeights

extension DPTDepthEstimator {
    /// Refuses configurations outside DPT-Hybrid (the only DPT Stable Diffusion uses) or ones
    /// transformers itself could not run, naming the offending setting.
    static func validate(_ config: DPTConfig, source: String) throws {
        func unsupported(_ detail: String) -> WeightsError { .unsupportedModel(path: source, detail: detail) }
        func bad(_ detail: String) -> WeightsError { .badConfig(path: source, detail: detail) }
        guard config.isHybrid else { throw unsupported("only DPT-Hybrid (is_hybrid true) is implemented") }
        guard config.readoutType == "project" else { throw bad("DPT-Hybrid needs readout_type \"project\"") }
        guard !config.addProjection else { throw unsupported("add_projection is not implemented") }
        let bit = config.resolvedBackbone
        guard bit.layerType == "bottleneck" else { throw unsupported("BiT layer_type \(bit.layerType)") }
        guard bit.hiddenAct == "relu" else { throw unsupported("BiT hidden_act \(bit.hiddenAct)") }
        guard BitPadding(configValue: bit.globalPadding) != nil else {
            throw bad("BiT global_padding \(bit.globalPadding ?? "null")")
        }
        guard bit.depths.count == 3, bit.hiddenSizes.count >= 3, bit.depths.allSatisfy({ $0 > 0 }),
              bit.resolvedOutFeatures == ["stage1", "stage2", "stage3"] else {
            throw unsupported("the BiT backbone must have 3 stages, all of them outputs (got depths \(bit.depths), "
                + "out_features \(bit.resolvedOutFeatures))")
        }
        // BitEncoder trades stride for dilation once the total stride reaches output_stride.
        guard bit.outputStride > 8 else { throw unsupported("BiT output_stride \(bit.outputStride) (dilated stages)") }
        let channels = bit.stageChannels
        let featureChannels = config.backboneFeatmapShape.flatMap { $0.count > 1 ? $0[1] : nil } ?? channels[2]
        guard featureChannels == channels[2] else {
            throw bad("backbone_featmap_shape has \(featureChannels) channels, the backbone's last stage \(channels[2])")
        }
        guard config.neckIgnoreStages == [0, 1] else { throw unsupported("neck_ignore_stages \(config.neckIgnoreStages)") }
        let levels = config.neckHiddenSizes.count
        guard levels == 2 + config.readoutLayers.count else {
            throw bad("\(levels) neck_hidden_sizes for 2 backbone stages and \(config.readoutLayers.count) ViT layers")
        }
        guard config.neckHiddenSizes[0] == channels[0], config.neckHiddenSizes[1] == channels[1] else {
            throw bad("neck_hidden_sizes \(config.neckHiddenSizes) must start with the backbone stages' channels \(channels)")
        }
        guard config.reassembleFactors.count >= levels else {
            throw bad("\(config.reassembleFactors.count) reassemble_factors for \(levels) levels")
        }
        for factor in config.reassembleFactors.prefix(levels).dropFirst(2)
        where factor <= 0 || (factor > 1 && factor != factor.rounded()) {
            throw unsupported("reassemble factor \(factor)")
        }
        guard (-levels..<levels).contains(config.headInIndex) else { throw bad("head_in_index \(config.headInIndex)") }
        guard config.hiddenSize > 0, config.numAttentionHeads > 0, config.hiddenSize % config.numAttentionHeads == 0 else {
            throw bad("hidden_size \(config.hiddenSize) is not a multiple of num_attention_heads \(config.numAttentionHeads)")
        }
        guard config.patchSize > 0, config.imageSize >= config.patchSize, config.numChannels == bit.numChannels,
              config.fusionHiddenSize >= 2 else {
            throw bad("image_size \(config.imageSize), patch_size \(config.patchSize), num_channels \(config.numChannels), "
                + "fusion_hidden_size \(config.fusionHiddenSize)")
        }
    }
}
