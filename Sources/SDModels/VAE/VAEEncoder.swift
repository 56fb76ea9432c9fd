import SDCompute

/// diffusers' VAE `Encoder`: image -> (mean, logvar) moments before quant_conv.
final class VAEEncoder {
    let convIn: Conv2D
    let stages: [(resnets: [ResnetBlock2D], downsampler: Downsample2D?)]
    let mid: VAEMidBlock
    let normOut: GroupNorm
    let convOut: Conv2D

    init(_ p: ParameterLoader, inChannels: Int, latentChannels: Int, channels: [Int], layers: Int, groups: Int) throws {
        convIn = try p.conv("conv_in", in: inChannels, out: channels[0], kernel: 3)
        var previous = channels[0]
        var stages: [(resnets: [ResnetBlock2D], downsampler: Downsample2D?)] = []
        for (i, c) in channels.enumerated() {
            let block = p.scoped("down_blocks.\(i)")
            let resnets = try (0..<layers).map {
                try ResnetBlock2D(block.scoped("resnets.\($0)"), in: $0 == 0 ? previous : c, out: c, timeChannels: nil,
                                  groups: groups, eps: 1e-6)
            }
            let down = i < channels.count - 1
                ? try Downsample2D(block.scoped("downsamplers.0"), channels: c, asymmetricPadding: true) : nil
            stages.append((resnets, down))
            previous = c
        }
        self.stages = stages
        mid = try VAEMidBlock(p.scoped("mid_block"), channels: previous, groups: groups)
        normOut = try p.groupNorm("conv_norm_out", groups: groups, channels: previous, eps: 1e-6)
        convOut = try p.conv("conv_out", in: previous, out: 2 * latentChannels, kernel: 3)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try convIn(x)
        for stage in stages {
            for resnet in stage.resnets { h = try resnet(h, activatedTime: nil) }
            if let down = stage.downsampler { h = try down(h) }
        }
        return try convOut(normOut(mid(h), silu: true))
    }
}
