import Foundation
import SDWeights

/// transformers' `DPTConfig` as `config.json` stores it (the `depth_estimator/` folder of
/// stabilityai/stable-diffusion-2-depth, Intel/dpt-hybrid-midas). Missing keys take DPTConfig's
/// defaults; a hybrid config without `backbone_config` gets the BiT backbone DPTConfig builds then.
public struct DPTConfig: Codable, Equatable, Sendable {
    public var hiddenSize = 768
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var intermediateSize = 3072
    public var hiddenAct = "gelu"
    public var layerNormEps = 1e-12
    /// Square side; `config.json` may hold an int or a [height, width] list.
    public var imageSize = 384
    public var patchSize = 16
    public var numChannels = 3
    public var isHybrid = false
    public var qkvBias = true
    public var backboneOutIndices = [2, 5, 8, 11]
    public var readoutType = "project"
    public var reassembleFactors: [Double] = [4, 2, 1, 0.5]
    public var neckHiddenSizes = [96, 192, 384, 768]
    public var fusionHiddenSize = 256
    public var headInIndex = -1
    public var useBatchNormInFusionResidual = false
    /// nil: bias exactly when there is no batch norm.
    public var useBiasInFusionResidual: Bool?
    public var addProjection = false
    public var backboneFeatmapShape: [Int]? = [1, 1024, 24, 24]
    public var neckIgnoreStages = [0, 1]
    public var backboneConfig: BitConfig?

    public init() {}

    /// MiDaS v3.0 DPT-Hybrid (`dpt_hybrid-midas-501f0c75.pt`), identical to Intel/dpt-hybrid-midas's
    /// config and the SD2-depth `depth_estimator`: ViT-B/16 on a BiT-R50 (3 stages), 384x384.
    /// Like those configs it keeps transformers' LayerNorm eps 1e-12 where timm used 1e-6 (a
    /// relative difference below 1e-6), so both load paths compute the same model.
    public static var midasHybrid: DPTConfig {
        var c = DPTConfig()
        c.isHybrid = true
        c.reassembleFactors = [1, 1, 1, 0.5]
        c.neckHiddenSizes = [256, 512, 768, 768]
        c.backboneConfig = .dptHybridDefault
        return c
    }

    /// The ViT layers whose outputs feed the neck after the two backbone stages, in layer order
    /// (transformers keeps `idx in backbone_out_indices[2:]`, so order and repeats do not matter).
    public var readoutLayers: [Int] {
        let wanted = Set(backboneOutIndices.dropFirst(2))
        return (0..<numHiddenLayers).filter { wanted.contains($0) }
    }

    /// The backbone, with the hybrid default when `config.json` leaves it out.
    public var resolvedBackbone: BitConfig { backboneConfig ?? .dptHybridDefault }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", imageSize = "image_size"
        case patchSize = "patch_size", numChannels = "num_channels", isHybrid = "is_hybrid", qkvBias = "qkv_bias"
        case backboneOutIndices = "backbone_out_indices", readoutType = "readout_type"
        case reassembleFactors = "reassemble_factors", neckHiddenSizes = "neck_hidden_sizes"
        case fusionHiddenSize = "fusion_hidden_size", headInIndex = "head_in_index"
        case useBatchNormInFusionResidual = "use_batch_norm_in_fusion_residual"
        case useBiasInFusionResidual = "use_bias_in_fusion_residual", addProjection = "add_projection"
        case backboneFeatmapShape = "backbone_featmap_shape", neckIgnoreStages = "neck_ignore_stages"
        case backboneConfig = "backbone_config"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            (try c.decodeIfPresent(T.self, forKey: key)) ?? fallback
        }
        let d = DPTConfig()
        hiddenSize = try read(.hiddenSize, d.hiddenSize)
        numHiddenLayers = try read(.numHiddenLayers, d.numHiddenLayers)
        numAttentionHeads = try read(.numAttentionHeads, d.numAttentionHeads)
        intermediateSize = try read(.intermediateSize, d.intermediateSize)
        hiddenAct = try read(.hiddenAct, d.hiddenAct)
        layerNormEps = try read(.layerNormEps, d.layerNormEps)
        imageSize = try DPTConfig.squareSide(c, .imageSize) ?? d.imageSize
        patchSize = try DPTConfig.squareSide(c, .patchSize) ?? d.patchSize
        numChannels = try read(.numChannels, d.numChannels)
        isHybrid = try read(.isHybrid, d.isHybrid)
        qkvBias = try read(.qkvBias, d.qkvBias)
        backboneOutIndices = try read(.backboneOutIndices, d.backboneOutIndices)
        readoutType = try read(.readoutType, d.readoutType)
        reassembleFactors = try read(.reassembleFactors, d.reassembleFactors)
        neckHiddenSizes = try read(.neckHiddenSizes, d.neckHiddenSizes)
        fusionHiddenSize = try read(.fusionHiddenSize, d.fusionHiddenSize)
        headInIndex = try read(.headInIndex, d.headInIndex)
        useBatchNormInFusionResidual = try read(.useBatchNormInFusionResidual, d.useBatchNormInFusionResidual)
        useBiasInFusionResidual = try c.decodeIfPresent(Bool.self, forKey: .useBiasInFusionResidual)
        addProjection = try read(.addProjection, d.addProjection)
        backboneFeatmapShape = c.contains(.backboneFeatmapShape)
            ? try c.decodeIfPresent([Int].self, forKey: .backboneFeatmapShape) : d.backboneFeatmapShape
        neckIgnoreStages = try read(.neckIgnoreStages, d.neckIgnoreStages)
        backboneConfig = try c.decodeIfPresent(BitConfig.self, forKey: .backboneConfig)
    }

    /// An int, or a list whose entries are all equal (DPT-Hybrid's position grid is square).
    private static func squareSide(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        if let side = try? c.decodeIfPresent(Int.self, forKey: key) { return side }
        guard let sides = try c.decodeIfPresent([Int].self, forKey: key) else { return nil }
        guard let first = sides.first, sides.allSatisfy({ $0 == first }) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.rawValue) \(sides) is not square")
        }
        return first
    }

    /// Reads `config.json`; errors name the file.
    public init(contentsOf url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.fileMissing(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsError.unreadable(path: path, reason: "cannot read")
        }
        do {
            self = try JSONDecoder().decode(DPTConfig.self, from: data)
        } catch {
            throw WeightsError.badConfig(path: path, detail: "\(error)")
        }
    }
}
