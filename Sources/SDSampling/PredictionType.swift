/// What the model predicts (diffusers' `prediction_type`): SD 1.x and 2.x-base predict the
/// noise, SD 2.x 768 checkpoints predict the velocity. `flow_prediction` belongs to flow-matching
/// models and is rejected by the samplers here.
public enum PredictionType: String, Sendable, CaseIterable {
    case epsilon
    case vPrediction = "v_prediction"
    case sample
    case flowPrediction = "flow_prediction"
}
