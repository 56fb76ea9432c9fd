/// diffusers' `DDIMScheduler` ("DDIM"): deterministic for `eta` = 0, which SD pipelines use.
public struct DDIMScheduler: Scheduler {
    public let name = "DDIMScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public var sigmas: [Float] { [] }
    public let initNoiseSigma: Float = 1
    public var isStochastic: Bool { eta > 0 }

    private let schedule: NoiseSchedule
    private let finalAlphaCumprod: Float
    private let prediction: PredictionType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private let clipRange: Float?
    private let eta: Float

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.thresholding], scheduler: name)
        schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                     defaultSchedule: .linear, rescaleZeroTerminalSNR: p.rescaleBetasZeroSnr ?? false)
        finalAlphaCumprod = (p.setAlphaToOne ?? true) ? 1 : schedule.alphasCumprod[0]
        prediction = p.predictionType ?? .epsilon
        _ = try prediction.require([.epsilon, .vPrediction, .sample], scheduler: name)
        spacing = p.timestepSpacing ?? .leading
        stepsOffset = try p.checkedStepsOffset()
        clipRange = (p.clipSample ?? true) ? Float(p.clipSampleRange ?? 1) : nil
        eta = Float(p.eta ?? 0)
        guard eta >= 0 else {
            throw SchedulerError.invalidValue(option: "eta", value: "\(eta)", reason: "must not be negative")
        }
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

    public mutating func step(modelOutput: [Float], timestepIndex: Int, sample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(sample, modelOutput)
        let t = Int(timesteps[timestepIndex])
        let prevT = t - schedule.count / numInferenceSteps
        let alphaT = schedule.alphasCumprod[t]
        let alphaPrev = schedule.alphaCumprod(prevT, fallback: finalAlphaCumprod)
        let betaT = 1 - alphaT
        let sqrtAlpha = alphaT.squareRoot()
        let sqrtBeta = betaT.squareRoot()

        var predOriginal: [Float]
        let predEpsilon: [Float]
        switch prediction {
        case .epsilon:
            predOriginal = zip(sample, modelOutput).map { ($0 - sqrtBeta * $1) / sqrtAlpha }
            predEpsilon = modelOutput
        case .sample:
            predOriginal = modelOutput
            predEpsilon = zip(sample, modelOutput).map { ($0 - sqrtAlpha * $1) / sqrtBeta }
        case .vPrediction, .flowPrediction:
            predOriginal = zip(sample, modelOutput).map { sqrtAlpha * $0 - sqrtBeta * $1 }
            predEpsilon = zip(sample, modelOutput).map { sqrtAlpha * $1 + sqrtBeta * $0 }
        }
        if let range = clipRange {
            predOriginal = predOriginal.map { min(max($0, -range), range) }
        }
        let variance = (1 - alphaPrev) / betaT * (1 - alphaT / alphaPrev)
        let stdDev = eta * variance.squareRoot()
        let directionScale = (1 - alphaPrev - stdDev * stdDev).squareRoot()
        let sqrtAlphaPrev = alphaPrev.squareRoot()
        var prev = zip(predOriginal, predEpsilon).map { sqrtAlphaPrev * $0 + directionScale * $1 }
        if eta > 0 {
            let noise = try drawNoise(count: modelOutput.count, generator: &generator)
            prev = zip(prev, noise).map { $0 + stdDev * $1 }
        }
        return prev
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        return schedule.addNoise(original: original, noise: noise, timestep: Int(timesteps[timestepIndex]))
    }
}
