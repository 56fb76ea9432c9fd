import Foundation

/// The training noise schedule every diffusers scheduler starts from: `betas` and
/// `alphas_cumprod`, in float32 as diffusers keeps them.
struct NoiseSchedule: Sendable {
    let betas: [Float]
    var alphasCumprod: [Float]

    var count: Int { alphasCumprod.count }

    /// - Parameter rescaleZeroTerminalSNR: diffusers' `rescale_betas_zero_snr`, for the classes
    ///   that have that option (callers pass `false` for the others, which ignore the key).
    init(scheduler: String, parameters p: SchedulerParameters,
         defaultBetaStart: Double, defaultBetaEnd: Double, defaultSchedule: BetaSchedule,
         rescaleZeroTerminalSNR: Bool) throws {
        let count = p.numTrainTimesteps ?? 1000
        guard count >= 2, count <= 100_000 else {
            throw SchedulerError.invalidValue(option: "num_train_timesteps", value: "\(count)",
                                              reason: "must be between 2 and 100000")
        }
        var betas: [Float]
        if let trained = p.trainedBetas {
            guard trained.count == count, trained.allSatisfy({ $0 > 0 && $0 < 1 }) else {
                throw SchedulerError.invalidValue(option: "trained_betas", value: "\(trained.count) values",
                                                  reason: "need num_train_timesteps (\(count)) betas, each in (0, 1)")
            }
            betas = trained.map { Float($0) }
        } else {
            let start = p.betaStart ?? defaultBetaStart
            let end = p.betaEnd ?? defaultBetaEnd
            let schedule = p.betaSchedule ?? defaultSchedule
            switch schedule {
            case .linear:
                betas = Self.torchLinspace(Float(start), Float(end), count)
            case .scaledLinear:
                betas = Self.torchLinspace(Float(start.squareRoot()), Float(end.squareRoot()), count).map { $0 * $0 }
            case .squaredCosCapV2:
                betas = Self.cosineBetas(count)
            case .exp, .laplace, .sigmoid:
                throw SchedulerError.unsupportedOption(scheduler: scheduler, option: "beta_schedule",
                                                       value: schedule.rawValue)
            }
            guard betas.allSatisfy({ $0 > 0 && $0 < 1 }) else {
                throw SchedulerError.invalidValue(option: "beta_start/beta_end", value: "\(start)/\(end)",
                                                  reason: "betas must lie in (0, 1)")
            }
        }
        if rescaleZeroTerminalSNR {
            betas = Self.rescaledToZeroTerminalSNR(betas)
        }
        self.betas = betas
        self.alphasCumprod = Self.cumulativeProduct(betas.map { 1 - $0 })
    }

    /// `torch.linspace(start, end, steps, dtype=float32)`: each half is anchored at its end,
    /// and GCC fuses `start + step * i` into one FMA in PyTorch's build.
    static func torchLinspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
        guard steps > 1 else { return steps == 1 ? [start] : [] }
        let step = (end - start) / Float(steps - 1)
        let halfway = steps / 2
        return (0..<steps).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - i - 1))
        }
    }

    /// `torch.cumprod` on CPU: a float64 running product, each prefix rounded to float32.
    static func cumulativeProduct(_ values: [Float]) -> [Float] {
        var product = 1.0
        return values.map { value in
            product *= Double(value)
            return Float(product)
        }
    }

    /// `betas_for_alpha_bar(n)` with the cosine transform, computed in Python floats.
    private static func cosineBetas(_ count: Int) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
            return c * c
        }
        return (0..<count).map { i in
            let t1 = Double(i) / Double(count)
            let t2 = Double(i + 1) / Double(count)
            return Float(min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
        }
    }

    /// `rescale_zero_terminal_snr`: shifts and scales sqrt(alphas_cumprod) so the last
    /// timestep has zero signal (float32 tensor arithmetic, as diffusers).
    private static func rescaledToZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        let cumprod = cumulativeProduct(betas.map { 1 - $0 })
        var sqrtBar = cumprod.map { $0.squareRoot() }
        let first = sqrtBar[0]
        let last = sqrtBar[sqrtBar.count - 1]
        let scale = first / (first - last)
        sqrtBar = sqrtBar.map { ($0 - last) * scale }
        let bar = sqrtBar.map { $0 * $0 }
        var alphas = [bar[0]]
        for i in 1..<bar.count { alphas.append(bar[i] / bar[i - 1]) }
        return alphas.map { 1 - $0 }
    }

    /// sqrt((1 - alphas_cumprod) / alphas_cumprod) in float32, ascending with the timestep.
    var trainSigmas: [Float] {
        alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }
}
