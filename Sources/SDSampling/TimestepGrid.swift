/// The inference timestep grids diffusers' `set_timesteps` builds, with its NumPy arithmetic.
enum TimestepGrid {
    /// The descending grid of DDIM, DDPM, Euler, LMS, Heun and DPM2: `steps` values.
    /// - Parameter roundLinspace: the integer schedulers (DDIM, DDPM) round `linspace` values;
    ///   the sigma schedulers keep them fractional (float32).
    static func descending(_ spacing: TimestepSpacing, trainSteps: Int, steps: Int, offset: Int,
                           roundLinspace: Bool) -> [Double] {
        switch spacing {
        case .linspace:
            let grid = NumPy.linspace(0, Double(trainSteps - 1), steps).reversed()
            return roundLinspace ? grid.map(NumPy.round) : grid.map { Double(Float($0)) }
        case .leading:
            let ratio = trainSteps / steps
            return (0..<steps).reversed().map { Double($0 * ratio + offset) }
        case .trailing:
            let ratio = Double(trainSteps) / Double(steps)
            return NumPy.arange(Double(trainSteps), 0, -ratio).map { NumPy.round($0) - 1 }
        }
    }

    /// The descending grid of the multistep solvers (DPM-Solver, UniPC): `steps + 1` points
    /// over `[0, lastTimestep)`, the final one (timestep 0) dropped.
    static func multistep(_ spacing: TimestepSpacing, trainSteps: Int, lastTimestep: Int, steps: Int,
                          offset: Int) -> [Double] {
        switch spacing {
        case .linspace:
            let grid = NumPy.linspace(0, Double(lastTimestep - 1), steps + 1).map(NumPy.round)
            return Array(grid.reversed().dropLast())
        case .leading:
            let ratio = lastTimestep / (steps + 1)
            return (1...steps).reversed().map { Double($0 * ratio + offset) }
        case .trailing:
            let ratio = Double(trainSteps) / Double(steps)
            return NumPy.arange(Double(lastTimestep), 0, -ratio).map { NumPy.round($0) - 1 }
        }
    }
}
