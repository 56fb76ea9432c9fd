import SDCompute

/// The VAE's single-head spatial self-attention (diffusers `Attention` with a GroupNorm and a
/// residual connection, q/k/v with biases).
final class VAEAttentionBlock {
    let norm: GroupNorm
    let attention: MultiHeadAttention

    init(_ p: ParameterLoader, channels: Int, groups: Int) throws {
        norm = try p.groupNorm("group_norm", groups: groups, channels: channels, eps: 1e-6)
        attention = try MultiHeadAttention(p, queryDim: channels, contextDim: nil, heads: 1, headDim: channels, qkvBias: true)
    }

    /// Returns x + attention(norm(x)); `x`'s buffer receives the result.
    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = x.reshaped([n, h * w, c])
        try attention.forward(norm(tokens), context: nil, accumulatingInto: tokens)
        return x
    }
}
