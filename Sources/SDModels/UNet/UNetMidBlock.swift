import SDCompute

/// UNetMidBlock2DCrossAttn: ResNet, transformer, ResNet at the lowest resolution.
final class UNetMidBlock {
    let first: ResnetBlock2D
    let attention: Transformer2DModel
    let second: ResnetBlock2D

    init(_ p: ParameterLoader, channels: Int, timeChannels: Int, attention spec: UNetAttentionSpec, groups: Int,
         eps: Float) throws {
        first = try ResnetBlock2D(p.scoped("resnets.0"), in: channels, out: channels, timeChannels: timeChannels,
                                  groups: groups, eps: eps)
        attention = try spec.make(p.scoped("attentions.0"), channels: channels, groups: groups)
        second = try ResnetBlock2D(p.scoped("resnets.1"), in: channels, out: channels, timeChannels: timeChannels,
                                   groups: groups, eps: eps)
    }

    func callAsFunction(_ x: Tensor, time: Tensor, context: Tensor) throws -> Tensor {
        try second(attention(first(x, activatedTime: time), context: context), activatedTime: time)
    }
}
