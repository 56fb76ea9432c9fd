import SDCompute

/// CrossAttnDownBlock2D / DownBlock2D: ResNet (+ transformer) layers, then an optional
/// stride-2 downsampler. Every layer's output is kept as a skip connection for the up path.
final class UNetDownBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Transformer2DModel]
    let downsampler: Downsample2D?

    init(_ p: ParameterLoader, in inChannels: Int, out outChannels: Int, layers: Int, timeChannels: Int,
         attention: UNetAttentionSpec?, groups: Int, eps: Float, downsample: Bool) throws {
        resnets = try (0..<layers).map {
            try ResnetBlock2D(p.scoped("resnets.\($0)"), in: $0 == 0 ? inChannels : outChannels, out: outChannels,
                              timeChannels: timeChannels, groups: groups, eps: eps)
        }
        attentions = try attention.map { spec in
            try (0..<layers).map { try spec.make(p.scoped("attentions.\($0)"), channels: outChannels, groups: groups) }
        } ?? []
        downsampler = downsample
            ? try Downsample2D(p.scoped("downsamplers.0"), channels: outChannels, asymmetricPadding: false) : nil
    }

    func callAsFunction(_ x: Tensor, time: Tensor, context: Tensor, skips: inout [Tensor]) throws -> Tensor {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            h = try resnet(h, activatedTime: time)
            if i < attentions.count { h = try attentions[i](h, context: context) }
            skips.append(h)
        }
        if let downsampler {
            h = try downsampler(h)
            skips.append(h)
        }
        return h
    }
}
