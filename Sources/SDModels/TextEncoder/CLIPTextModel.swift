import SDCompute
import SDWeights

/// transformers' CLIPTextModel: SD1's OpenAI ViT-L/14 text tower (quick-GELU) and SD2's
/// OpenCLIP ViT-H/14 tower (GELU; its diffusers config already drops the last layer, which is
/// how SD2 uses the penultimate layer).
public final class CLIPTextModel {
    public let config: CLIPTextConfig
    let tokenEmbedding: Tensor
    let positionEmbedding: Tensor
    let layers: [CLIPEncoderLayer]
    let finalNorm: LayerNorm

    /// `weights` nil builds the model with random parameters (for `sd bench`).
    public init(config: CLIPTextConfig, weights: WeightStore?, storage: WeightStorage = .f32) throws {
        self.config = config
        guard let activation = Activation(configName: config.hiddenAct) else {
            throw WeightsError.badConfig(path: "text_encoder", detail: "unsupported hidden_act \(config.hiddenAct)")
        }
        let p = ParameterLoader(store: weights, prefix: "text_model", storage: storage)
        let width = config.hiddenSize
        tokenEmbedding = try p.tensor("embeddings.token_embedding.weight", shape: [config.vocabSize, width])
        positionEmbedding = try p.tensor("embeddings.position_embedding.weight", shape: [config.maxPositionEmbeddings, width])
        let eps = Float(config.layerNormEps)
        layers = try (0..<config.numHiddenLayers).map {
            try CLIPEncoderLayer(p.scoped("encoder.layers.\($0)"), width: width, intermediate: config.intermediateSize,
                                 heads: config.numAttentionHeads, activation: activation, eps: eps)
        }
        finalNorm = try p.layerNorm("final_layer_norm", channels: width, eps: eps)
        // position_ids is a buffer older transformers versions saved with the weights.
        try p.checkAllConsumed(ignoring: { $0.hasSuffix("position_ids") })
        // Weight tensors were copied into the layers; their staging buffers are not reused.
        BufferPool.shared.trim()
    }

    /// Hidden states [N, L, width] for token ids [N][L]. `skipLastLayers` is diffusers'
    /// `clip_skip` (A1111's "Clip skip" minus one): stop that many layers early, then apply the
    /// final LayerNorm, as the SD pipelines do.
    public func callAsFunction(_ ids: [[Int]], skipLastLayers: Int = 0) throws -> Tensor {
        guard let length = ids.first?.count, length <= config.maxPositionEmbeddings,
              ids.allSatisfy({ $0.count == length }) else {
            throw ComputeError.shapeMismatch("token ids must be rows of equal length <= \(config.maxPositionEmbeddings)")
        }
        guard (0..<layers.count).contains(skipLastLayers) else {
            throw ComputeError.shapeMismatch("clip skip \(skipLastLayers) for a \(layers.count)-layer text encoder")
        }
        let width = config.hiddenSize
        let x = Tensor(shape: [ids.count, length, width])
        for (b, row) in ids.enumerated() {
            for (i, id) in row.enumerated() {
                guard (0..<config.vocabSize).contains(id) else {
                    throw ComputeError.shapeMismatch("token id \(id) outside the vocabulary (\(config.vocabSize))")
                }
                let dst = x.data + (b * length + i) * width
                let tok = tokenEmbedding.data + id * width, pos = positionEmbedding.data + i * width
                for j in 0..<width { dst[j] = tok[j] + pos[j] }
            }
        }
        for layer in layers.dropLast(skipLastLayers) { try layer(x) }
        return try finalNorm(x)
    }
}
