/// `unet/config.json` of a diffusers `UNet2DConditionModel`. Missing keys take the class's
/// defaults (diffusers 0.42), unknown keys are ignored.
public struct UNet2DConditionConfig: Codable, Equatable, Sendable {
    public var sampleSize: Int?
    public var inChannels = 4
    public var outChannels = 4
    public var centerInputSample = false
    public var flipSinToCos = true
    public var freqShift = 0
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var onlyCrossAttention: OneOrMany<Bool> = .one(false)
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock: OneOrMany<Int> = .one(2)
    public var downsamplePadding = 1
    public var midBlockScaleFactor = 1.0
    public var actFn = "silu"
    public var normNumGroups: Int? = 32
    public var normEps = 1e-5
    public var crossAttentionDim: OneOrMany<Int> = .one(1280)
    public var transformerLayersPerBlock: OneOrMany<Int> = .one(1)
    /// Despite the name, diffusers reads this as the number of heads when `num_attention_heads` is absent.
    public var attentionHeadDim: OneOrMany<Int> = .one(8)
    public var numAttentionHeads: OneOrMany<Int>?
    public var dualCrossAttention = false
    public var useLinearProjection = false
    public var classEmbedType: String?
    public var additionEmbedType: String?
    public var numClassEmbeds: Int?
    public var upcastAttention = false
    public var resnetTimeScaleShift = "default"
    public var timeEmbeddingType = "positional"
    public var convInKernel = 3
    public var convOutKernel = 3
    public var projectionClassEmbeddingsInputDim: Int?
    public var midBlockOnlyCrossAttention: Bool?
    public var attentionType = "default"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", flipSinToCos = "flip_sin_to_cos", freqShift = "freq_shift"
        case downBlockTypes = "down_block_types", midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case onlyCrossAttention = "only_cross_attention", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", downsamplePadding = "downsample_padding"
        case midBlockScaleFactor = "mid_block_scale_factor", actFn = "act_fn", normNumGroups = "norm_num_groups"
        case normEps = "norm_eps", crossAttentionDim = "cross_attention_dim"
        case transformerLayersPerBlock = "transformer_layers_per_block", attentionHeadDim = "attention_head_dim"
        case numAttentionHeads = "num_attention_heads", dualCrossAttention = "dual_cross_attention"
        case useLinearProjection = "use_linear_projection", classEmbedType = "class_embed_type"
        case additionEmbedType = "addition_embed_type", numClassEmbeds = "num_class_embeds"
        case upcastAttention = "upcast_attention", resnetTimeScaleShift = "resnet_time_scale_shift"
        case timeEmbeddingType = "time_embedding_type", convInKernel = "conv_in_kernel"
        case convOutKernel = "conv_out_kernel"
        case projectionClassEmbeddingsInputDim = "projection_class_embeddings_input_dim"
        case midBlockOnlyCrossAttention = "mid_block_only_cross_attention", attentionType = "attention_type"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        let d = UNet2DConditionConfig()
        sampleSize = try c.decodeIfPresent(Int.self, forKey: .sampleSize)
        inChannels = try read(.inChannels, d.inChannels)
        outChannels = try read(.outChannels, d.outChannels)
        centerInputSample = try read(.centerInputSample, d.centerInputSample)
        flipSinToCos = try read(.flipSinToCos, d.flipSinToCos)
        freqShift = try read(.freqShift, d.freqShift)
        downBlockTypes = try read(.downBlockTypes, d.downBlockTypes)
        midBlockType = c.contains(.midBlockType) ? try c.decodeIfPresent(String.self, forKey: .midBlockType) : d.midBlockType
        upBlockTypes = try read(.upBlockTypes, d.upBlockTypes)
        onlyCrossAttention = try read(.onlyCrossAttention, d.onlyCrossAttention)
        blockOutChannels = try read(.blockOutChannels, d.blockOutChannels)
        layersPerBlock = try read(.layersPerBlock, d.layersPerBlock)
        downsamplePadding = try read(.downsamplePadding, d.downsamplePadding)
        midBlockScaleFactor = try read(.midBlockScaleFactor, d.midBlockScaleFactor)
        actFn = try read(.actFn, d.actFn)
        normNumGroups = c.contains(.normNumGroups) ? try c.decodeIfPresent(Int.self, forKey: .normNumGroups) : d.normNumGroups
        normEps = try read(.normEps, d.normEps)
        crossAttentionDim = try read(.crossAttentionDim, d.crossAttentionDim)
        transformerLayersPerBlock = try read(.transformerLayersPerBlock, d.transformerLayersPerBlock)
        attentionHeadDim = try read(.attentionHeadDim, d.attentionHeadDim)
        numAttentionHeads = try c.decodeIfPresent(OneOrMany<Int>.self, forKey: .numAttentionHeads)
        dualCrossAttention = try read(.dualCrossAttention, d.dualCrossAttention)
        useLinearProjection = try read(.useLinearProjection, d.useLinearProjection)
        classEmbedType = try c.decodeIfPresent(String.self, forKey: .classEmbedType)
        additionEmbedType = try c.decodeIfPresent(String.self, forKey: .additionEmbedType)
        numClassEmbeds = try c.decodeIfPresent(Int.self, forKey: .numClassEmbeds)
        upcastAttention = try read(.upcastAttention, d.upcastAttention)
        resnetTimeScaleShift = try read(.resnetTimeScaleShift, d.resnetTimeScaleShift)
        timeEmbeddingType = try read(.timeEmbeddingType, d.timeEmbeddingType)
        convInKernel = try read(.convInKernel, d.convInKernel)
        convOutKernel = try read(.convOutKernel, d.convOutKernel)
        projectionClassEmbeddingsInputDim = try c.decodeIfPresent(Int.self, forKey: .projectionClassEmbeddingsInputDim)
        midBlockOnlyCrossAttention = try c.decodeIfPresent(Bool.self, forKey: .midBlockOnlyCrossAttention)
        attentionType = try read(.attentionType, d.attentionType)
    }

    /// Heads per down block, as diffusers computes them: `num_attention_heads or attention_head_dim`.
    public var attentionHeads: [Int]? {
        (numAttentionHeads ?? attentionHeadDim).values(count: blockOutChannels.count)
    }
}
