import SDCompute

/// A stride-2 3x3 convolution. The U-Net pads 1 on every side; the VAE encoder pads only
/// right and bottom (diffusers' `padding=0` path), which oneDNN takes as asymmetric padding.
final class Downsample2D {
    let conv: Conv2D

    init(_ p: ParameterLoader, channels: Int, asymmetricPadding: Bool) throws {
        conv = try p.conv("conv", in: channels, out: channels, kernel: 3, stride: 2,
                          padding: asymmetricPadding ? (0, 0, 1, 1) : (1, 1, 1, 1))
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try conv(x) }
}
