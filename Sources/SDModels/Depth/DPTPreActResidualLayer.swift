import SDCompute

/// transformers' `DPTPreActResidualLayer` (MiDaS `ResidualConvUnit_custom`): x + conv(relu(conv(relu(x)))).
/// Optional BatchNorms after the convolutions are folded into them at load time.
final class DPTPreActResidualLayer {
    let conv1: Conv2D
    let conv2: Conv2D

    init(_ p: ParameterLoader, channels: Int, batchNorm: Bool, bias: Bool) throws {
        conv1 = try DPTPreActResidualLayer.convolution(p, 1, channels: channels, batchNorm: batchNorm, bias: bias)
        conv2 = try DPTPreActResidualLayer.convolution(p, 2, channels: channels, batchNorm: batchNorm, bias: bias)
    }

    /// A 3x3 convolution with `batch_norm{index}` (eval mode, eps 1e-5) folded in:
    /// w' = w * g / sqrt(var + eps), b' = (b - mean) * g / sqrt(var + eps) + beta.
    private static func convolution(_ p: ParameterLoader, _ index: Int, channels: Int, batchNorm: Bool,
                                    bias: Bool) throws -> Conv2D {
        let name = "convolution\(index)"
        let weight = try p.tensor(name + ".weight", shape: [channels, channels, 3, 3])
        var b = bias ? try p.floats(name + ".bias", count: channels) : [Float](repeating: 0, count: channels)
        if batchNorm {
            let norm = "batch_norm\(index)"
            let gamma = try p.floats(norm + ".weight", count: channels)
            let beta = try p.floats(norm + ".bias", count: channels)
            let mean = try p.floats(norm + ".running_mean", count: channels)
            let variance = try p.floats(norm + ".running_var", count: channels)
            let fan = channels * 9
            for o in 0..<channels {
                let scale = Double(gamma[o]) / (Double(variance[o]) + 1e-5).squareRoot()
                for i in 0..<fan { weight.data[o * fan + i] = Float(Double(weight.data[o * fan + i]) * scale) }
                b[o] = Float((Double(b[o]) - Double(mean[o])) * scale + Double(beta[o]))
            }
        }
        let biasTensor = bias || batchNorm ? Tensor(shape: [channels], values: b) : nil
        return try Conv2D(weight: weight, bias: biasTensor, stride: 1, padding: 1)
    }

    /// x + branch(x), plus `addend` when given (the fusion layer's running sum).
    func callAsFunction(_ x: Tensor, plus addend: Tensor? = nil) throws -> Tensor {
        let h = try conv1(x.relu())
        h.applyReLU()
        let out = try addend.map { try x.adding($0) } ?? x.copy()
        try conv2.forward(h, accumulatingInto: out)
        return out
    }
}
