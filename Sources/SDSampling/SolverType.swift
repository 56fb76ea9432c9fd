/// The multistep correction formula (diffusers' `solver_type`). DPM-Solver understands
/// midpoint and heun and reads the others as midpoint; UniPC understands bh1 and bh2 and reads
/// the others as bh2, as diffusers does.
public enum SolverType: String, Sendable, CaseIterable {
    case midpoint
    case heun
    case logrho
    case bh1
    case bh2
}
