import CKernels

/// A 2-D convolution on NHWC tensors. Weights arrive in PyTorch's OIHW layout and are reordered
/// once into oneDNN's blocked layout; primitives are cached per input geometry.
public final class Conv2D: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    private let kernelArea: Int
    private let handle: OpaquePointer

    /// `padding` is (top, left, bottom, right), which also covers diffusers' asymmetric (0, 1)
    /// padding of the VAE's downsampler.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1,
                padding: (top: Int, left: Int, bottom: Int, right: Int), storage: WeightStorage = .f32) throws {
        guard weight.rank == 4 else { throw ComputeError.shapeMismatch("conv weight \(weight.shape) is not OIHW") }
        if let bias, bias.count != weight.shape[0] {
            throw ComputeError.shapeMismatch("conv bias \(bias.shape) for weight \(weight.shape)")
        }
        outChannels = weight.shape[0]
        inChannels = weight.shape[1]
        kernelArea = weight.shape[2] * weight.shape[3]
        guard let h = sd_conv_create(Int64(inChannels), Int64(outChannels), Int64(weight.shape[2]),
                                     Int64(weight.shape[3]), Int64(stride), Int64(padding.top),
                                     Int64(padding.left), Int64(padding.bottom), Int64(padding.right),
                                     weight.data, bias?.data, storage.kernelCode) else {
            throw ComputeError.primitiveFailed("convolution \(weight.shape) stride \(stride)")
        }
        handle = h
    }

    public convenience init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int,
                            storage: WeightStorage = .f32) throws {
        try self.init(weight: weight, bias: bias, stride: stride,
                      padding: (padding, padding, padding, padding), storage: storage)
    }

    deinit { sd_conv_destroy(handle) }

    /// Whether the last call used oneDNN's Winograd algorithm (3x3, stride 1, images of at least
    /// 64x64; `SD_DIRECT_CONV=1` turns it off).
    public var lastRunUsedWinograd: Bool { sd_conv_last_used_winograd(handle) != 0 }

    /// Whether large images may use Winograd (default true). Its transformed weights take 4x
    /// the memory of the layer's own, which a model may not be able to afford.
    public var allowsWinograd = true {
        didSet { sd_conv_allow_winograd(handle, allowsWinograd ? 1 : 0) }
    }

    public func outputShape(for x: Tensor) throws -> [Int] {
        guard x.rank == 4, x.shape[3] == inChannels else {
            throw ComputeError.shapeMismatch("conv expects NHWC with \(inChannels) channels, got \(x.shape)")
        }
        let oh = Int(sd_conv_out_size(handle, Int64(x.shape[1]), 1))
        let ow = Int(sd_conv_out_size(handle, Int64(x.shape[2]), 0))
        guard oh > 0, ow > 0 else { throw ComputeError.shapeMismatch("conv input \(x.shape) too small") }
        return [x.shape[0], oh, ow, outChannels]
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let out = Tensor(shape: try outputShape(for: x))
        try run(x, into: out, accumulate: false)
        return out
    }

    /// `out += conv(x)`: residual connections fused into the convolution's write-out.
    public func forward(_ x: Tensor, accumulatingInto out: Tensor) throws {
        guard try outputShape(for: x) == out.shape else {
            throw ComputeError.shapeMismatch("conv output \(out.shape) for input \(x.shape)")
        }
        try run(x, into: out, accumulate: true)
    }

    private func run(_ x: Tensor, into out: Tensor, accumulate: Bool) throws {
        let flops = 2 * Double(out.count) * Double(inChannels * kernelArea)
        let status = KernelProfile.measure("conv \(kernelArea == 1 ? "1x1" : "3x3")", flops: flops) {
            sd_conv_forward(handle, Int64(x.shape[0]), Int64(x.shape[1]), Int64(x.shape[2]), x.data, out.data, accumulate ? 1 : 0)
        }
        guard status == 0 else { throw ComputeError.primitiveFailed("convolution on \(x.shape)") }
        FlopCounter.add(flops)
    }
}
