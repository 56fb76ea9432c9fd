import Foundation

/// diffusers' `UniPCMultistepScheduler` ("UniPC"): a multistep predictor (UniP) plus a
/// corrector (UniC) that reuses each new model output on the previous step's result.
public struct UniPCMultistepScheduler: Scheduler {
    public let name = "UniPCMultistepScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public private(set) var sigmas: [Float] = []
    public let initNoiseSigma: Float = 1
    public let isStochastic = false

    private let schedule: NoiseSchedule
    private let prediction: PredictionType
    private let predictX0: Bool
    private let bh1: Bool
    private let solverOrder: Int
    private let lowerOrderFinal: Bool
    private let disableCorrector: Set<Int>
    private let karras: Bool
    private let sigmaMin: Double?
    private let sigmaMax: Double?
    private let finalSigmas: FinalSigmasType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private var modelOutputs: [[Float]] = []
    private var lowerOrderCount = 0
    private var lastSample: [Float]?
    private var lastOrder = 1

    public init(parameters p: SchedulerParameters) throws {
        try p.reject([\.thresholding, \.useExponentialSigmas, \.useBetaSigmas, \.useFlowSigmas], scheduler: name)
        let rescale = p.rescaleBetasZeroSnr ?? false
        var schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                         defaultSchedule: .linear, rescaleZeroTerminalSNR: rescale)
        if rescale {
            schedule.alphasCumprod[schedule.count - 1] = Float(pow(2.0, -24.0))
        }
        self.schedule = schedule
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction, .sample], scheduler: name)
        predictX0 = p.predictX0 ?? true
        bh1 = p.solverType == .bh1
        solverOrder = p.solverOrder ?? 2
        guard (1...3).contains(solverOrder) else {
            throw SchedulerError.unsupportedOption(scheduler: name, option: "solver_order", value: "\(solverOrder)")
        }
        lowerOrderFinal = p.lowerOrderFinal ?? true
        disableCorrector = Set(p.disableCorrector ?? [])
        karras = p.useKarrasSigmas ?? false
        sigmaMin = try p.checkedSigma(\.sigmaMin, option: "sigma_min")
        sigmaMax = try p.checkedSigma(\.sigmaMax, option: "sigma_max")
        finalSigmas = p.finalSigmasType ?? .zero
        spacing = p.timestepSpacing ?? .linspace
        stepsOffset = try p.checkedStepsOffset()
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        var grid = TimestepGrid.multistep(spacing, trainSteps: schedule.count, lastTimestep: schedule.count,
                                          steps: steps, offset: stepsOffset)
        let trainSigmas = schedule.trainSigmas
        var values: [Double]
        let last: Float
        if karras, let smallest = trainSigmas.first, let largest = trainSigmas.last {
            let logSigmas = SigmaSchedule.logSigmas(trainSigmas)
            values = SigmaSchedule.karras(sigmaMin: sigmaMin ?? Double(smallest), sigmaMax: sigmaMax ?? Double(largest),
                                          count: steps)
            grid = values.map { NumPy.round(SigmaSchedule.timestep(forSigma: $0, logSigmas: logSigmas)) }
            last = finalSigmas == .sigmaMin ? Float(values[values.count - 1]) : 0
        } else {
            values = grid.map { NumPy.interpOnIndexGrid($0, trainSigmas) }
            last = finalSigmas == .sigmaMin ? trainSigmas[0] : 0
        }
        numInferenceSteps = steps
        sigmas = values.map { Float($0) } + [last]
        timesteps = grid.map { $0.rounded(.towardZero) }
        modelOutputs = []
        lowerOrderCount = 0
        lastSample = nil
        lastOrder = 1
    }

    public func scaleModelInput(_ sample: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        return sample
    }

    public mutating func step(modelOutput: [Float], timestepIndex i: Int, sample inputSample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(i)
        try checkSizes(inputSample, modelOutput)
        var sample = inputSample
        let s = DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[i])
        let converted: [Float]
        switch (predictX0, prediction) {
        case (true, .epsilon): converted = zip(sample, modelOutput).map { ($0 - s.sigma * $1) / s.alpha }
        case (true, .vPrediction): converted = zip(sample, modelOutput).map { s.alpha * $0 - s.sigma * $1 }
        case (false, .sample): converted = zip(sample, modelOutput).map { ($0 - s.alpha * $1) / s.sigma }
        case (false, .vPrediction): converted = zip(sample, modelOutput).map { s.alpha * $1 + s.sigma * $0 }
        case (_, .epsilon), (_, .sample), (_, .flowPrediction): converted = modelOutput
        }
        if i > 0, !disableCorrector.contains(i - 1), let last = lastSample {
            sample = corrector(converted, lastSample: last, sample: sample, index: i, order: lastOrder)
        }
        modelOutputs.append(converted)
        if modelOutputs.count > solverOrder { modelOutputs.removeFirst() }
        var thisOrder = lowerOrderFinal ? min(solverOrder, timesteps.count - i) : solverOrder
        thisOrder = min(thisOrder, lowerOrderCount + 1)
        lastOrder = thisOrder
        lastSample = sample
        let result = predictor(sample: sample, index: i, order: thisOrder)
        if lowerOrderCount < solverOrder { lowerOrderCount += 1 }
        return result
    }

    /// The B(h) coefficient system shared by predictor and corrector: `R`, `b`, `h_phi_1`, `B_h`.
    private func coefficients(h: Float, rks: [Float], order: Int) -> (r: [[Float]], b: [Float], hPhi1: Float, bH: Float) {
        let hh = predictX0 ? -h : h
        let hPhi1 = Foundation.expm1(hh)
        var hPhiK = hPhi1 / hh - 1
        var factorial = 1
        let bH = bh1 ? hh : Foundation.expm1(hh)
        var r: [[Float]] = []
        var b: [Float] = []
        for k in 1...order {
            r.append(rks.map { Foundation.pow($0, Float(k - 1)) })
            b.append(hPhiK * Float(factorial) / bH)
            factorial *= k + 1
            hPhiK = hPhiK / hh - Float(1.0 / Double(factorial))
        }
        return (r, b, hPhi1, bH)
    }

    /// `multistep_uni_p_bh_update`.
    private func predictor(sample x: [Float], index i: Int, order: Int) -> [Float] {
        let m0 = modelOutputs[modelOutputs.count - 1]
        let t = DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[i + 1])
        let s0 = DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[i])
        let h = t.lambda - s0.lambda
        var rks: [Float] = []
        var d1s: [[Float]] = []
        for k in 1..<max(order, 1) {
            let mi = modelOutputs[modelOutputs.count - 1 - k]
            let rk = (DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[i - k]).lambda - s0.lambda) / h
            rks.append(rk)
            d1s.append(zip(mi, m0).map { ($0 - $1) / rk })
        }
        rks.append(1)
        let c = coefficients(h: h, rks: rks, order: order)
        var residual = [Float](repeating: 0, count: x.count)
        if !d1s.isEmpty {
            let rhos: [Float] = order == 2
                ? [0.5]
                : Self.solve(Array(c.r.dropLast().map { Array($0.dropLast()) }), Array(c.b.dropLast()))
            residual = Self.combine(rhos, d1s)
        }
        return blend(x: x, m0: m0, t: t, s0: s0, hPhi1: c.hPhi1, bH: c.bH, residual: residual)
    }

    /// `multistep_uni_c_bh_update`: corrects the previous prediction with the new output.
    private func corrector(_ modelT: [Float], lastSample x: [Float], sample: [Float], index i: Int, order: Int) -> [Float] {
        let m0 = modelOutputs[modelOutputs.count - 1]
        let t = DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[i])
        let s0 = DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[i - 1])
        let h = t.lambda - s0.lambda
        var rks: [Float] = []
        var d1s: [[Float]] = []
        for k in 1..<max(order, 1) {
            let mi = modelOutputs[modelOutputs.count - 1 - k]
            let rk = (DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[i - (k + 1)]).lambda - s0.lambda) / h
            rks.append(rk)
            d1s.append(zip(mi, m0).map { ($0 - $1) / rk })
        }
        rks.append(1)
        let c = coefficients(h: h, rks: rks, order: order)
        let rhos: [Float] = order == 1 ? [0.5] : Self.solve(c.r, c.b)
        var correction = d1s.isEmpty ? [Float](repeating: 0, count: x.count) : Self.combine(Array(rhos.dropLast()), d1s)
        let last = rhos[rhos.count - 1]
        for k in correction.indices { correction[k] = correction[k] + last * (modelT[k] - m0[k]) }
        return blend(x: x, m0: m0, t: t, s0: s0, hPhi1: c.hPhi1, bH: c.bH, residual: correction)
    }

    /// x_t = (sigma_t / sigma_s0) x - alpha_t h_phi_1 m0 - alpha_t B_h residual, or the
    /// noise-prediction form when `predict_x0` is off.
    private func blend(x: [Float], m0: [Float], t: (alpha: Float, sigma: Float, lambda: Float),
                       s0: (alpha: Float, sigma: Float, lambda: Float), hPhi1: Float, bH: Float,
                       residual: [Float]) -> [Float] {
        let a = predictX0 ? t.sigma / s0.sigma : t.alpha / s0.alpha
        let b = (predictX0 ? t.alpha : t.sigma) * hPhi1
        let c = (predictX0 ? t.alpha : t.sigma) * bH
        return (0..<x.count).map { k in (a * x[k] - b * m0[k]) - c * residual[k] }
    }

    /// sum_k rhos[k] * d1s[k] (the einsum over the history dimension).
    private static func combine(_ rhos: [Float], _ d1s: [[Float]]) -> [Float] {
        var total = d1s[0].map { rhos[0] * $0 }
        for k in 1..<min(rhos.count, d1s.count) {
            for j in total.indices { total[j] = total[j] + rhos[k] * d1s[k][j] }
        }
        return total
    }

    /// `torch.linalg.solve` for the tiny (<= 3x3) systems here: LU with partial pivoting.
    static func solve(_ matrix: [[Float]], _ rhs: [Float]) -> [Float] {
        var a = matrix
        var b = rhs
        let n = b.count
        for col in 0..<n {
            var pivot = col
            for row in (col + 1)..<n where abs(a[row][col]) > abs(a[pivot][col]) { pivot = row }
            a.swapAt(col, pivot)
            b.swapAt(col, pivot)
            for row in (col + 1)..<n {
                let factor = a[row][col] / a[col][col]
                for k in col..<n { a[row][k] = a[row][k] - factor * a[col][k] }
                b[row] = b[row] - factor * b[col]
            }
        }
        var x = [Float](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<n { sum = sum - a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        let s = DPMSolverMultistepScheduler.alphaSigmaLambda(sigmas[timestepIndex])
        return zip(original, noise).map { s.alpha * $0 + s.sigma * $1 }
    }
}
