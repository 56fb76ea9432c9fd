import SDCompute

/// diffusers' ResnetBlock2D: GN+SiLU, conv, + time embedding, GN+SiLU, conv, + shortcut.
/// The residual sum is fused into the second convolution's write-out.
final class ResnetBlock2D {
    let norm1: GroupNorm
    let conv1: Conv2D
    let timeProjection: Linear?
    let norm2: GroupNorm
    let conv2: Conv2D
    let shortcut: Conv2D?

    init(_ p: ParameterLoader, in inChannels: Int, out outChannels: Int, timeChannels: Int?, groups: Int,
         eps: Float) throws {
        norm1 = try p.groupNorm("norm1", groups: groups, channels: inChannels, eps: eps)
        conv1 = try p.conv("conv1", in: inChannels, out: outChannels, kernel: 3)
        timeProjection = try timeChannels.map { try p.linear("time_emb_proj", in: $0, out: outChannels) }
        norm2 = try p.groupNorm("norm2", groups: groups, channels: outChannels, eps: eps)
        conv2 = try p.conv("conv2", in: outChannels, out: outChannels, kernel: 3)
        shortcut = inChannels == outChannels ? nil
            : try p.conv("conv_shortcut", in: inChannels, out: outChannels, kernel: 1)
    }

    /// `activatedTime` is SiLU(time embedding), [N, timeChannels], shared by every block.
    func callAsFunction(_ x: Tensor, activatedTime: Tensor?) throws -> Tensor {
        var h = try conv1(norm1(x, silu: true))
        if let timeProjection, let activatedTime {
            try h.addBroadcast(timeProjection(activatedTime))
        }
        h = try norm2(h, silu: true)
        let out = try shortcut.map { try $0(x) } ?? x.copy()
        try conv2.forward(h, accumulatingInto: out)
        return out
    }
}
