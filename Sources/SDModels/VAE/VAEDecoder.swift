import SDCompute

/// diffusers' VAE `Decoder`: latents (after post_quant_conv) -> image in [-1, 1] (unclamped).
final class VAEDecoder {
    let convIn: Conv2D
    let mid: VAEMidBlock
    let stages: [(resnets: [ResnetBlock2D], upsampler: Upsample2D?)]
    let normOut: GroupNorm
    let convOut: Conv2D

    init(_ p: ParameterLoader, latentChannels: Int, outChannels: Int, channels: [Int], layers: Int, groups: Int) throws {
        let top = channels[channels.count - 1]
        convIn = try p.conv("conv_in", in: latentChannels, out: top, kernel: 3)
        mid = try VAEMidBlock(p.scoped("mid_block"), channels: top, groups: groups)
        var previous = top
        var stages: [(resnets: [ResnetBlock2D], upsampler: Upsample2D?)] = []
        for (i, c) in channels.reversed().enumerated() {
            let block = p.scoped("up_blocks.\(i)")
            let resnets = try (0...layers).map {
                try ResnetBlock2D(block.scoped("resnets.\($0)"), in: $0 == 0 ? previous : c, out: c, timeChannels: nil,
                                  groups: groups, eps: 1e-6)
            }
            let up = i < channels.count - 1 ? try Upsample2D(block.scoped("upsamplers.0"), channels: c) : nil
            stages.append((resnets, up))
            previous = c
        }
        self.stages = stages
        normOut = try p.groupNorm("conv_norm_out", groups: groups, channels: channels[0], eps: 1e-6)
        convOut = try p.conv("conv_out", in: channels[0], out: outChannels, kernel: 3)
    }

    func callAsFunction(_ z: Tensor) throws -> Tensor {
        var h = try mid(convIn(z))
        for stage in stages {
            for resnet in stage.resnets { h = try resnet(h, activatedTime: nil) }
            if let up = stage.upsampler {
                h = try up(h)
                // Each level's activations are 4x the last one's and never come back in this
                // pass: pooled buffers of the smaller sizes would only add to the peak.
                BufferPool.shared.trim()
            }
        }
        return try convOut(normOut(h, silu: true))
    }
}
