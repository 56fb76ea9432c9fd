import SDCompute

/// transformers' `DPTViTLayer` (timm's ViT `Block`): pre-LayerNorm self-attention and GELU MLP,
/// each added back to the residual stream. Q, K and V run as one matmul.
final class DPTViTLayer {
    let normBefore: LayerNorm
    let qkv: Linear
    let attentionOutput: Linear
    let normAfter: LayerNorm
    let intermediate: Linear
    let output: Linear
    let heads: Int
    let activation: Activation

    init(_ p: ParameterLoader, config: DPTConfig, activation: Activation) throws {
        let width = config.hiddenSize
        let eps = Float(config.layerNormEps)
        heads = config.numAttentionHeads
        self.activation = activation
        normBefore = try p.layerNorm("layernorm_before", channels: width, eps: eps)
        qkv = try p.fusedLinear(["attention.attention.query", "attention.attention.key", "attention.attention.value"],
                                in: width, out: width, bias: config.qkvBias)
        attentionOutput = try p.linear("attention.output.dense", in: width, out: width)
        normAfter = try p.layerNorm("layernorm_after", channels: width, eps: eps)
        intermediate = try p.linear("intermediate.dense", in: width, out: config.intermediateSize)
        output = try p.linear("output.dense", in: config.intermediateSize, out: width)
    }

    /// Updates `x` ([N, L, C]) in place.
    func callAsFunction(_ x: Tensor) throws {
        let (n, l, c) = (x.shape[0], x.shape[1], x.shape[2])
        let fused = try qkv(normBefore(x))
        let attended = Attention.compute(
            q: .init(fused, offset: 0, stride: 3 * c), k: .init(fused, offset: c, stride: 3 * c),
            v: .init(fused, offset: 2 * c, stride: 3 * c), batch: n, queryLength: l, keyLength: l,
            heads: heads, headDim: c / heads)
        try attentionOutput.forward(attended, accumulatingInto: x)
        let hidden = try intermediate(normAfter(x))
        hidden.activate(activation)
        try output.forward(hidden, accumulatingInto: x)
    }
}
