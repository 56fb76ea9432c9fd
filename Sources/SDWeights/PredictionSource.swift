/// Where `ModelCheckpoint.prediction` came from. `assumed` marks the one case a file cannot
/// settle (an SD2 base single file without a config): the models layer may then run a probe
/// forward pass and call `ModelCheckpoint.settingPrediction(_:source:)`.
public enum PredictionSource: String, Sendable {
    case schedulerConfig
    case originalConfig
    case override
    case probe
    case assumed
}
