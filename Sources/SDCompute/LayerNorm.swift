import CKernels

/// LayerNorm over the last dimension.
public struct LayerNorm: Sendable {
    public let eps: Float
    public let gamma: [Float]
    public let beta: [Float]

    public init(eps: Float, gamma: [Float], beta: [Float]) throws {
        guard gamma.count == beta.count, !gamma.isEmpty else {
            throw ComputeError.shapeMismatch("layer norm weight \(gamma.count) and bias \(beta.count)")
        }
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let channels = gamma.count
        guard x.shape.last == channels else {
            throw ComputeError.shapeMismatch("layer norm over \(channels) on \(x.shape)")
        }
        let out = Tensor(shape: x.shape)
        KernelProfile.measure("layer norm") {
            gamma.withUnsafeBufferPointer { g in
                beta.withUnsafeBufferPointer { b in
                    sd_layer_norm(x.data, out.data, Int64(x.count / channels), Int64(channels), eps,
                                  g.baseAddress, b.baseAddress)
                }
            }
        }
        return out
    }
}
