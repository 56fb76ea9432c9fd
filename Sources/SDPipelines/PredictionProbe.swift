import SDCompute
import SDModels
import SDWeights

/// A1111's test for SD2 checkpoints that carry no config: run the U-Net once at t=999 on a
/// constant 0.5 latent with a constant 0.5 context; a v-prediction model's output lies far
/// below its input (mean difference < -1), an epsilon model's does not.
public enum PredictionProbe {
    public static func detect(unet: UNet2DConditionModel) throws -> PredictionType {
        let latent = Tensor(shape: [1, 8, 8, 4], values: Array(repeating: 0.5, count: 256))
        let width = unet.config.crossAttentionDim.values(count: 1)?.first ?? 1024
        let context = Tensor(shape: [1, 2, width], values: Array(repeating: 0.5, count: 2 * width))
        let out = try unet(latent, timesteps: [999], context: context)
        let meanDifference = (0..<out.count).reduce(0.0) { $0 + Double(out.data[$1] - 0.5) } / Double(out.count)
        return meanDifference < -1 ? .v : .epsilon
    }

    /// The checkpoint with its prediction type settled by the probe when nothing else told it.
    public static func resolve(_ checkpoint: ModelCheckpoint, unet: UNet2DConditionModel) throws -> ModelCheckpoint {
        guard checkpoint.predictionNeedsProbe else { return checkpoint }
        return checkpoint.settingPrediction(try detect(unet: unet), source: .probe)
    }
}
