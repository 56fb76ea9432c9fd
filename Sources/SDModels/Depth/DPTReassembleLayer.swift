import SDCompute

/// One ViT level of transformers' `DPTReassembleStage` (readout "project"): the [CLS] token is
/// concatenated to every patch token and projected back (Linear + GELU), the token grid becomes an
/// image, a 1x1 convolution sets the channels and the resolution changes by `factor` (transposed
/// convolution up, strided 3x3 down). The concatenation is never formed: the projection's weight
/// is split into a patch half and a [CLS] half, and the [CLS] half becomes a per-image bias.
final class DPTReassembleLayer {
    enum Resize {
        case none
        case up(PatchTransposedConv2D)
        case down(Conv2D)
    }

    let readoutTokens: Linear
    let readoutCLS: Linear
    let activation: Activation
    let projection: Linear
    let resize: Resize

    init(_ p: ParameterLoader, level: Int, hidden: Int, channels: Int, factor: Double, activation: Activation) throws {
        let readout = try p.tensor("readout_projects.\(level).0.weight", shape: [hidden, 2 * hidden])
        let bias = try p.tensor("readout_projects.\(level).0.bias", shape: [hidden])
        let tokens = Tensor(shape: [hidden, hidden]), cls = Tensor(shape: [hidden, hidden])
        for r in 0..<hidden {
            (tokens.data + r * hidden).update(from: readout.data + r * 2 * hidden, count: hidden)
            (cls.data + r * hidden).update(from: readout.data + r * 2 * hidden + hidden, count: hidden)
        }
        readoutTokens = try Linear(weight: tokens, bias: nil)
        readoutCLS = try Linear(weight: cls, bias: bias)
        self.activation = activation
        let layer = p.scoped("layers.\(level)")
        projection = try layer.projection("projection", in: hidden, out: channels)
        if factor > 1 {
            resize = .up(try PatchTransposedConv2D(layer, "resize", in: channels, out: channels, factor: Int(factor)))
        } else if factor < 1 {
            resize = .down(try layer.conv("resize", in: channels, out: channels, kernel: 3, stride: Int(1 / factor),
                                          padding: (1, 1, 1, 1)))
        } else {
            resize = .none
        }
    }

    /// `hidden` is a ViT layer's output [N, 1 + gh*gw, C]; returns NHWC at the level's resolution.
    func callAsFunction(_ hidden: Tensor, gridHeight: Int, gridWidth: Int) throws -> Tensor {
        let (n, length, c) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        let cls = Tensor(shape: [n, c])
        let patches = Tensor(shape: [n, length - 1, c])
        for b in 0..<n {
            (cls.data + b * c).update(from: hidden.data + b * length * c, count: c)
            (patches.data + b * (length - 1) * c).update(from: hidden.data + (b * length + 1) * c, count: (length - 1) * c)
        }
        let projected = try readoutTokens(patches)
        try projected.addBroadcast(readoutCLS(cls))
        projected.activate(activation)
        let image = try projection(projected.reshaped([n, gridHeight, gridWidth, c]))
        switch resize {
        case .none: return image
        case let .up(conv): return try conv(image)
        case let .down(conv): return try conv(image)
        }
    }
}
