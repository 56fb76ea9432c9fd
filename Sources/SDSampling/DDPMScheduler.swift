import Foundation

/// diffusers' `DDPMScheduler` ("DDPM"): ancestral sampling of the original DDPM paper, with
/// fresh noise on every step but the last.
public struct DDPMScheduler: Scheduler {
    public let name = "DDPMScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public var sigmas: [Float] { [] }
    public let initNoiseSigma: Float = 1
    public let isStochastic = true

    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let variance: VarianceType
    private let clipRange: Float?
    private let spacing: TimestepSpacing
    private let stepsOffset: Int

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.thresholding], scheduler: name)
        schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                     defaultSchedule: .linear, rescaleZeroTerminalSNR: p.rescaleBetasZeroSnr ?? false)
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction, .sample], scheduler: name)
        variance = p.varianceType ?? .fixedSmall
        guard [.fixedSmall, .fixedSmallLog, .fixedLarge].contains(variance) else {
            throw SchedulerError.unsupportedOption(scheduler: name, option: "variance_type", value: variance.rawValue)
        }
        clipRange = (p.clipSample ?? true) ? Float(p.clipSampleRange ?? 1) : nil
        spacing = p.timestepSpacing ?? .leading
        stepsOffset = try p.checkedStepsOffset()
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        let grid = TimestepGrid.descending(spacing, trainSteps: schedule.count, steps: steps, offset: stepsOffset,
                                           roundLinspace: true)
        try schedule.validate(timesteps: grid, steps: steps)
        numInferenceSteps = steps
        timesteps = grid
    }

    public func scaleModelInput(_ sample: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        return sample
    }

    public mutating func step(modelOutput: [Float], timestepIndex i: Int, sample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(i)
        try checkSizes(sample, modelOutput)
        let t = Int(timesteps[i])
        let prevT = i + 1 < timesteps.count ? Int(timesteps[i + 1]) : -1
        let alphaT = schedule.alphasCumprod[t]
        let alphaPrev = schedule.alphaCumprod(prevT, fallback: 1)
        let betaT = 1 - alphaT
        let betaPrev = 1 - alphaPrev
        let currentAlpha = alphaT / alphaPrev
        let currentBeta = 1 - currentAlpha

        var predOriginal: [Float]
        switch prediction {
        case .epsilon:
            let b = betaT.squareRoot(), a = alphaT.squareRoot()
            predOriginal = zip(sample, modelOutput).map { ($0 - b * $1) / a }
        case .sample, .flowPrediction:
            predOriginal = modelOutput
        case .vPrediction:
            let b = betaT.squareRoot(), a = alphaT.squareRoot()
            predOriginal = zip(sample, modelOutput).map { a * $0 - b * $1 }
        }
        if let range = clipRange {
            predOriginal = predOriginal.map { min(max($0, -range), range) }
        }
        let originalCoeff = alphaPrev.squareRoot() * currentBeta / betaT
        let currentCoeff = currentAlpha.squareRoot() * betaPrev / betaT
        let prev = zip(predOriginal, sample).map { originalCoeff * $0 + currentCoeff * $1 }
        guard t > 0 else { return prev }

        let noise = try drawNoise(count: sample.count, generator: &generator)
        let small = max((1 - alphaPrev) / (1 - alphaT) * currentBeta, 1e-20)
        let scale: Float
        switch variance {
        case .fixedSmallLog: scale = Foundation.exp(0.5 * Foundation.log(small))
        case .fixedLarge: scale = currentBeta.squareRoot()
        default: scale = small.squareRoot()
        }
        return zip(prev, noise).map { $0 + scale * $1 }
    }

    /// `add_noise` at a training timestep rather than an inference index: the x4 upscaler's
    /// low-res scheduler noises the input image to its noise level this way. Clamped to the table.
    public func addNoise(original: [Float], noise: [Float], trainingTimestep: Int) -> [Float] {
        schedule.addNoise(original: original, noise: noise, timestep: min(max(trainingTimestep, 0), schedule.count - 1))
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        return schedule.addNoise(original: original, noise: noise, timestep: Int(timesteps[timestepIndex]))
    }
}
