import SDCompute
import SDWeights

/// transformers' `DPTForDepthEstimation` with a hybrid (BiT + ViT) backbone: MiDaS v3.0
/// DPT-Hybrid, the depth estimator Stable Diffusion 2 depth was trained with. The BiT backbone's
/// first two stages and two ViT layers feed the DPT neck (reassemble, fusion) and the depth head.
///
/// Works on NHWC tensors: `predictDepth` takes `[N, H, W, 3]` pixel values (normalised as
/// `DPTImageProcessor` does) and returns transformers' `predicted_depth`, relative inverse depth
/// (larger = nearer), as `[N, H, W]` row-major floats. With the default `head_in_index`, H x W is
/// the input size when that is a multiple of 32 (SD2: 384x384), otherwise what the fusion stages
/// reach, as in transformers. Parity with transformers 5.24 (float32): 2e-6 relative on the tiny
/// fixtures; 4e-5 at full size with random weights, where PyTorch's own float32 result is 5.5e-5
/// from float64.
public final class DPTDepthEstimator {
    public let config: DPTConfig
    let backbone: BitBackbone
    let patchProjection: Linear
    let clsToken: Tensor
    let positionEmbedding: Tensor
    let positionGrid: Int
    let layers: [DPTViTLayer]
    let readoutLayers: [Int]
    let reassemble: [DPTReassembleLayer]
    let neckConvs: [Conv2D]
    let fusion: [DPTFeatureFusionLayer]
    let head: DPTDepthEstimationHead
    let headIndex: Int

    /// Builds the model from transformers-named weights (`weights` nil: random parameters, for
    /// benchmarks). Configurations this port does not cover are refused with the reason.
    public init(config: DPTConfig, weights: WeightStore?) throws {
        let source = weights?.source ?? "DPT config"
        try DPTDepthEstimator.validate(config, source: source)
        guard let activation = Activation(configName: config.hiddenAct) else {
            throw WeightsError.badConfig(path: source, detail: "unsupported hidden_act \(config.hiddenAct)")
        }
        self.config = config
        let p = ParameterLoader(store: weights)
        let bit = config.resolvedBackbone
        let channels = bit.stageChannels
        let hidden = config.hiddenSize
        let embeddings = p.scoped("dpt.embeddings")
        backbone = try BitBackbone(embeddings.scoped("backbone.bit"), config: bit,
                                   padding: BitPadding(configValue: bit.globalPadding) ?? .same)
        patchProjection = try embeddings.projection("projection", in: channels[2], out: hidden)
        clsToken = try embeddings.tensor("cls_token", shape: [1, 1, hidden])
        positionGrid = config.imageSize / config.patchSize
        positionEmbedding = try embeddings.tensor("position_embeddings",
                                                  shape: [1, 1 + positionGrid * positionGrid, hidden])
        layers = try (0..<config.numHiddenLayers).map {
            try DPTViTLayer(p.scoped("dpt.encoder.layer.\($0)"), config: config, activation: activation)
        }
        // DPTModel's final LayerNorm: in every checkpoint, but the depth path reads the layers before it.
        _ = try p.layerNorm("dpt.layernorm", channels: hidden, eps: Float(config.layerNormEps))
        readoutLayers = config.readoutLayers
        let stage = p.scoped("neck.reassemble_stage")
        reassemble = try readoutLayers.indices.map { k in
            try DPTReassembleLayer(stage, level: k + 2, hidden: hidden, channels: config.neckHiddenSizes[k + 2],
                                   factor: config.reassembleFactors[k + 2], activation: activation)
        }
        let fusionChannels = config.fusionHiddenSize
        neckConvs = try config.neckHiddenSizes.enumerated().map { i, size in
            try p.conv("neck.convs.\(i)", in: size, out: fusionChannels, kernel: 3, bias: false)
        }
        let batchNorm = config.useBatchNormInFusionResidual
        fusion = try config.neckHiddenSizes.indices.map { i in
            try DPTFeatureFusionLayer(p.scoped("neck.fusion_stage.layers.\(i)"), channels: fusionChannels,
                                      batchNorm: batchNorm, bias: config.useBiasInFusionResidual ?? !batchNorm)
        }
        head = try DPTDepthEstimationHead(p.scoped("head"), channels: fusionChannels)
        headIndex = config.headInIndex < 0 ? config.neckHiddenSizes.count + config.headInIndex : config.headInIndex
        try p.checkAllConsumed(ignoring: { $0.hasSuffix(".num_batches_tracked") })
        // Weight tensors were copied into the layers; their staging buffers are not reused.
        BufferPool.shared.trim()
    }

