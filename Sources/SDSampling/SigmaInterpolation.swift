/// How `EulerDiscreteScheduler` maps timesteps to sigmas (diffusers' `interpolation_type`).
public enum SigmaInterpolation: String, Sendable, CaseIterable {
    case linear
    case logLinear = "log_linear"
}
