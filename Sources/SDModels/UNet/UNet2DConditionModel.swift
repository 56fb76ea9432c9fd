import SDCompute
import SDWeights

/// diffusers' UNet2DConditionModel for every SD 1.x/2.x checkpoint: 4-channel base, 5-channel
/// depth, 9-channel inpainting and the 7-channel x4 upscaler (noise-level class embedding).
/// Works on NHWC tensors.
public final class UNet2DConditionModel {
    public let config: UNet2DConditionConfig
    let convIn: Conv2D
    let timeLinear1: Linear
    let timeLinear2: Linear
    let classEmbedding: Tensor?
    let downBlocks: [UNetDownBlock]
    let midBlock: UNetMidBlock
    let upBlocks: [UNetUpBlock]
    let normOut: GroupNorm
    let convOut: Conv2D

    /// `weights` nil builds the model with random parameters (for `sd bench`).
    public init(config: UNet2DConditionConfig, weights: WeightStore?, storage: WeightStorage = .f32) throws {
        self.config = config
        let layout = try UNetLayout(config)
        // In float32 the U-Net keeps direct convolutions: Winograd's transformed weights (4x the
        // size of the 64x64-level layers) would take a 512x512 run past 4.5 GB for a 7% faster step.
        let p = ParameterLoader(store: weights, storage: storage, winograd: storage != .f32)
        let channels = layout.channels
        let c0 = channels[0]
        let timeDim = c0 * 4
        let (groups, eps) = (layout.groups, layout.eps)
        convIn = try p.conv("conv_in", in: config.inChannels, out: c0, kernel: 3)
        timeLinear1 = try p.linear("time_embedding.linear_1", in: c0, out: timeDim)
        timeLinear2 = try p.linear("time_embedding.linear_2", in: timeDim, out: timeDim)
        classEmbedding = try layout.classEmbeds.map { try p.tensor("class_embedding.weight", shape: [$0, timeDim]) }

        var skipChannels = [c0]
        var down: [UNetDownBlock] = []
        for (i, c) in channels.enumerated() {
            let last = i == channels.count - 1
            down.append(try UNetDownBlock(
                p.scoped("down_blocks.\(i)"), in: i == 0 ? c0 : channels[i - 1], out: c, layers: layout.layersPerBlock,
                timeChannels: timeDim, attention: layout.downAttention[i], groups: groups, eps: eps, downsample: !last))
            skipChannels += Array(repeating: c, count: layout.layersPerBlock) + (last ? [] : [c])
        }
        downBlocks = down
        midBlock = try UNetMidBlock(p.scoped("mid_block"), channels: channels[channels.count - 1], timeChannels: timeDim,
                                    attention: layout.midAttention, groups: groups, eps: eps)
        var up: [UNetUpBlock] = []
        var previous = channels[channels.count - 1]
        for (i, c) in channels.reversed().enumerated() {
            let layers = layout.layersPerBlock + 1
            let skips = Array(skipChannels.suffix(layers).reversed())
            skipChannels.removeLast(layers)
            up.append(try UNetUpBlock(
                p.scoped("up_blocks.\(i)"), previous: previous, out: c, skipChannels: skips, timeChannels: timeDim,
                attention: layout.upAttention[i], groups: groups, eps: eps, upsample: i < channels.count - 1))
            previous = c
        }
        upBlocks = up
        normOut = try p.groupNorm("conv_norm_out", groups: groups, channels: c0, eps: eps)
        convOut = try p.conv("conv_out", in: c0, out: config.outChannels, kernel: 3)
        try p.checkAllConsumed()
        // Weight tensors were copied into the layers; their staging buffers are not reused.
        BufferPool.shared.trim()
    }

    /// The noise (or v) prediction for NHWC `sample` [N, H, W, in_channels] at `timesteps` (one per
    /// batch item), conditioned on `context` [N, 77, D]; `classLabels` are the upscaler's noise levels.
    public func callAsFunction(_ sample: Tensor, timesteps: [Float], context: Tensor, classLabels: [Int]? = nil) throws -> Tensor {
        let n = sample.shape[0]
        guard sample.rank == 4, sample.shape[3] == config.inChannels, timesteps.count == n, context.shape[0] == n else {
            throw ComputeError.shapeMismatch("U-Net input \(sample.shape), \(timesteps.count) timesteps, context \(context.shape)")
        }
        let c0 = convIn.outChannels
        let sinusoid = SinusoidalEmbedding.timesteps(timesteps, dim: c0, flipSinToCos: config.flipSinToCos,
                                                     downscaleFreqShift: Float(config.freqShift))
        let hidden = try timeLinear1(sinusoid)
        hidden.activate(.silu)
        let emb = try timeLinear2(hidden)
        if let classEmbedding {
            guard let classLabels, classLabels.count == n else {
                throw ComputeError.shapeMismatch("this U-Net needs one class label (noise level) per batch item")
            }
            let rows = classEmbedding.shape[0], width = classEmbedding.shape[1]
            for (b, label) in classLabels.enumerated() {
                guard (0..<rows).contains(label) else {
                    throw ComputeError.shapeMismatch("class label \(label) outside 0..<\(rows)")
                }
                for j in 0..<width { emb.data[b * width + j] += classEmbedding.data[label * width + j] }
            }
        }
        let time = emb.activated(.silu)

        var h = try convIn(sample)
        var skips = [h]
        for block in downBlocks { h = try block(h, time: time, context: context, skips: &skips) }
        h = try midBlock(h, time: time, context: context)
        for block in upBlocks { h = try block(h, time: time, context: context, skips: &skips) }
        return try convOut(normOut(h, silu: true))
    }
}