    /// Relative inverse depth for NHWC `pixelValues` [N, H, W, 3]. H and W must give the same grid
    /// in the backbone (stride 16) and in patches of `patch_size` (multiples of 16 always do); the
    /// position embedding is resized to that grid as transformers' `_resize_pos_embed` does.
    /// Unlike transformers, which refuses sizes other than `image_size` for hybrid models, any such
    /// size works, as it does in MiDaS.
    public func predictDepth(pixelValues x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[0] > 0, x.shape[3] == config.numChannels else {
            throw ComputeError.shapeMismatch("DPT expects NHWC pixel values with \(config.numChannels) channels, got \(x.shape)")
        }
        let (n, gh, gw) = (x.shape[0], x.shape[1] / config.patchSize, x.shape[2] / config.patchSize)
        let stages = try backbone(x)
        let grid = stages[2]
        guard gh > 0, gw > 0, grid.shape[1] == gh, grid.shape[2] == gw else {
            throw ComputeError.shapeMismatch("a \(x.shape[1])x\(x.shape[2]) input gives a \(grid.shape[1])x\(grid.shape[2]) "
                + "backbone grid but \(gh)x\(gw) patches of \(config.patchSize); use multiples of \(config.patchSize)")
        }
        let hidden = config.hiddenSize
        let patches = try patchProjection(grid)
        let position = try positionEmbeddings(gridHeight: gh, gridWidth: gw)
        let length = 1 + gh * gw
        let tokens = Tensor(shape: [n, length, hidden])
        for b in 0..<n {
            let row = tokens.data + b * length * hidden
            for j in 0..<hidden { row[j] = clsToken.data[j] + position.data[j] }
            let source = patches.data + b * gh * gw * hidden
            for i in 0..<(gh * gw * hidden) { row[hidden + i] = source[i] + position.data[hidden + i] }
        }
        var levels = [stages[0], stages[1]]
        var readouts: [Tensor] = []
        for (index, layer) in layers.enumerated() where index <= (readoutLayers.last ?? -1) {
            try layer(tokens)
            if readoutLayers.contains(index) { readouts.append(tokens.copy()) }
        }
        for (layer, readout) in zip(reassemble, readouts) {
            levels.append(try layer(readout, gridHeight: gh, gridWidth: gw))
        }
        let features = try zip(neckConvs, levels).map { conv, level in try conv(level) }
        var fused: [Tensor] = []
        for (layer, feature) in zip(fusion, features.reversed()) {
            fused.append(try fused.last.map { try layer($0, residual: feature) } ?? layer(feature, residual: nil))
        }
        return try head(fused[headIndex])
    }

    /// [1 + gh*gw, hidden]: the [CLS] row, then the grid rows bilinearly resized (no aligned
    /// corners) from the trained square grid, as `_resize_pos_embed`.
    func positionEmbeddings(gridHeight gh: Int, gridWidth gw: Int) throws -> Tensor {
        let hidden = config.hiddenSize
        let g = positionGrid
        if gh == g && gw == g { return positionEmbedding.reshaped([1 + g * g, hidden]) }
        let trained = Tensor(shape: [1, g, g, hidden])
        trained.data.update(from: positionEmbedding.data + hidden, count: g * g * hidden)
        let resized = try trained.resizedBilinear(height: gh, width: gw, alignCorners: false)
        let out = Tensor(shape: [1 + gh * gw, hidden])
        out.data.update(from: positionEmbedding.data, count: hidden)
        (out.data + hidden).update(from: resized.data, count: gh * gw * hidden)
        return out
    }
}
