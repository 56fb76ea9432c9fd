import SDCompute

/// UNetMidBlock2D as the VAE uses it: ResNet, attention, ResNet, no time embedding.
final class VAEMidBlock {
    let first: ResnetBlock2D
    let attention: VAEAttentionBlock
    let second: ResnetBlock2D

    init(_ p: ParameterLoader, channels: Int, groups: Int) throws {
        first = try ResnetBlock2D(p.scoped("resnets.0"), in: channels, out: channels, timeChannels: nil, groups: groups, eps: 1e-6)
        attention = try VAEAttentionBlock(p.scoped("attentions.0"), channels: channels, groups: groups)
        second = try ResnetBlock2D(p.scoped("resnets.1"), in: channels, out: channels, timeChannels: nil, groups: groups, eps: 1e-6)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try second(attention(first(x, activatedTime: nil)), activatedTime: nil)
    }
}
