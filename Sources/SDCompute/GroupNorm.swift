import CKernels

/// GroupNorm over channels-last data ([N, H, W, C] or [N, L, C]), optionally fused with SiLU
/// (the U-Net and VAE almost always follow a GroupNorm with SiLU).
public struct GroupNorm: Sendable {
    public let groups: Int
    public let eps: Float
    public let gamma: [Float]
    public let beta: [Float]

    public init(groups: Int, eps: Float, gamma: [Float], beta: [Float]) throws {
        guard groups > 0, gamma.count % groups == 0, gamma.count == beta.count else {
            throw ComputeError.shapeMismatch("group norm with \(groups) groups over \(gamma.count) channels")
        }
        self.groups = groups
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    public func callAsFunction(_ x: Tensor, silu: Bool = false) throws -> Tensor {
        let channels = gamma.count
        guard x.rank >= 2, x.shape.last == channels else {
            throw ComputeError.shapeMismatch("group norm over \(channels) channels on \(x.shape)")
        }
        let out = Tensor(shape: x.shape)
        let batch = x.shape[0]
        KernelProfile.measure("group norm") {
            gamma.withUnsafeBufferPointer { g in
                beta.withUnsafeBufferPointer { b in
                    sd_group_norm(x.data, out.data, Int64(batch), Int64(x.count / batch / channels), Int64(channels),
                                  Int64(groups), eps, g.baseAddress, b.baseAddress, silu ? 1 : 0)
                }
            }
        }
        return out
    }
}
