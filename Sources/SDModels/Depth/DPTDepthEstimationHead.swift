import SDCompute

/// transformers' `DPTDepthEstimationHead` (MiDaS `output_conv`): 3x3 conv halving the channels,
/// 2x bilinear upsampling (aligned corners), 3x3 conv to 32, ReLU, 1x1 conv to one channel, ReLU.
final class DPTDepthEstimationHead {
    let conv1: Conv2D
    let conv2: Conv2D
    let conv3: Linear

    init(_ p: ParameterLoader, channels: Int) throws {
        conv1 = try p.conv("head.0", in: channels, out: channels / 2, kernel: 3)
        conv2 = try p.conv("head.2", in: channels / 2, out: 32, kernel: 3)
        conv3 = try p.projection("head.4", in: 32, out: 1)
    }

    /// NHWC features -> [N, 2H, 2W] depth.
    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try conv1(x)
        h = try h.resizedBilinear(height: h.shape[1] * 2, width: h.shape[2] * 2, alignCorners: true)
        h = try conv2(h)
        h.applyReLU()
        h = try conv3(h)
        h.applyReLU()
        return h.reshaped(Array(h.shape.dropLast()))
    }
}
