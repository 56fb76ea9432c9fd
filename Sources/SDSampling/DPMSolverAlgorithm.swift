/// The DPM-Solver variant (diffusers' `algorithm_type`); the SDE one draws noise every step.
/// diffusers reads `deis` as `dpmsolver++`; the deprecated non-`++` variants are rejected here.
public enum DPMSolverAlgorithm: String, Sendable, CaseIterable {
    case dpmSolverPlusPlus = "dpmsolver++"
    case sdeDPMSolverPlusPlus = "sde-dpmsolver++"
    case dpmSolver = "dpmsolver"
    case sdeDPMSolver = "sde-dpmsolver"
    case deis
}
