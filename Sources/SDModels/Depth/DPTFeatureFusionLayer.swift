import SDCompute

/// transformers' `DPTFeatureFusionLayer` (MiDaS `FeatureFusionBlock_custom`): adds the next level
/// (resized when its size differs, bilinear without aligned corners), refines, doubles the
/// resolution (bilinear, aligned corners) and mixes channels with a 1x1 convolution.
final class DPTFeatureFusionLayer {
    let residual1: DPTPreActResidualLayer
    let residual2: DPTPreActResidualLayer
    let projection: Linear

    init(_ p: ParameterLoader, channels: Int, batchNorm: Bool, bias: Bool) throws {
        residual1 = try DPTPreActResidualLayer(p.scoped("residual_layer1"), channels: channels, batchNorm: batchNorm,
                                               bias: bias)
        residual2 = try DPTPreActResidualLayer(p.scoped("residual_layer2"), channels: channels, batchNorm: batchNorm,
                                               bias: bias)
        projection = try p.projection("projection", in: channels, out: channels)
    }

    func callAsFunction(_ hidden: Tensor, residual: Tensor?) throws -> Tensor {
        var h = hidden
        if var residual {
            if residual.shape != h.shape {
                residual = try residual.resizedBilinear(height: h.shape[1], width: h.shape[2], alignCorners: false)
            }
            h = try residual1(residual, plus: h)
        }
        h = try residual2(h)
        h = try h.resizedBilinear(height: h.shape[1] * 2, width: h.shape[2] * 2, alignCorners: true)
        return try projection(h)
    }
}
