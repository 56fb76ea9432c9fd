import Foundation

/// diffusers' `DPMSolverMultistepScheduler`: "DPM++ 2M" (and 1M/3M by `solver_order`),
/// "DPM++ 2M SDE" with `algorithm_type` `sde-dpmsolver++` (noise each step), each optionally
/// with Karras sigmas.
public struct DPMSolverMultistepScheduler: Scheduler {
    public let name = "DPMSolverMultistepScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public private(set) var sigmas: [Float] = []
    public let initNoiseSigma: Float = 1
    public var isStochastic: Bool { algorithm == .sdeDPMSolverPlusPlus }

    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let algorithm: DPMSolverAlgorithm
    private let heunSolver: Bool
    private let solverOrder: Int
    private let lowerOrderFinal: Bool
    private let eulerAtFinal: Bool
    private let karras: Bool
    private let roundKarrasTimesteps: Bool
    private let finalSigmas: FinalSigmasType
    private let lambdaMinClipped: Double
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private var modelOutputs: [[Float]] = []
    private var lowerOrderCount = 0

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.thresholding, \.useExponentialSigmas, \.useBetaSigmas, \.useLuLambdas, \.useFlowSigmas],
                     scheduler: name)
        let rescale = p.rescaleBetasZeroSnr ?? false
        var schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                         defaultSchedule: .linear, rescaleZeroTerminalSNR: rescale)
        if rescale {
            schedule.alphasCumprod[schedule.count - 1] = Float(pow(2.0, -24.0))
        }
        self.schedule = schedule
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction, .sample], scheduler: name)
        switch p.algorithmType ?? .dpmSolverPlusPlus {
        case .dpmSolverPlusPlus, .deis: algorithm = .dpmSolverPlusPlus
        case .sdeDPMSolverPlusPlus: algorithm = .sdeDPMSolverPlusPlus
        case let other:
            throw SchedulerError.unsupportedOption(scheduler: name, option: "algorithm_type", value: other.rawValue)
        }
        if let variance = p.varianceType, variance == .learned || variance == .learnedRange {
            throw SchedulerError.unsupportedOption(scheduler: name, option: "variance_type", value: variance.rawValue)
        }
        heunSolver = p.solverType == .heun
        solverOrder = p.solverOrder ?? 2
        guard (1...3).contains(solverOrder) else {
            throw SchedulerError.unsupportedOption(scheduler: name, option: "solver_order", value: "\(solverOrder)")
        }
        lowerOrderFinal = p.lowerOrderFinal ?? true
        eulerAtFinal = p.eulerAtFinal ?? false
        karras = p.useKarrasSigmas ?? false
        roundKarrasTimesteps = p.trainedBetas != nil || (p.betaSchedule ?? .linear) != .squaredCosCapV2
        finalSigmas = p.finalSigmasType ?? .zero
        lambdaMinClipped = p.lambdaMinClipped ?? -.infinity
        spacing = p.timestepSpacing ?? .linspace
        stepsOffset = try p.checkedStepsOffset()
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        // searchsorted(flip(lambda_t), lambda_min_clipped): how many lambdas lie below the clip.
        let lambdas = schedule.alphasCumprod.map { Foundation.log($0.squareRoot()) - Foundation.log((1 - $0).squareRoot()) }
        let clipped = lambdas.filter { Double($0) < lambdaMinClipped }.count
        let lastTimestep = schedule.count - clipped
        var grid = TimestepGrid.multistep(spacing, trainSteps: schedule.count, lastTimestep: lastTimestep,
                                          steps: steps, offset: stepsOffset)
        let trainSigmas = schedule.trainSigmas
        var values: [Double]
        if karras, let smallest = trainSigmas.first, let largest = trainSigmas.last {
            let logSigmas = SigmaSchedule.logSigmas(trainSigmas)
            values = SigmaSchedule.karras(sigmaMin: Double(smallest), sigmaMax: Double(largest), count: steps)
            grid = values.map { sigma in
                let t = SigmaSchedule.timestep(forSigma: sigma, logSigmas: logSigmas)
                return roundKarrasTimesteps ? NumPy.round(t) : t
            }
        } else {
            values = grid.map { NumPy.interpOnIndexGrid($0, trainSigmas) }
        }
        guard !grid.isEmpty else {
            throw SchedulerError.invalidValue(option: "lambda_min_clipped", value: "\(lambdaMinClipped)",
                                              reason: "clips away every timestep")
        }
        let last: Float = finalSigmas == .sigmaMin ? trainSigmas[0] : 0
        numInferenceSteps = steps
        sigmas = values.map { Float($0) } + [last]
        timesteps = grid.map { $0.rounded(.towardZero) }
        modelOutputs = []
        lowerOrderCount = 0
    }

    public func scaleModelInput(_ sample: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        return sample
    }

    /// `_sigma_to_alpha_sigma_t` and the log-SNR lambda of a sigma, in float32.
    static func alphaSigmaLambda(_ sigma: Float) -> (alpha: Float, sigma: Float, lambda: Float) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        let sigmaT = sigma * alpha
        return (alpha, sigmaT, Foundation.log(alpha) - Foundation.log(sigmaT))
    }

    public mutating func step(modelOutput: [Float], timestepIndex i: Int, sample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(i)
        try checkSizes(sample, modelOutput)
        let count = timesteps.count
        let lowerFinal = i == count - 1 && (eulerAtFinal || (lowerOrderFinal && count < 15) || finalSigmas == .zero)
        let lowerSecond = i == count - 2 && lowerOrderFinal && count < 15

        let s = Self.alphaSigmaLambda(sigmas[i])
        let x0: [Float]
        switch prediction {
        case .epsilon: x0 = zip(sample, modelOutput).map { ($0 - s.sigma * $1) / s.alpha }
        case .sample, .flowPrediction: x0 = modelOutput
        case .vPrediction: x0 = zip(sample, modelOutput).map { s.alpha * $0 - s.sigma * $1 }
        }
        modelOutputs.append(x0)
        if modelOutputs.count > solverOrder { modelOutputs.removeFirst() }
        let noise = isStochastic ? try drawNoise(count: sample.count, generator: &generator) : []

        let result: [Float]
        if solverOrder == 1 || lowerOrderCount < 1 || lowerFinal {
            result = firstOrder(x0, index: i, sample: sample, noise: noise)
        } else if solverOrder == 2 || lowerOrderCount < 2 || lowerSecond {
            result = secondOrder(index: i, sample: sample, noise: noise)
        } else {
            result = thirdOrder(index: i, sample: sample, noise: noise)
        }
        if lowerOrderCount < solverOrder { lowerOrderCount += 1 }
        return result
    }

    private func firstOrder(_ x0: [Float], index i: Int, sample: [Float], noise: [Float]) -> [Float] {
        let t = Self.alphaSigmaLambda(sigmas[i + 1])
        let s = Self.alphaSigmaLambda(sigmas[i])
        let h = t.lambda - s.lambda
        if algorithm == .dpmSolverPlusPlus {
            let a = t.sigma / s.sigma
            let b = t.alpha * (Foundation.exp(-h) - 1)
            return zip(sample, x0).map { a * $0 - b * $1 }
        }
        let a = t.sigma / s.sigma * Foundation.exp(-h)
        let b = t.alpha * (1 - Foundation.exp(-2 * h))
        let c = t.sigma * (1 - Foundation.exp(-2 * h)).squareRoot()
        return (0..<sample.count).map { k in a * sample[k] + b * x0[k] + c * noise[k] }
    }

    private func secondOrder(index i: Int, sample: [Float], noise: [Float]) -> [Float] {
        let t = Self.alphaSigmaLambda(sigmas[i + 1])
        let s0 = Self.alphaSigmaLambda(sigmas[i])
        let s1 = Self.alphaSigmaLambda(sigmas[i - 1])
        let m0 = modelOutputs[modelOutputs.count - 1]
        let m1 = modelOutputs[modelOutputs.count - 2]
        let h = t.lambda - s0.lambda
        let r0 = (s0.lambda - s1.lambda) / h
        let d1Scale = 1 / r0
        let d1 = zip(m0, m1).map { d1Scale * ($0 - $1) }
        if algorithm == .dpmSolverPlusPlus {
            let a = t.sigma / s0.sigma
            let b = t.alpha * (Foundation.exp(-h) - 1)
            if heunSolver {
                let c = t.alpha * ((Foundation.exp(-h) - 1) / h + 1)
                return (0..<sample.count).map { k in a * sample[k] - b * m0[k] + c * d1[k] }
            }
            let c = 0.5 * (t.alpha * (Foundation.exp(-h) - 1))
            return (0..<sample.count).map { k in a * sample[k] - b * m0[k] - c * d1[k] }
        }
        let a = t.sigma / s0.sigma * Foundation.exp(-h)
        let b = t.alpha * (1 - Foundation.exp(-2 * h))
        let c = heunSolver ? t.alpha * ((1 - Foundation.exp(-2 * h)) / (-2 * h) + 1)
                           : 0.5 * (t.alpha * (1 - Foundation.exp(-2 * h)))
        let n = t.sigma * (1 - Foundation.exp(-2 * h)).squareRoot()
        return (0..<sample.count).map { k in a * sample[k] + b * m0[k] + c * d1[k] + n * noise[k] }
    }

    private func thirdOrder(index i: Int, sample: [Float], noise: [Float]) -> [Float] {
        let t = Self.alphaSigmaLambda(sigmas[i + 1])
        let s0 = Self.alphaSigmaLambda(sigmas[i])
        let s1 = Self.alphaSigmaLambda(sigmas[i - 1])
        let s2 = Self.alphaSigmaLambda(sigmas[i - 2])
        let m0 = modelOutputs[modelOutputs.count - 1]
        let m1 = modelOutputs[modelOutputs.count - 2]
        let m2 = modelOutputs[modelOutputs.count - 3]
        let h = t.lambda - s0.lambda
        let r0 = (s0.lambda - s1.lambda) / h
        let r1 = (s1.lambda - s2.lambda) / h
        let d10 = zip(m0, m1).map { (1 / r0) * ($0 - $1) }
        let d11 = zip(m1, m2).map { (1 / r1) * ($0 - $1) }
        let blend = r0 / (r0 + r1)
        let inverseSum = 1 / (r0 + r1)
        let d1 = zip(d10, d11).map { $0 + blend * ($0 - $1) }
        let d2 = zip(d10, d11).map { inverseSum * ($0 - $1) }
        if algorithm == .dpmSolverPlusPlus {
            let e = Foundation.exp(-h) - 1
            let a = t.sigma / s0.sigma
            let b = t.alpha * e
            let c = t.alpha * (e / h + 1)
            let d = t.alpha * ((Foundation.exp(-h) - 1 + h) / (h * h) - 0.5)
            return (0..<sample.count).map { k in a * sample[k] - b * m0[k] + c * d1[k] - d * d2[k] }
        }
        let e = 1 - Foundation.exp(-2 * h)
        let a = t.sigma / s0.sigma * Foundation.exp(-h)
        let b = t.alpha * e
        let c = t.alpha * (e / (-2 * h) + 1)
        let d = t.alpha * ((1 - Foundation.exp(-2 * h) - 2 * h) / ((2 * h) * (2 * h)) - 0.5)
        let n = t.sigma * e.squareRoot()
        return (0..<sample.count).map { k in a * sample[k] + b * m0[k] + c * d1[k] + d * d2[k] + n * noise[k] }
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        let s = Self.alphaSigmaLambda(sigmas[timestepIndex])
        return zip(original, noise).map { s.alpha * $0 + s.sigma * $1 }
    }
}
