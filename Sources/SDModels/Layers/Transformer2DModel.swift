import SDCompute

/// diffusers' Transformer2DModel (LDM's SpatialTransformer): GroupNorm, projection in, transformer
/// blocks over the H*W tokens, projection out, residual. On NHWC data the image is already a
/// token sequence, so SD1's 1x1-conv projections and SD2's linear ones are the same matmul.
final class Transformer2DModel {
    let norm: GroupNorm
    let projIn: Linear
    let blocks: [BasicTransformerBlock]
    let projOut: Linear

    init(_ p: ParameterLoader, channels: Int, heads: Int, contextDim: Int, layers: Int, groups: Int,
         onlyCrossAttention: Bool) throws {
        let headDim = channels / heads
        let inner = heads * headDim
        norm = try p.groupNorm("norm", groups: groups, channels: channels, eps: 1e-6)
        projIn = try p.projection("proj_in", in: channels, out: inner)
        blocks = try (0..<layers).map {
            try BasicTransformerBlock(p.scoped("transformer_blocks.\($0)"), dim: inner, heads: heads, headDim: headDim,
                                      contextDim: contextDim, onlyCrossAttention: onlyCrossAttention)
        }
        projOut = try p.projection("proj_out", in: inner, out: channels)
    }

    /// Returns x + transformer(x); `x` is consumed (its buffer receives the result).
    func callAsFunction(_ x: Tensor, context: Tensor) throws -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = try projIn(norm(x).reshaped([n, h * w, c]))
        for block in blocks { try block(tokens, context: context) }
        try projOut.forward(tokens, accumulatingInto: x)
        return x
    }
}
