/// Scheduler settings, one field per key of diffusers' `scheduler_config.json`.
///
/// Every field is optional: `nil` means "the key is absent", and each scheduler then uses its
/// own diffusers class default (e.g. `timestep_spacing` is `leading` for DDIM but `linspace` for
/// Euler), exactly as `SomeScheduler.from_config(config)` does. Keys a scheduler class does not
/// know are ignored by it, as in diffusers. Decoding from JSON uses the snake_case keys.
public struct SchedulerParameters: Equatable, Sendable {
    public var numTrainTimesteps: Int?
    public var betaStart: Double?
    public var betaEnd: Double?
    public var betaSchedule: BetaSchedule?
    public var trainedBetas: [Double]?
    public var predictionType: PredictionType?
    public var stepsOffset: Int?
    public var timestepSpacing: TimestepSpacing?
    public var setAlphaToOne: Bool?
    public var clipSample: Bool?
    public var clipSampleRange: Double?
    public var thresholding: Bool?
    public var rescaleBetasZeroSnr: Bool?
    /// PNDM: skip the Runge-Kutta warm-up and run pure PLMS (Stable Diffusion's setting).
    public var skipPrkSteps: Bool?
    public var useKarrasSigmas: Bool?
    public var useExponentialSigmas: Bool?
    public var useBetaSigmas: Bool?
    public var useLuLambdas: Bool?
    public var useFlowSigmas: Bool?
    public var interpolationType: SigmaInterpolation?
    public var timestepType: TimestepType?
    public var finalSigmasType: FinalSigmasType?
    public var sigmaMin: Double?
    public var sigmaMax: Double?
    public var solverOrder: Int?
    public var algorithmType: DPMSolverAlgorithm?
    public var solverType: SolverType?
    public var lowerOrderFinal: Bool?
    public var eulerAtFinal: Bool?
    public var lambdaMinClipped: Double?
    public var predictX0: Bool?
    public var disableCorrector: [Int]?
    public var varianceType: VarianceType?
    public var originalInferenceSteps: Int?
    public var timestepScaling: Double?
    /// DDIM's `eta` (a `step` argument in diffusers, not a config key): 0 is deterministic DDIM,
    /// anything above 0 draws noise each step.
    public var eta: Double?

    public init(
        numTrainTimesteps: Int? = nil, betaStart: Double? = nil, betaEnd: Double? = nil,
        betaSchedule: BetaSchedule? = nil, trainedBetas: [Double]? = nil,
        predictionType: PredictionType? = nil, stepsOffset: Int? = nil,
        timestepSpacing: TimestepSpacing? = nil, setAlphaToOne: Bool? = nil,
        clipSample: Bool? = nil, clipSampleRange: Double? = nil, thresholding: Bool? = nil,
        rescaleBetasZeroSnr: Bool? = nil, skipPrkSteps: Bool? = nil,
        useKarrasSigmas: Bool? = nil, useExponentialSigmas: Bool? = nil,
        useBetaSigmas: Bool? = nil, useLuLambdas: Bool? = nil, useFlowSigmas: Bool? = nil,
        interpolationType: SigmaInterpolation? = nil, timestepType: TimestepType? = nil,
        finalSigmasType: FinalSigmasType? = nil, sigmaMin: Double? = nil, sigmaMax: Double? = nil,
        solverOrder: Int? = nil, algorithmType: DPMSolverAlgorithm? = nil,
        solverType: SolverType? = nil, lowerOrderFinal: Bool? = nil, eulerAtFinal: Bool? = nil,
        lambdaMinClipped: Double? = nil, predictX0: Bool? = nil, disableCorrector: [Int]? = nil,
        varianceType: VarianceType? = nil, originalInferenceSteps: Int? = nil,
        timestepScaling: Double? = nil, eta: Double? = nil
    ) {
        self.numTrainTimesteps = numTrainTimesteps
        self.betaStart = betaStart
        self.betaEnd = betaEnd
        self.betaSchedule = betaSchedule
        self.trainedBetas = trainedBetas
        self.predictionType = predictionType
        self.stepsOffset = stepsOffset
        self.timestepSpacing = timestepSpacing
        self.setAlphaToOne = setAlphaToOne
        self.clipSample = clipSample
        self.clipSampleRange = clipSampleRange
        self.thresholding = thresholding
        self.rescaleBetasZeroSnr = rescaleBetasZeroSnr
        self.skipPrkSteps = skipPrkSteps
        self.useKarrasSigmas = useKarrasSigmas
        self.useExponentialSigmas = useExponentialSigmas
        self.useBetaSigmas = useBetaSigmas
        self.useLuLambdas = useLuLambdas
        self.useFlowSigmas = useFlowSigmas
        self.interpolationType = interpolationType
        self.timestepType = timestepType
        self.finalSigmasType = finalSigmasType
        self.sigmaMin = sigmaMin
        self.sigmaMax = sigmaMax
        self.solverOrder = solverOrder
        self.algorithmType = algorithmType
        self.solverType = solverType
        self.lowerOrderFinal = lowerOrderFinal
        self.eulerAtFinal = eulerAtFinal
        self.lambdaMinClipped = lambdaMinClipped
        self.predictX0 = predictX0
        self.disableCorrector = disableCorrector
        self.varianceType = varianceType
        self.originalInferenceSteps = originalInferenceSteps
        self.timestepScaling = timestepScaling
        self.eta = eta
    }

