/// diffusers' `HeunDiscreteScheduler` ("Heun"): Euler predictor then trapezoidal corrector,
/// two model evaluations per step (`order` 2, so `timesteps` lists each inner timestep twice).
public struct HeunDiscreteScheduler: Scheduler {
    public let name = "HeunDiscreteScheduler"
    public let order = 2
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public private(set) var sigmas: [Float] = []
    public private(set) var initNoiseSigma: Float
    public let isStochastic = false

    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private let karras: Bool
    private let clipRange: Float?
    /// The first-order step kept for the correction: derivative, step size and start sample.
    private var pending: (derivative: [Float], dt: Float, sample: [Float])?

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.useExponentialSigmas, \.useBetaSigmas], scheduler: name)
        schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.00085, defaultBetaEnd: 0.012,
                                     defaultSchedule: .linear, rescaleZeroTerminalSNR: false)
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction, .sample], scheduler: name)
        spacing = p.timestepSpacing ?? .linspace
        stepsOffset = try p.checkedStepsOffset()
        karras = p.useKarrasSigmas ?? false
        clipRange = (p.clipSample ?? false) ? Float(p.clipSampleRange ?? 1) : nil
        initNoiseSigma = EulerDiscreteScheduler.noiseSigma(schedule.trainSigmas.max() ?? 1, spacing: spacing)
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        let (grid, values) = SigmaSchedule.discrete(schedule: schedule, spacing: spacing, offset: stepsOffset,
                                                    steps: steps, karras: karras)
        let base = values.map { Float($0) } + [0]
        numInferenceSteps = steps
        sigmas = [base[0]] + base.dropFirst().dropLast().flatMap { [$0, $0] } + [0]
        let t = grid.map { Double(Float($0)) }
        timesteps = [t[0]] + t.dropFirst().flatMap { [$0, $0] }
        pending = nil
        initNoiseSigma = EulerDiscreteScheduler.noiseSigma(sigmas.max() ?? 1, spacing: spacing)
    }

    public func scaleModelInput(_ sample: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        return SigmaSchedule.scaledInput(sample, sigma: sigmas[timestepIndex])
    }

    public mutating func step(modelOutput: [Float], timestepIndex i: Int, sample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(i)
        try checkSizes(sample, modelOutput)
        if let first = pending {
            guard i >= 1 else { throw SchedulerError.indexOutOfRange(index: i, count: timesteps.count) }
            let sigmaNext = sigmas[i]
            let predOriginal = clipped(EulerDiscreteScheduler.predictOriginal(
                prediction, sigma: sigmaNext, sample: sample, modelOutput: modelOutput))
            pending = nil
            return (0..<sample.count).map { k in
                let derivative = (first.derivative[k] + (sample[k] - predOriginal[k]) / sigmaNext) / 2
                return first.sample[k] + derivative * first.dt
            }
        }
        let sigma = sigmas[i]
        let predOriginal = clipped(EulerDiscreteScheduler.predictOriginal(
            prediction, sigma: sigma, sample: sample, modelOutput: modelOutput))
        let derivative = zip(sample, predOriginal).map { ($0 - $1) / sigma }
        let dt = sigmas[i + 1] - sigma
        pending = (derivative, dt, sample)
        return zip(sample, derivative).map { $0 + $1 * dt }
    }

    private func clipped(_ values: [Float]) -> [Float] {
        guard let range = clipRange else { return values }
        return values.map { min(max($0, -range), range) }
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        let sigma = sigmas[timestepIndex]
        return zip(original, noise).map { $0 + $1 * sigma }
    }
}
