import SDCompute

/// `nn.ConvTranspose2d` with kernel == stride and no padding (DPT's upsampling reassemble): the
/// patches do not overlap, so it is one matmul [C_in -> f*f*C_out] per pixel and a scatter.
final class PatchTransposedConv2D {
    let factor: Int
    let outChannels: Int
    let matmul: Linear
    let bias: [Float]

    /// `weight` is PyTorch's [C_in, C_out, f, f].
    init(_ p: ParameterLoader, _ name: String, in inChannels: Int, out outChannels: Int, factor: Int) throws {
        let w = try p.tensor(name + ".weight", shape: [inChannels, outChannels, factor, factor])
        bias = try p.floats(name + ".bias", count: outChannels)
        let rows = Tensor(shape: [factor * factor * outChannels, inChannels])
        for i in 0..<inChannels {
            for o in 0..<outChannels {
                for k in 0..<(factor * factor) {
                    rows.data[(k * outChannels + o) * inChannels + i] = w.data[(i * outChannels + o) * factor * factor + k]
                }
            }
        }
        matmul = try Linear(weight: rows, bias: nil)
        self.factor = factor
        self.outChannels = outChannels
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let (f, c) = (factor, outChannels)
        let patches = try matmul(x)
        let out = Tensor(shape: [n, h * f, w * f, c])
        for b in 0..<n {
            for y in 0..<h {
                for x0 in 0..<w {
                    let source = patches.data + ((b * h + y) * w + x0) * f * f * c
                    for i in 0..<f {
                        for j in 0..<f {
                            let target = out.data + ((b * h * f + y * f + i) * w * f + x0 * f + j) * c
                            let part = source + (i * f + j) * c
                            for o in 0..<c { target[o] = part[o] + bias[o] }
                        }
                    }
                }
            }
        }
        return out
    }
}
