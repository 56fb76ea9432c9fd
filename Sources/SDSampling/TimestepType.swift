/// Whether `EulerDiscreteScheduler` feeds the model discrete timesteps or, for v-prediction,
/// `0.25 * log(sigma)` (diffusers' `timestep_type`).
public enum TimestepType: String, Sendable, CaseIterable {
    case discrete
    case continuous
}
