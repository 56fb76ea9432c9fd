/// How inference timesteps are picked from the training range (diffusers' `timestep_spacing`).
public enum TimestepSpacing: String, Sendable, CaseIterable {
    case leading
    case trailing
    case linspace
}
