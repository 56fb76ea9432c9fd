import SDCompute

/// Nearest-neighbour upsampling followed by a 3x3 convolution: 2x, or to the size of the skip
/// connection it will meet (diffusers' `upsample_size`, for latents not divisible by 2^levels).
final class Upsample2D {
    let conv: Conv2D

    init(_ p: ParameterLoader, channels: Int) throws {
        conv = try p.conv("conv", in: channels, out: channels, kernel: 3)
    }

    func callAsFunction(_ x: Tensor, height: Int? = nil, width: Int? = nil) throws -> Tensor {
        try conv(x.resizedNearest(height: height ?? 2 * x.shape[1], width: width ?? 2 * x.shape[2]))
    }
}
