/// diffusers' `LMSDiscreteScheduler` ("LMS", "LMS Karras"): linear multistep over up to four
/// past derivatives, with coefficients integrated over each sigma interval.
public struct LMSDiscreteScheduler: Scheduler {
    public let name = "LMSDiscreteScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public private(set) var sigmas: [Float] = []
    public private(set) var initNoiseSigma: Float
    public let isStochastic = false

    private static let maxOrder = 4
    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private let karras: Bool
    private var derivatives: [[Float]] = []

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.useExponentialSigmas, \.useBetaSigmas], scheduler: name)
        schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                     defaultSchedule: .linear, rescaleZeroTerminalSNR: false)
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction, .sample], scheduler: name)
        spacing = p.timestepSpacing ?? .linspace
        stepsOffset = try p.checkedStepsOffset()
        karras = p.useKarrasSigmas ?? false
        initNoiseSigma = EulerDiscreteScheduler.noiseSigma(schedule.trainSigmas.max() ?? 1, spacing: spacing)
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        let (grid, values) = SigmaSchedule.discrete(schedule: schedule, spacing: spacing, offset: stepsOffset,
                                                    steps: steps, karras: karras)
        numInferenceSteps = steps
        sigmas = values.map { Float($0) } + [0]
        timesteps = grid.map { Double(Float($0)) }
        derivatives = []
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
        derivatives.append(zip(sample, predOriginal).map { ($0 - $1) / sigma })
        if derivatives.count > Self.maxOrder { derivatives.removeFirst() }
        let order = min(timestepIndex + 1, Self.maxOrder)
        let coefficients = (0..<order).map { coefficient(order: order, index: timestepIndex, current: $0) }
        var total = [Float](repeating: 0, count: sample.count)
        for (coefficient, derivative) in zip(coefficients, derivatives.reversed()) {
            let c = Float(coefficient)
            for i in total.indices { total[i] = total[i] + c * derivative[i] }
        }
        return zip(sample, total).map { $0 + $1 }
    }

    /// `get_lms_coefficient`: the integral over [sigma_t, sigma_t+1] of the Lagrange basis
    /// polynomial of `current` among the last `order` sigmas. The polynomial has degree <= 3,
    /// so three-point Gauss-Legendre is exact (diffusers calls scipy's `quad`).
    private func coefficient(order: Int, index t: Int, current: Int) -> Double {
        func basis(_ tau: Double) -> Double {
            var product = 1.0
            for k in 0..<order where k != current {
                product *= (tau - Double(sigmas[t - k])) / (Double(sigmas[t - current]) - Double(sigmas[t - k]))
            }
            return product
        }
        let a = Double(sigmas[t])
        let b = Double(sigmas[t + 1])
        let half = (b - a) / 2
        let mid = (a + b) / 2
        let node = (3.0 / 5.0).squareRoot()
        return half * (5.0 / 9.0 * basis(mid - half * node) + 8.0 / 9.0 * basis(mid) + 5.0 / 9.0 * basis(mid + half * node))
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        let sigma = sigmas[timestepIndex]
        return zip(original, noise).map { $0 + $1 * sigma }
    }
}
