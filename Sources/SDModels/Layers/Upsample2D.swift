import SDCompute

/// Nearest-neighbour 2x upsampling followed by a 3x3 convolution.
final class Upsample2D {
    let conv: Conv2D

    init(_ p: ParameterLoader, channels: Int) throws {
        conv = try p.conv("conv", in: channels, out: channels, kernel: 3)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try conv(x.upsampledNearest2x()) }
}
