import SDCompute

/// BiT's non-pre-activation bottleneck (`BitBottleneckLayer`, ResNet v1.5 with the stride on the
/// 3x3): 1x1, 3x3, 1x1 weight-standardised convolutions with GroupNorm, a projected shortcut in the
/// first layer of each stage, ReLU after the sum.
final class BitBottleneckLayer {
    let downsample: (conv: WeightStandardizedConv2D, norm: BitGroupNormActivation)?
    let conv1: WeightStandardizedConv2D
    let norm1: BitGroupNormActivation
    let conv2: WeightStandardizedConv2D
    let norm2: BitGroupNormActivation
    let conv3: WeightStandardizedConv2D
    let norm3: BitGroupNormActivation

    init(_ p: ParameterLoader, in inChannels: Int, out outChannels: Int, stride: Int, first: Bool, groups: Int,
         padding: BitPadding) throws {
        let mid = BitConfig.makeDivisible(Double(outChannels) * 0.25)
        downsample = first ? (
            try WeightStandardizedConv2D(p, "downsample.conv", in: inChannels, out: outChannels, kernel: 1,
                                         stride: stride, padding: padding),
            try BitGroupNormActivation(p, "downsample.norm", groups: groups, channels: outChannels, activation: false)
        ) : nil
        conv1 = try WeightStandardizedConv2D(p, "conv1", in: inChannels, out: mid, kernel: 1, padding: padding)
        norm1 = try BitGroupNormActivation(p, "norm1", groups: groups, channels: mid)
        conv2 = try WeightStandardizedConv2D(p, "conv2", in: mid, out: mid, kernel: 3, stride: stride, padding: padding)
        norm2 = try BitGroupNormActivation(p, "norm2", groups: groups, channels: mid)
        conv3 = try WeightStandardizedConv2D(p, "conv3", in: mid, out: outChannels, kernel: 1, padding: padding)
        norm3 = try BitGroupNormActivation(p, "norm3", groups: groups, channels: outChannels, activation: false)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let shortcut = try downsample.map { try $0.norm($0.conv(x)) } ?? x
        let h = try norm3(conv3(norm2(conv2(norm1(conv1(x))))))
        try h.add(shortcut)
        h.applyReLU()
        return h
    }
}
