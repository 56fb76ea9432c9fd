/// diffusers' `KDPM2AncestralDiscreteScheduler` ("DPM2 a", "DPM2 a Karras"): DPM2 towards the
/// ancestral sigma, then fresh noise after each second evaluation (`order` 2).
public struct KDPM2AncestralDiscreteScheduler: Scheduler {
    public let name = "KDPM2AncestralDiscreteScheduler"
    public let order = 2
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public private(set) var sigmas: [Float] = []
    public private(set) var initNoiseSigma: Float
    public let isStochastic = true

    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private let karras: Bool
    private var sigmasInterpol: [Float] = []
    private var sigmasUp: [Float] = []
    private var sigmasDown: [Float] = []
    /// The sample a first-order half step started from, kept for the second half.
    private var firstHalfSample: [Float]?

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.useExponentialSigmas, \.useBetaSigmas], scheduler: name)
        schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.00085, defaultBetaEnd: 0.012,
                                     defaultSchedule: .linear, rescaleZeroTerminalSNR: false)
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction], scheduler: name)
        spacing = p.timestepSpacing ?? .linspace
        stepsOffset = try p.checkedStepsOffset()
        karras = p.useKarrasSigmas ?? false
        initNoiseSigma = EulerDiscreteScheduler.noiseSigma(schedule.trainSigmas.max() ?? 1, spacing: spacing)
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        let (grid, values) = SigmaSchedule.discrete(schedule: schedule, spacing: spacing, offset: stepsOffset,
                                                    steps: steps, karras: karras, roundKarrasTimesteps: true)
        let base = values.map { Float($0) } + [0]
        let next = base.indices.map { $0 + 1 < base.count ? base[$0 + 1] : 0 }
        let up = base.indices.map { k in
            ((next[k] * next[k]) * (base[k] * base[k] - next[k] * next[k]) / (base[k] * base[k])).squareRoot()
        }
        var down = base.indices.map { k in (next[k] * next[k] - up[k] * up[k]).squareRoot() }
        down[down.count - 1] = 0
        var interpol = base.indices.map { SigmaSchedule.logMidpoint(base[$0], down[$0]) }
        interpol[interpol.count - 1] = 0
        interpol[interpol.count - 2] = 0
        let logSigmas = SigmaSchedule.logSigmas(schedule.trainSigmas)
        let t = grid.map { Double(Float($0)) }
        var all = [t[0]]
        for k in 1..<steps {
            all.append(Double(Float(SigmaSchedule.timestep(forSigma: Double(interpol[k - 1]), logSigmas: logSigmas))))
            all.append(t[k])
        }
        numInferenceSteps = steps
        sigmas = SigmaSchedule.doubled(base)
        sigmasInterpol = SigmaSchedule.doubled(interpol)
        sigmasUp = SigmaSchedule.doubled(up)
        sigmasDown = SigmaSchedule.doubled(down)
        timesteps = all
        firstHalfSample = nil
        initNoiseSigma = EulerDiscreteScheduler.noiseSigma(sigmas.max() ?? 1, spacing: spacing)
    }

    public func scaleModelInput(_ sample: [Float], timestepIndex i: Int) throws -> [Float] {
        try checkIndex(i)
        let sigma: Float
        if firstHalfSample == nil {
            sigma = sigmas[i]
        } else {
            guard i >= 1 else { throw SchedulerError.indexOutOfRange(index: i, count: timesteps.count) }
            sigma = sigmasInterpol[i - 1]
        }
        return SigmaSchedule.scaledInput(sample, sigma: sigma)
    }

    public mutating func step(modelOutput: [Float], timestepIndex i: Int, sample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(i)
        try checkSizes(sample, modelOutput)
        if let start = firstHalfSample {
            guard i >= 1 else { throw SchedulerError.indexOutOfRange(index: i, count: timesteps.count) }
            let sigmaHat = sigmas[i - 1]
            let sigmaInterpol = sigmasInterpol[i - 1]
            let sigmaUp = sigmasUp[i - 1]
            let dt = sigmasDown[i - 1] - sigmaHat
            let predOriginal = EulerDiscreteScheduler.predictOriginal(prediction, sigma: sigmaInterpol,
                                                                      sample: sample, modelOutput: modelOutput)
            firstHalfSample = nil
            let noise = try drawNoise(count: modelOutput.count, generator: &generator)
            return (0..<sample.count).map { k in
                let moved = start[k] + ((sample[k] - predOriginal[k]) / sigmaInterpol) * dt
                return moved + noise[k] * sigmaUp
            }
        }
        let sigmaHat = sigmas[i]
        let dt = sigmasInterpol[i] - sigmaHat
        let predOriginal = EulerDiscreteScheduler.predictOriginal(prediction, sigma: sigmaHat, sample: sample,
                                                                  modelOutput: modelOutput)
        firstHalfSample = sample
        return zip(sample, predOriginal).map { x, x0 in x + ((x - x0) / sigmaHat) * dt }
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        let sigma = sigmas[timestepIndex]
        return zip(original, noise).map { $0 + $1 * sigma }
    }
}
