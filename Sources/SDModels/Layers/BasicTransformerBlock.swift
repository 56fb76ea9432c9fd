import SDCompute

/// diffusers' BasicTransformerBlock: self-attention (or cross-attention when
/// `only_cross_attention`), cross-attention, GEGLU feed-forward; pre-LayerNorm, residual each.
final class BasicTransformerBlock {
    let norm1: LayerNorm
    let attn1: MultiHeadAttention
    let onlyCross: Bool
    let norm2: LayerNorm
    let attn2: MultiHeadAttention
    let norm3: LayerNorm
    let ffIn: Linear
    let ffOut: Linear

    init(_ p: ParameterLoader, dim: Int, heads: Int, headDim: Int, contextDim: Int, onlyCrossAttention: Bool) throws {
        onlyCross = onlyCrossAttention
        norm1 = try p.layerNorm("norm1", channels: dim, eps: 1e-5)
        attn1 = try MultiHeadAttention(p.scoped("attn1"), queryDim: dim, contextDim: onlyCrossAttention ? contextDim : nil,
                                       heads: heads, headDim: headDim)
        norm2 = try p.layerNorm("norm2", channels: dim, eps: 1e-5)
        attn2 = try MultiHeadAttention(p.scoped("attn2"), queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim)
        norm3 = try p.layerNorm("norm3", channels: dim, eps: 1e-5)
        ffIn = try p.linear("ff.net.0.proj", in: dim, out: dim * 8)
        ffOut = try p.linear("ff.net.2", in: dim * 4, out: dim)
    }

    /// Updates `x` ([N, L, C]) in place.
    func callAsFunction(_ x: Tensor, context: Tensor) throws {
        try attn1.forward(norm1(x), context: onlyCross ? context : nil, accumulatingInto: x)
        try attn2.forward(norm2(x), context: context, accumulatingInto: x)
        try ffOut.forward(ffIn(norm3(x)).geglu(), accumulatingInto: x)
    }
}
