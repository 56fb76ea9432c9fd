/// diffusers' `LCMScheduler` ("LCM"): consistency-model sampling for LCM-distilled weights;
/// every step but the last re-noises the denoised estimate with generator noise.
public struct LCMScheduler: Scheduler {
    public let name = "LCMScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public var sigmas: [Float] { [] }
    public let initNoiseSigma: Float = 1
    public let isStochastic = true

    private let schedule: NoiseSchedule
    private let finalAlphaCumprod: Float
    private let prediction: PredictionType
    private let clipRange: Float?
    private let originalSteps: Int
    private let timestepScaling: Float

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.thresholding], scheduler: name)
        schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.00085, defaultBetaEnd: 0.012,
                                     defaultSchedule: .scaledLinear, rescaleZeroTerminalSNR: p.rescaleBetasZeroSnr ?? false)
        finalAlphaCumprod = (p.setAlphaToOne ?? true) ? 1 : schedule.alphasCumprod[0]
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction, .sample], scheduler: name)
        clipRange = (p.clipSample ?? false) ? Float(p.clipSampleRange ?? 1) : nil
        originalSteps = p.originalInferenceSteps ?? 50
        timestepScaling = Float(p.timestepScaling ?? 10)
        guard originalSteps >= 1, originalSteps <= schedule.count else {
            throw SchedulerError.invalidValue(option: "original_inference_steps", value: "\(originalSteps)",
                                              reason: "must be between 1 and \(schedule.count)")
        }
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        guard steps >= 1, steps <= originalSteps else {
            throw SchedulerError.invalidValue(option: "steps", value: "\(steps)",
                                              reason: "LCM needs between 1 and original_inference_steps (\(originalSteps)) steps")
        }
        let k = schedule.count / originalSteps
        let origin = (1...originalSteps).map { $0 * k - 1 }.reversed().map { $0 }
        let indices = NumPy.linspaceExcludingEnd(0, Double(origin.count), steps).map { Int($0.rounded(.down)) }
        numInferenceSteps = steps
        timesteps = indices.map { Double(origin[$0]) }
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
        let prevT = i + 1 < timesteps.count ? Int(timesteps[i + 1]) : t
        let alphaT = schedule.alphasCumprod[t]
        let alphaPrev = schedule.alphaCumprod(prevT, fallback: finalAlphaCumprod)
        let betaT = 1 - alphaT
        let betaPrev = 1 - alphaPrev

        let scaled = Float(t) * timestepScaling
        let cSkip = 0.25 / (scaled * scaled + 0.25)
        let cOut = scaled / (scaled * scaled + 0.25).squareRoot()

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
        let denoised = zip(predOriginal, sample).map { cOut * $0 + cSkip * $1 }
        guard i != numInferenceSteps - 1 else { return denoised }
        let noise = try drawNoise(count: sample.count, generator: &generator)
        let a = alphaPrev.squareRoot(), b = betaPrev.squareRoot()
        return zip(denoised, noise).map { a * $0 + b * $1 }
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        return schedule.addNoise(original: original, noise: noise, timestep: Int(timesteps[timestepIndex]))
    }
}
