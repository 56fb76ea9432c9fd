extension NoiseSchedule {
    /// `alphas_cumprod[t]` for a schedule timestep, or `fallback` when `t` is negative
    /// (diffusers' `final_alpha_cumprod` / `one`).
    func alphaCumprod(_ t: Int, fallback: Float) -> Float {
        t >= 0 ? alphasCumprod[t] : fallback
    }

    /// `add_noise` of the alpha-based schedulers: sqrt(a) * x + sqrt(1 - a) * noise.
    func addNoise(original: [Float], noise: [Float], timestep: Int) -> [Float] {
        let a = alphasCumprod[timestep]
        let signal = a.squareRoot()
        let noiseScale = (1 - a).squareRoot()
        return zip(original, noise).map { signal * $0 + noiseScale * $1 }
    }

    /// Throws unless every timestep of a schedule indexes the training table.
    func validate(timesteps: [Double], steps: Int) throws {
        guard timesteps.allSatisfy({ $0 >= 0 && $0 < Double(count) }) else {
            throw SchedulerError.invalidValue(option: "steps", value: "\(steps)",
                                              reason: "the schedule leaves the \(count) training timesteps")
        }
    }

    /// Throws unless `steps` is between 1 and the number of training timesteps.
    func validate(steps: Int) throws {
        guard steps >= 1, steps <= count else {
            throw SchedulerError.invalidValue(option: "steps", value: "\(steps)",
                                              reason: "must be between 1 and \(count)")
        }
    }
}