    /// These parameters with every non-nil field of `overrides` written over them, as
    /// `from_config(config, **overrides)` does.
    public func overridden(by overrides: SchedulerParameters) -> SchedulerParameters {
        var r = self
        r.take(\.numTrainTimesteps, from: overrides)
        r.take(\.betaStart, from: overrides)
        r.take(\.betaEnd, from: overrides)
        r.take(\.betaSchedule, from: overrides)
        r.take(\.trainedBetas, from: overrides)
        r.take(\.predictionType, from: overrides)
        r.take(\.stepsOffset, from: overrides)
        r.take(\.timestepSpacing, from: overrides)
        r.take(\.setAlphaToOne, from: overrides)
        r.take(\.clipSample, from: overrides)
        r.take(\.clipSampleRange, from: overrides)
        r.take(\.thresholding, from: overrides)
        r.take(\.rescaleBetasZeroSnr, from: overrides)
        r.take(\.skipPrkSteps, from: overrides)
        r.take(\.useKarrasSigmas, from: overrides)
        r.take(\.useExponentialSigmas, from: overrides)
        r.take(\.useBetaSigmas, from: overrides)
        r.take(\.useLuLambdas, from: overrides)
        r.take(\.useFlowSigmas, from: overrides)
        r.take(\.interpolationType, from: overrides)
        r.take(\.timestepType, from: overrides)
        r.take(\.finalSigmasType, from: overrides)
        r.take(\.sigmaMin, from: overrides)
        r.take(\.sigmaMax, from: overrides)
        r.take(\.solverOrder, from: overrides)
        r.take(\.algorithmType, from: overrides)
        r.take(\.solverType, from: overrides)
        r.take(\.lowerOrderFinal, from: overrides)
        r.take(\.eulerAtFinal, from: overrides)
        r.take(\.lambdaMinClipped, from: overrides)
        r.take(\.predictX0, from: overrides)
        r.take(\.disableCorrector, from: overrides)
        r.take(\.varianceType, from: overrides)
        r.take(\.originalInferenceSteps, from: overrides)
        r.take(\.timestepScaling, from: overrides)
        r.take(\.eta, from: overrides)
        return r
    }

    private mutating func take<T>(_ key: WritableKeyPath<SchedulerParameters, T?>, from other: SchedulerParameters) {
        if let value = other[keyPath: key] { self[keyPath: key] = value }
    }
}
