/// What the U-Net predicts: the noise (SD1, SD2-base-512, inpaint, depth) or the velocity
/// (SD2 768-v models, the x4 upscaler).
public enum PredictionType: String, Sendable, CaseIterable {
    case epsilon
    case v = "v_prediction"
    case sample

    /// Parses a diffusers `prediction_type` value.
    public init?(diffusersName: String) {
        self.init(rawValue: diffusersName)
    }
}
