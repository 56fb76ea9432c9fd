import SDCompute

/// diffusers' `Attention` (to_q/to_k/to_v/to_out.0) with Q, K and V fused into one matmul for
/// self-attention, and K and V fused for cross-attention.
final class MultiHeadAttention {
    let heads: Int
    let headDim: Int
    let isCross: Bool
    let query: Linear?
    let fused: Linear
    let output: Linear

    /// `contextDim` nil means self-attention.
    init(_ p: ParameterLoader, queryDim: Int, contextDim: Int?, heads: Int, headDim: Int, qkvBias: Bool = false) throws {
        self.heads = heads
        self.headDim = headDim
        let inner = heads * headDim
        isCross = contextDim != nil
        if let contextDim {
            query = try p.linear("to_q", in: queryDim, out: inner, bias: qkvBias)
            fused = try p.fusedLinear(["to_k", "to_v"], in: contextDim, out: inner, bias: qkvBias)
        } else {
            query = nil
            fused = try p.fusedLinear(["to_q", "to_k", "to_v"], in: queryDim, out: inner, bias: qkvBias)
        }
        output = try p.linear("to_out.0", in: inner, out: queryDim)
    }

    /// residual += attention(x, context). x is [N, L, C]; context [N, S, D] for cross-attention.
    func forward(_ x: Tensor, context: Tensor?, accumulatingInto residual: Tensor) throws {
        let inner = heads * headDim
        let (n, lq) = (x.shape[0], x.shape[1])
        let attended: Tensor
        if isCross, let query, let context {
            let q = try query(x)
            let kv = try fused(context)
            attended = Attention.compute(
                q: .init(q), k: .init(kv, offset: 0, stride: 2 * inner), v: .init(kv, offset: inner, stride: 2 * inner),
                batch: n, queryLength: lq, keyLength: context.shape[1], heads: heads, headDim: headDim)
        } else {
            let qkv = try fused(x)
            attended = Attention.compute(
                q: .init(qkv, offset: 0, stride: 3 * inner), k: .init(qkv, offset: inner, stride: 3 * inner),
                v: .init(qkv, offset: 2 * inner, stride: 3 * inner),
                batch: n, queryLength: lq, keyLength: lq, heads: heads, headDim: headDim)
        }
        try output.forward(attended, accumulatingInto: residual)
    }
}
