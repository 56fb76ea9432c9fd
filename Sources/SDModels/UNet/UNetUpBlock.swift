import SDCompute

/// CrossAttnUpBlock2D / UpBlock2D: each layer concatenates the matching skip connection,
/// then ResNet (+ transformer); an optional nearest-2x upsampler closes the block.
final class UNetUpBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Transformer2DModel]
    let upsampler: Upsample2D?

    /// `skipChannels[i]` is the channel count of the skip consumed by layer i.
    init(_ p: ParameterLoader, previous prevChannels: Int, out outChannels: Int, skipChannels: [Int],
         timeChannels: Int, attention: UNetAttentionSpec?, groups: Int, eps: Float, upsample: Bool) throws {
        resnets = try skipChannels.enumerated().map { i, skip in
            try ResnetBlock2D(p.scoped("resnets.\(i)"), in: (i == 0 ? prevChannels : outChannels) + skip,
                              out: outChannels, timeChannels: timeChannels, groups: groups, eps: eps)
        }
        attentions = try attention.map { spec in
            try skipChannels.indices.map { try spec.make(p.scoped("attentions.\($0)"), channels: outChannels, groups: groups) }
        } ?? []
        upsampler = upsample ? try Upsample2D(p.scoped("upsamplers.0"), channels: outChannels) : nil
    }

    func callAsFunction(_ x: Tensor, time: Tensor, context: Tensor, skips: inout [Tensor]) throws -> Tensor {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            guard let skip = skips.popLast() else {
                throw ComputeError.shapeMismatch("U-Net up block ran out of skip connections")
            }
            h = try resnet(h.concatenatingChannels(skip), activatedTime: time)
            if i < attentions.count { h = try attentions[i](h, context: context) }
        }
        if let upsampler { h = try upsampler(h, height: skips.last?.shape[1], width: skips.last?.shape[2]) }
        return h
    }
}
