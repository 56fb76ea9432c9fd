import SDCompute
import SDWeights

/// transformers' `BitBackbone` as DPT-Hybrid uses it (`BitModel` with `layer_type` "bottleneck"):
/// a 7x7/2 weight-standardised stem with GroupNorm + ReLU and a 3x3/2 max pool, then three stages of
/// bottlenecks. Returns every stage's output: the first two feed DPT's neck directly, the last is
/// the ViT's patch grid.
final class BitBackbone {
    let stemConv: WeightStandardizedConv2D
    let stemNorm: BitGroupNormActivation
    /// The stem pads its convolution output by 1 unless convolutions pad "SAME".
    let stemPad: Bool
    /// Max-pool padding: "SAME"-style with zeros (`embedding_dynamic_padding`), else none.
    let dynamicPoolPadding: Bool
    let stages: [[BitBottleneckLayer]]

    init(_ p: ParameterLoader, config: BitConfig, padding: BitPadding) throws {
        let groups = config.numGroups
        stemConv = try WeightStandardizedConv2D(p, "embedder.convolution", in: config.numChannels,
                                                out: config.embeddingSize, kernel: 7, stride: 2, padding: padding)
        stemNorm = try BitGroupNormActivation(p, "embedder.norm", groups: groups, channels: config.embeddingSize)
        stemPad = padding != .same
        dynamicPoolPadding = config.embeddingDynamicPadding
        var previous = config.embeddingSize
        var stages: [[BitBottleneckLayer]] = []
        for (index, (depth, channels)) in zip(config.depths, config.stageChannels).enumerated() {
            let stage = p.scoped("encoder.stages.\(index)")
            stages.append(try (0..<depth).map { layer in
                try BitBottleneckLayer(stage.scoped("layers.\(layer)"), in: layer == 0 ? previous : channels,
                                       out: channels, stride: layer == 0 && index > 0 ? 2 : 1, first: layer == 0,
                                       groups: groups, padding: padding)
            })
            previous = channels
        }
        self.stages = stages
    }

    func callAsFunction(_ pixels: Tensor) throws -> [Tensor] {
        var h = try stemConv(pixels)
        if stemPad { h = try h.padded(top: 1, left: 1, bottom: 1, right: 1) }
        h = try stemNorm(h)
        if dynamicPoolPadding {
            let v = BitPadding.dynamic(size: h.shape[1], kernel: 3, stride: 2)
            let w = BitPadding.dynamic(size: h.shape[2], kernel: 3, stride: 2)
            h = try h.maxPooled(kernel: 3, stride: 2, padding: (v.before, w.before, v.after, w.after), padValue: 0)
        } else {
            h = try h.maxPooled(kernel: 3, stride: 2, padding: (0, 0, 0, 0))
        }
        var outputs: [Tensor] = []
        for stage in stages {
            for layer in stage { h = try layer(h) }
            outputs.append(h)
        }
        return outputs
    }
}
