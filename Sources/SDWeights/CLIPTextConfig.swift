/// `text_encoder/config.json` of a transformers `CLIPTextModel`; missing keys take the
/// transformers defaults, unknown keys are ignored.
public struct CLIPTextConfig: Codable, Equatable, Sendable {
    public var vocabSize = 49408
    public var hiddenSize = 512
    public var intermediateSize = 2048
    public var projectionDim = 512
    public var numHiddenLayers = 12
    public var numAttentionHeads = 8
    public var maxPositionEmbeddings = 77
    public var hiddenAct = "quick_gelu"
    public var layerNormEps = 1e-5
    public var padTokenId = 1
    public var bosTokenId = 49406
    public var eosTokenId = 49407

    public init() {}

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case projectionDim = "projection_dim", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", padTokenId = "pad_token_id"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        let d = CLIPTextConfig()
        vocabSize = try read(.vocabSize, d.vocabSize)
        hiddenSize = try read(.hiddenSize, d.hiddenSize)
        intermediateSize = try read(.intermediateSize, d.intermediateSize)
        projectionDim = try read(.projectionDim, d.projectionDim)
        numHiddenLayers = try read(.numHiddenLayers, d.numHiddenLayers)
        numAttentionHeads = try read(.numAttentionHeads, d.numAttentionHeads)
        maxPositionEmbeddings = try read(.maxPositionEmbeddings, d.maxPositionEmbeddings)
        hiddenAct = try read(.hiddenAct, d.hiddenAct)
        layerNormEps = try read(.layerNormEps, d.layerNormEps)
        padTokenId = try read(.padTokenId, d.padTokenId)
        bosTokenId = try read(.bosTokenId, d.bosTokenId)
        eosTokenId = try read(.eosTokenId, d.eosTokenId)
    }
}
