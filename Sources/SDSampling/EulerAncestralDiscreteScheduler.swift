import Foundation

/// diffusers' `EulerAncestralDiscreteScheduler` ("Euler a"): an Euler step to a lower sigma,
/// then fresh noise from the generator every step.
public struct EulerAncestralDiscreteScheduler: Scheduler {
    public let name = "EulerAncestralDiscreteScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public private(set) var sigmas: [Float] = []
    public private(set) var initNoiseSigma: Float
    public let isStochastic = true

    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int

    public init(parameters p: SchedulerParameters) throws {
        let rescale = p.rescaleBetasZeroSnr ?? false
        var schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                         defaultSchedule: .linear, rescaleZeroTerminalSNR: rescale)
        if rescale {
            schedule.alphasCumprod[schedule.count - 1] = Float(pow(2.0, -24.0))
        }
        self.schedule = schedule
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction], scheduler: name)
        spacing = p.timestepSpacing ?? .linspace
        stepsOffset = try p.checkedStepsOffset()
        initNoiseSigma = EulerDiscreteScheduler.noiseSigma(schedule.trainSigmas.max() ?? 1, spacing: spacing)
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        let (grid, values) = SigmaSchedule.discrete(schedule: schedule, spacing: spacing, offset: stepsOffset,
                                                    steps: steps, karras: false)
        numInferenceSteps = steps
        sigmas = values.map { Float($0) } + [0]
        timesteps = grid
        initNoiseSigma = EulerDiscreteScheduler.noiseSigma(sigmas.max() ?? 1, spacing: spacing)
    }

    public func scaleModelInput(_ sample: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        return SigmaSchedule.scaledInput(sample, sigma: sigmas[timestepIndex])
    }

    public mutating func step(modelOutput: [Float], timestepIndex: Int, sample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(sample, modelOutput)
        let sigma = sigmas[timestepIndex]
        let predOriginal = EulerDiscreteScheduler.predictOriginal(prediction, sigma: sigma, sample: sample,
                                                                  modelOutput: modelOutput)
        let sigmaTo = sigmas[timestepIndex + 1]
        let sigmaUp = ((sigmaTo * sigmaTo) * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma)).squareRoot()
        let sigmaDown = (sigmaTo * sigmaTo - sigmaUp * sigmaUp).squareRoot()
        let dt = sigmaDown - sigma
        let noise = try drawNoise(count: modelOutput.count, generator: &generator)
        var prev = zip(sample, predOriginal).map { x, x0 in x + ((x - x0) / sigma) * dt }
        for i in prev.indices { prev[i] = prev[i] + noise[i] * sigmaUp }
        return prev
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        let sigma = sigmas[timestepIndex]
        return zip(original, noise).map { $0 + $1 * sigma }
    }
}
