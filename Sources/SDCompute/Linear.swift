import CKernels

/// y = x W^T + b over the last dimension, with W prepacked by oneDNN once.
public final class Linear: @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    private let handle: OpaquePointer

    /// `weight` is [out, in] as PyTorch stores it. A [out, in, 1, 1] 1x1-conv weight is accepted
    /// too: on channels-last tensors a 1x1 convolution is this matmul.
    public init(weight: Tensor, bias: Tensor?, storage: WeightStorage = .f32) throws {
        guard weight.rank == 2 || (weight.rank == 4 && weight.shape[2] == 1 && weight.shape[3] == 1) else {
            throw ComputeError.shapeMismatch("linear weight \(weight.shape)")
        }
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        if let bias, bias.count != outFeatures {
            throw ComputeError.shapeMismatch("linear bias \(bias.shape) for weight \(weight.shape)")
        }
        guard let h = sd_linear_create(Int64(inFeatures), Int64(outFeatures), weight.data, bias?.data,
                                       storage.kernelCode) else {
            throw ComputeError.primitiveFailed("linear \(weight.shape)")
        }
        handle = h
    }

    deinit { sd_linear_destroy(handle) }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == inFeatures else {
            throw ComputeError.shapeMismatch("linear expects last dimension \(inFeatures), got \(x.shape)")
        }
        let out = Tensor(shape: Array(x.shape.dropLast()) + [outFeatures])
        try run(x, into: out, accumulate: false)
        return out
    }

    /// `out += linear(x)`: residual connections fused into the matmul's write-out.
    public func forward(_ x: Tensor, accumulatingInto out: Tensor) throws {
        guard x.shape.last == inFeatures, out.count == x.count / inFeatures * outFeatures else {
            throw ComputeError.shapeMismatch("linear \(inFeatures)->\(outFeatures) on \(x.shape) into \(out.shape)")
        }
        try run(x, into: out, accumulate: true)
    }

    private func run(_ x: Tensor, into out: Tensor, accumulate: Bool) throws {
        let rows = x.count / inFeatures
        let flops = 2 * Double(rows) * Double(inFeatures * outFeatures)
        let status = KernelProfile.measure("matmul", flops: flops) {
            sd_linear_forward(handle, Int64(rows), x.data, out.data, accumulate ? 1 : 0)
        }
        guard status == 0 else {
            throw ComputeError.primitiveFailed("linear \(inFeatures)->\(outFeatures) on \(x.shape)")
        }
        FlopCounter.add(flops)
    }
}
