/// Synthesises a text-encoder config for a single-file checkpoint from the (converted) tensor shapes.
extension CLIPTextConfig {
    public static func inferred(from store: WeightStore, family: ModelFamily) throws -> CLIPTextConfig {
        var config = CLIPTextConfig()
        let embedding = try store.tensor("text_model.embeddings.token_embedding.weight").shape
        guard embedding.count == 2 else {
            throw WeightsError.shapeMismatch(name: "text_model.embeddings.token_embedding.weight",
                                             expected: [config.vocabSize, config.hiddenSize], got: embedding, source: store.source)
        }
        config.vocabSize = embedding[0]
        config.hiddenSize = embedding[1]
        config.maxPositionEmbeddings = try store.dimension("text_model.embeddings.position_embedding.weight", 0)
        config.numHiddenLayers = SingleFileConverter.indices(Array(store.tensors.keys), after: "text_model.encoder.layers.").count
        config.intermediateSize = try store.dimension("text_model.encoder.layers.0.mlp.fc1.weight", 0)
        // Real CLIP/OpenCLIP text towers use heads of width 64. The head count is in no tensor
        // shape, so other widths need `ModelLoadOptions.configFolder`; one head is a placeholder.
        config.numAttentionHeads = config.hiddenSize % 64 == 0 ? config.hiddenSize / 64 : 1
        // The ids the published SD text-encoder configs carry (openai/clip-vit-large-patch14's).
        config.bosTokenId = 0
        config.eosTokenId = 2
        config.padTokenId = 1
        switch family {
        case .sd1:
            config.hiddenAct = "quick_gelu"
            config.projectionDim = config.hiddenSize
        case .sd2:
            config.hiddenAct = "gelu"
            config.projectionDim = 512
        }
        return config
    }
}
