import SDCompute

/// One pre-LayerNorm transformer layer of CLIP's text tower (causal self-attention + MLP).
final class CLIPEncoderLayer {
    let norm1: LayerNorm
    let qkv: Linear
    let out: Linear
    let norm2: LayerNorm
    let fc1: Linear
    let fc2: Linear
    let heads: Int
    let activation: Activation

    init(_ p: ParameterLoader, width: Int, intermediate: Int, heads: Int, activation: Activation, eps: Float) throws {
        self.heads = heads
        self.activation = activation
        norm1 = try p.layerNorm("layer_norm1", channels: width, eps: eps)
        qkv = try p.fusedLinear(["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"], in: width, out: width, bias: true)
        out = try p.linear("self_attn.out_proj", in: width, out: width)
        norm2 = try p.layerNorm("layer_norm2", channels: width, eps: eps)
        fc1 = try p.linear("mlp.fc1", in: width, out: intermediate)
        fc2 = try p.linear("mlp.fc2", in: intermediate, out: width)
    }

    /// Updates `x` ([N, L, C]) in place.
    func callAsFunction(_ x: Tensor) throws {
        let (n, l, c) = (x.shape[0], x.shape[1], x.shape[2])
        let fused = try qkv(norm1(x))
        let attended = Attention.compute(
            q: .init(fused, offset: 0, stride: 3 * c), k: .init(fused, offset: c, stride: 3 * c),
            v: .init(fused, offset: 2 * c, stride: 3 * c), batch: n, queryLength: l, keyLength: l,
            heads: heads, headDim: c / heads, causal: true)
        try out.forward(attended, accumulatingInto: x)
        let hidden = try fc1(norm2(x))
        hidden.activate(activation)
        try fc2.forward(hidden, accumulatingInto: x)
    }
}
