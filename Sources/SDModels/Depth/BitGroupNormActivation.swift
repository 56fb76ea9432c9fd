import SDCompute

/// BiT's `BitGroupNormActivation`: GroupNorm (eps 1e-5), then ReLU unless the block adds a
/// shortcut first.
struct BitGroupNormActivation {
    let norm: GroupNorm
    let activation: Bool

    init(_ p: ParameterLoader, _ name: String, groups: Int, channels: Int, activation: Bool = true) throws {
        norm = try p.groupNorm(name, groups: groups, channels: channels, eps: 1e-5)
        self.activation = activation
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try norm(x)
        if activation { y.applyReLU() }
        return y
    }
}
