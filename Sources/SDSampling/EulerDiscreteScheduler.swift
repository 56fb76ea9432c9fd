import Foundation

/// diffusers' `EulerDiscreteScheduler` ("Euler", and "Euler Karras" with `use_karras_sigmas`).
public struct EulerDiscreteScheduler: Scheduler {
    public let name = "EulerDiscreteScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public private(set) var sigmas: [Float] = []
    public private(set) var initNoiseSigma: Float
    public let isStochastic = false

    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private let interpolation: SigmaInterpolation
    private let karras: Bool
    private let continuousTimesteps: Bool
    private let finalSigmas: FinalSigmasType
    private let sigmaMin: Double?
    private let sigmaMax: Double?

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.useExponentialSigmas, \.useBetaSigmas], scheduler: name)
        let rescale = p.rescaleBetasZeroSnr ?? false
        var schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                         defaultSchedule: .linear, rescaleZeroTerminalSNR: rescale)
        if rescale {
            // diffusers keeps the last sigma finite this way.
            schedule.alphasCumprod[schedule.count - 1] = Float(pow(2.0, -24.0))
        }
        self.schedule = schedule
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction, .sample], scheduler: name)
        spacing = p.timestepSpacing ?? .linspace
        stepsOffset = try p.checkedStepsOffset()
        interpolation = p.interpolationType ?? .linear
        karras = p.useKarrasSigmas ?? false
        continuousTimesteps = (p.timestepType ?? .discrete) == .continuous && prediction == .vPrediction
        finalSigmas = p.finalSigmasType ?? .zero
        sigmaMin = try p.checkedSigma(\.sigmaMin, option: "sigma_min")
        sigmaMax = try p.checkedSigma(\.sigmaMax, option: "sigma_max")
        initNoiseSigma = Self.noiseSigma(schedule.trainSigmas.max() ?? 1, spacing: spacing)
    }

    /// `init_noise_sigma`: the largest sigma, or sqrt(max^2 + 1) for `leading` spacing.
    static func noiseSigma(_ maxSigma: Float, spacing: TimestepSpacing) -> Float {
        spacing == .leading ? (maxSigma * maxSigma + 1).squareRoot() : maxSigma
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        var (grid, values) = SigmaSchedule.discrete(schedule: schedule, spacing: spacing, offset: stepsOffset,
                                                    steps: steps, karras: false)
        if interpolation == .logLinear {
            let trainSigmas = schedule.trainSigmas
            let start = Foundation.log(trainSigmas[trainSigmas.count - 1])
            let end = Foundation.log(trainSigmas[0])
            values = NoiseSchedule.torchLinspace(start, end, steps + 1).map { Double(Foundation.exp($0)) }
        }
        if karras, let first = values.first, let last = values.last {
            let logSigmas = SigmaSchedule.logSigmas(schedule.trainSigmas)
            values = SigmaSchedule.karras(sigmaMin: sigmaMin ?? last, sigmaMax: sigmaMax ?? first, count: steps)
            grid = values.map { SigmaSchedule.timestep(forSigma: $0, logSigmas: logSigmas) }
        }
        let last: Float = finalSigmas == .sigmaMin ? schedule.trainSigmas[0] : 0
        let newSigmas = values.map { Float($0) } + [last]
        numInferenceSteps = steps
        sigmas = newSigmas
        if continuousTimesteps {
            timesteps = newSigmas.dropLast().map { Double(0.25 * Foundation.log($0)) }
        } else {
            timesteps = grid.map { Double(Float($0)) }
        }
        initNoiseSigma = Self.noiseSigma(newSigmas.max() ?? 1, spacing: spacing)
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
        let predOriginal = Self.predictOriginal(prediction, sigma: sigma, sample: sample, modelOutput: modelOutput)
        let dt = sigmas[timestepIndex + 1] - sigma
        return zip(sample, predOriginal).map { x, x0 in x + ((x - x0) / sigma) * dt }
    }

    /// The denoised estimate of the Karras-style samplers for each prediction type.
    static func predictOriginal(_ prediction: PredictionType, sigma: Float, sample: [Float],
                                modelOutput: [Float]) -> [Float] {
        switch prediction {
        case .epsilon:
            return zip(sample, modelOutput).map { $0 - sigma * $1 }
        case .vPrediction:
            let outScale = -sigma / (sigma * sigma + 1).squareRoot()
            let sampleDivisor = sigma * sigma + 1
            return zip(sample, modelOutput).map { $1 * outScale + $0 / sampleDivisor }
        case .sample, .flowPrediction:
            return modelOutput
        }
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        let sigma = sigmas[timestepIndex]
        return zip(original, noise).map { $0 + $1 * sigma }
    }
}
