import SDWeights

/// What `sd inspect` reports about a checkpoint, in the vocabulary users see elsewhere.
public struct ModelDescription: Codable, Sendable {
    public var family: String
    public var variant: String
    public var prediction: String
    public var predictionSource: String
    public var unetInChannels: Int
    public var format: String
    public var dtype: String
    public var parameters: [String: Int]

    enum CodingKeys: String, CodingKey {
        case family, variant, prediction, format, dtype, parameters
        case predictionSource = "prediction_source", unetInChannels = "unet_in_channels"
    }

    public init(_ checkpoint: ModelCheckpoint) {
        family = checkpoint.family.rawValue
        variant = checkpoint.variant.rawValue
        prediction = checkpoint.prediction == .v ? "v" : checkpoint.prediction.rawValue
        predictionSource = checkpoint.predictionSource.rawValue
        unetInChannels = checkpoint.unetConfig.inChannels
        switch checkpoint.format {
        case .diffusers: format = "diffusers"
        case .singleFileSafetensors: format = "single-file-safetensors"
        case .singleFileCkpt: format = "single-file-ckpt"
        }
        dtype = checkpoint.dtype.rawValue
        func count(_ store: WeightStore) -> Int { store.tensors.values.reduce(0) { $0 + $1.count } }
        parameters = ["unet": count(checkpoint.unet), "vae": count(checkpoint.vae),
                      "text_encoder": count(checkpoint.textEncoder)]
    }
}
