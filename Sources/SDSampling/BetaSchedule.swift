/// How the training noise levels (betas) are laid out (diffusers' `beta_schedule`).
/// Stable Diffusion uses `scaled_linear`; `exp`, `laplace` and `sigmoid` exist in a few
/// diffusers classes only and are rejected by the samplers here.
public enum BetaSchedule: String, Sendable, CaseIterable {
    case linear
    case scaledLinear = "scaled_linear"
    case squaredCosCapV2 = "squaredcos_cap_v2"
    case exp
    case laplace
    case sigmoid
}
