import CKernels

/// Multi-head scaled dot-product attention, computed in blocks of query rows so the
/// [queries x keys] score matrix is never materialised (a 4096x4096 matrix per head at 512x512).
public enum Attention {
    /// A [batch, length, heads*headDim]-shaped operand that may live inside a wider fused
    /// projection (e.g. the K part of a [batch, length, 3*C] QKV matmul): `offset` columns in,
    /// rows `stride` floats apart.
    public struct Operand {
        public let tensor: Tensor
        public let offset: Int
        public let stride: Int
        public init(_ tensor: Tensor, offset: Int = 0, stride: Int? = nil) {
            self.tensor = tensor
            self.offset = offset
            self.stride = stride ?? (tensor.shape.last ?? 0)
        }
        var pointer: UnsafeMutablePointer<Float> { tensor.data + offset }
    }

    /// softmax(q k^T * scale) v per head; returns [batch, lq, heads*headDim].
    public static func compute(q: Operand, k: Operand, v: Operand, batch: Int, queryLength: Int,
                               keyLength: Int, heads: Int, headDim: Int, causal: Bool = false) -> Tensor {
        let out = Tensor(shape: [batch, queryLength, heads * headDim])
        let flops = 4 * Double(batch * heads) * Double(queryLength) * Double(keyLength * headDim)
        KernelProfile.measure("attention \(keyLength == queryLength ? "self" : "cross")", flops: flops) {
            sd_attention(q.pointer, Int64(q.stride), k.pointer, Int64(k.stride), v.pointer, Int64(v.stride),
                         out.data, Int64(heads * headDim), Int64(batch), Int64(heads), Int64(queryLength),
                         Int64(keyLength), Int64(headDim), 1 / Float(headDim).squareRoot(), causal ? 1 : 0)
        }
        FlopCounter.add(flops)
        return out
    }
}
