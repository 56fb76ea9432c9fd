/// The noise level a sigma schedule ends on (diffusers' `final_sigmas_type`).
public enum FinalSigmasType: String, Sendable, CaseIterable {
    case zero
    case sigmaMin = "sigma_min"
}
