import Foundation

/// Sigma-space helpers shared by the Karras-style samplers, in diffusers' NumPy arithmetic.
enum SigmaSchedule {
    /// `_sigma_to_t`: the fractional training timestep whose log-sigma matches `sigma`, by
    /// linear interpolation in the float32 `logSigmas` table.
    /// `scale_model_input` of the sigma-based samplers: x / sqrt(sigma^2 + 1), in float32.
    static func scaledInput(_ sample: [Float], sigma: Float) -> [Float] {
        let scale = (sigma * sigma + 1).squareRoot()
        return sample.map { $0 / scale }
    }

    static func timestep(forSigma sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = Foundation.log(max(sigma, 1e-10))
        var low = 0
        for (i, value) in logSigmas.enumerated() where logSigma - Double(value) >= 0 { low = i }
        low = min(low, logSigmas.count - 2)
        let lowValue = logSigmas[low]
        let highValue = logSigmas[low + 1]
        var w = (Double(lowValue) - logSigma) / Double(lowValue - highValue)
        w = min(max(w, 0), 1)
        return (1 - w) * Double(low) + w * Double(low + 1)
    }

    /// `_convert_to_karras` with rho = 7: `count` sigmas from `sigmaMax` down to `sigmaMin`.
    static func karras(sigmaMin: Double, sigmaMax: Double, count: Int) -> [Double] {
        let rho = 7.0
        let minInvRho = Foundation.pow(sigmaMin, 1 / rho)
        let maxInvRho = Foundation.pow(sigmaMax, 1 / rho)
        return NumPy.linspace(0, 1, count).map { ramp in
            Foundation.pow(maxInvRho + ramp * (minInvRho - maxInvRho), rho)
        }
    }

    /// float32 natural logs of the training sigmas (`np.log` of a float32 array).
    static func logSigmas(_ sigmas: [Float]) -> [Float] {
        sigmas.map { Foundation.log($0) }
    }
}

extension SigmaSchedule {
    /// The timesteps and sigmas (final sigma not yet appended) that Euler, LMS, Heun and DPM2
    /// build in `set_timesteps`: a spaced float32 grid, sigmas interpolated on the training
    /// table, and with `karras` the Karras sigmas mapped back to fractional timesteps.
    static func discrete(schedule: NoiseSchedule, spacing: TimestepSpacing, offset: Int, steps: Int,
                         karras: Bool, sigmaMin: Double? = nil, sigmaMax: Double? = nil,
                         roundKarrasTimesteps: Bool = false) -> (timesteps: [Double], sigmas: [Double]) {
        let grid = TimestepGrid.descending(spacing, trainSteps: schedule.count, steps: steps, offset: offset,
                                           roundLinspace: false)
        let trainSigmas = schedule.trainSigmas
        let sigmas = grid.map { NumPy.interpOnIndexGrid($0, trainSigmas) }
        guard karras, let first = sigmas.first, let last = sigmas.last else { return (grid, sigmas) }
        let logSigmas = SigmaSchedule.logSigmas(trainSigmas)
        let karrasSigmas = SigmaSchedule.karras(sigmaMin: sigmaMin ?? last, sigmaMax: sigmaMax ?? first, count: steps)
        let timesteps = karrasSigmas.map { sigma in
            let t = timestep(forSigma: sigma, logSigmas: logSigmas)
            return roundKarrasTimesteps ? NumPy.round(t) : t
        }
        return (timesteps, karrasSigmas)
    }
}

extension SigmaSchedule {
    /// `cat([x[:1], x[1:].repeat_interleave(2), x[-1:]])`: the per-evaluation layout of the
    /// second-order samplers, which visit every sigma after the first twice.
    static func doubled<T>(_ values: [T]) -> [T] {
        guard let first = values.first, let last = values.last else { return [] }
        return [first] + values.dropFirst().flatMap { [$0, $0] } + [last]
    }

    /// `exp(lerp(log(a), log(b), 0.5))` in float32: the geometric midpoint of two sigmas
    /// (0 when either is 0, NaN for the unused entry diffusers leaves NaN).
    static func logMidpoint(_ a: Float, _ b: Float) -> Float {
        let start = Foundation.log(a)
        let end = Foundation.log(b)
        return Foundation.exp(end - (end - start) * 0.5)
    }
}
