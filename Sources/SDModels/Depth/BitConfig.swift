/// transformers' `BitConfig`: the ResNet backbone of DPT-Hybrid (`backbone_config` in a DPT
/// `config.json`). Missing keys take `BitConfig`'s own defaults, as `BitConfig.from_dict` does.
public struct BitConfig: Codable, Equatable, Sendable {
    public var numChannels = 3
    public var embeddingSize = 64
    public var hiddenSizes = [256, 512, 1024, 2048]
    public var depths = [3, 4, 6, 3]
    /// "bottleneck" (ViT-hybrid, non-pre-activation) or "preactivation".
    public var layerType = "preactivation"
    public var hiddenAct = "relu"
    /// "SAME" (TensorFlow-style, dynamic for strided convs), "VALID", or nil (PyTorch-style symmetric).
    public var globalPadding: String?
    public var numGroups = 32
    public var embeddingDynamicPadding = false
    public var outputStride = 32
    public var widthFactor = 1
    public var outFeatures: [String]?
    public var outIndices: [Int]?

    public init() {}

    /// What transformers' DPTConfig builds when a hybrid config has no `backbone_config`.
    public static var dptHybridDefault: BitConfig {
        var c = BitConfig()
        c.globalPadding = "SAME"
        c.layerType = "bottleneck"
        c.depths = [3, 4, 9]
        c.outFeatures = ["stage1", "stage2", "stage3"]
        c.outIndices = [1, 2, 3]
        c.embeddingDynamicPadding = true
        return c
    }

    /// "stem", "stage1", ... as BitConfig names its outputs.
    public var stageNames: [String] { ["stem"] + depths.indices.map { "stage\($0 + 1)" } }

    /// The stages the backbone outputs (`out_features`, else `out_indices`, else the last stage).
    public var resolvedOutFeatures: [String] {
        if let outFeatures { return outFeatures }
        let names = stageNames
        if let outIndices { return outIndices.map { names.indices.contains($0) ? names[$0] : "?\($0)" } }
        return [names[names.count - 1]]
    }

    /// Output channels of each stage: `make_div(hidden_size * width_factor)`.
    public var stageChannels: [Int] {
        zip(depths, hiddenSizes).map { BitConfig.makeDivisible(Double($0.1 * widthFactor)) }
    }

    /// BiT's `make_div`: round to a multiple of 8, never below 8 or more than 10% down.
    static func makeDivisible(_ value: Double, divisor: Int = 8) -> Int {
        var result = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
        if Double(result) < 0.9 * value { result += divisor }
        return result
    }

    enum CodingKeys: String, CodingKey {
        case numChannels = "num_channels", embeddingSize = "embedding_size", hiddenSizes = "hidden_sizes"
        case depths, layerType = "layer_type", hiddenAct = "hidden_act", globalPadding = "global_padding"
        case numGroups = "num_groups", embeddingDynamicPadding = "embedding_dynamic_padding"
        case outputStride = "output_stride", widthFactor = "width_factor", outFeatures = "out_features"
        case outIndices = "out_indices"
    }

    /// Keys older transformers versions wrote for the output stages.
    private enum LegacyKeys: String, CodingKey {
        case outFeatures = "_out_features", outIndices = "_out_indices"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        let d = BitConfig()
        numChannels = try read(.numChannels, d.numChannels)
        embeddingSize = try read(.embeddingSize, d.embeddingSize)
        hiddenSizes = try read(.hiddenSizes, d.hiddenSizes)
        depths = try read(.depths, d.depths)
        layerType = try read(.layerType, d.layerType)
        hiddenAct = try read(.hiddenAct, d.hiddenAct)
        globalPadding = try c.decodeIfPresent(String.self, forKey: .globalPadding)?.uppercased()
        numGroups = try read(.numGroups, d.numGroups)
        embeddingDynamicPadding = try read(.embeddingDynamicPadding, d.embeddingDynamicPadding)
        outputStride = try read(.outputStride, d.outputStride)
        widthFactor = try read(.widthFactor, d.widthFactor)
        outFeatures = try c.decodeIfPresent([String].self, forKey: .outFeatures)
            ?? legacy.decodeIfPresent([String].self, forKey: .outFeatures)
        outIndices = try c.decodeIfPresent([Int].self, forKey: .outIndices)
            ?? legacy.decodeIfPresent([Int].self, forKey: .outIndices)
        // Each of out_features / out_indices implies the other (`set_output_features_output_indices`).
        let names = stageNames
        if outFeatures == nil, let outIndices, outIndices.allSatisfy(names.indices.contains) {
            outFeatures = outIndices.map { names[$0] }
        } else if outIndices == nil, let outFeatures {
            let indices = outFeatures.compactMap { names.firstIndex(of: $0) }
            if indices.count == outFeatures.count { outIndices = indices }
        }
    }
}
