/// `vae/config.json` of a diffusers `AutoencoderKL`; missing keys take the class's defaults.
public struct AutoencoderKLConfig: Codable, Equatable, Sendable {
    public var inChannels = 3
    public var outChannels = 3
    public var downBlockTypes = ["DownEncoderBlock2D"]
    public var upBlockTypes = ["UpDecoderBlock2D"]
    public var blockOutChannels = [64]
    public var layersPerBlock = 1
    public var actFn = "silu"
    public var latentChannels = 4
    public var normNumGroups = 32
    public var sampleSize = 32
    public var scalingFactor = 0.18215
    public var shiftFactor: Double?
    public var forceUpcast = true
    public var useQuantConv = true
    public var usePostQuantConv = true
    public var midBlockAddAttention = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", actFn = "act_fn", latentChannels = "latent_channels"
        case normNumGroups = "norm_num_groups", sampleSize = "sample_size", scalingFactor = "scaling_factor"
        case shiftFactor = "shift_factor", forceUpcast = "force_upcast", useQuantConv = "use_quant_conv"
        case usePostQuantConv = "use_post_quant_conv", midBlockAddAttention = "mid_block_add_attention"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        let d = AutoencoderKLConfig()
        inChannels = try read(.inChannels, d.inChannels)
        outChannels = try read(.outChannels, d.outChannels)
        downBlockTypes = try read(.downBlockTypes, d.downBlockTypes)
        upBlockTypes = try read(.upBlockTypes, d.upBlockTypes)
        blockOutChannels = try read(.blockOutChannels, d.blockOutChannels)
        layersPerBlock = try read(.layersPerBlock, d.layersPerBlock)
        actFn = try read(.actFn, d.actFn)
        latentChannels = try read(.latentChannels, d.latentChannels)
        normNumGroups = try read(.normNumGroups, d.normNumGroups)
        sampleSize = try read(.sampleSize, d.sampleSize)
        scalingFactor = try read(.scalingFactor, d.scalingFactor)
        shiftFactor = try c.decodeIfPresent(Double.self, forKey: .shiftFactor)
        forceUpcast = try read(.forceUpcast, d.forceUpcast)
        useQuantConv = try read(.useQuantConv, d.useQuantConv)
        usePostQuantConv = try read(.usePostQuantConv, d.usePostQuantConv)
        midBlockAddAttention = try read(.midBlockAddAttention, d.midBlockAddAttention)
    }
}
