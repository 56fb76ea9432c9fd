/// diffusers' `PNDMScheduler`: "PLMS" with `skip_prk_steps` (Stable Diffusion's own config),
/// full PNDM (four Runge-Kutta warm-up steps, then PLMS) without it.
public struct PNDMScheduler: Scheduler {
    public let name = "PNDMScheduler"
    public let order = 1
    public private(set) var numInferenceSteps = 0
    public private(set) var timesteps: [Double] = []
    public var sigmas: [Float] { [] }
    public let initNoiseSigma: Float = 1
    public let isStochastic = false

    private let schedule: NoiseSchedule
    private let finalAlphaCumprod: Float
    private let prediction: PredictionType
    private let spacing: TimestepSpacing
    private let stepsOffset: Int
    private let skipPRK: Bool
    private var prkTimesteps: [Int] = []
    private var counter = 0
    private var ets: [[Float]] = []
    private var curModelOutput: [Float]?
    private var curSample: [Float]?

    public init(parameters p: SchedulerParameters) throws {
        schedule = try NoiseSchedule(scheduler: name, parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                     defaultSchedule: .linear, rescaleZeroTerminalSNR: false)
        finalAlphaCumprod = (p.setAlphaToOne ?? false) ? 1 : schedule.alphasCumprod[0]
        prediction = try (p.predictionType ?? .epsilon).require([.epsilon, .vPrediction], scheduler: name)
        spacing = p.timestepSpacing ?? .leading
        stepsOffset = try p.checkedStepsOffset()
        skipPRK = p.skipPrkSteps ?? false
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        try schedule.validate(steps: steps)
        let ascending = TimestepGrid.descending(spacing, trainSteps: schedule.count, steps: steps, offset: stepsOffset,
                                                roundLinspace: true).reversed().map { Int($0) }
        var prk: [Int] = []
        var plms: [Int]
        if skipPRK {
            plms = Array(ascending.dropLast()) + Array(ascending.dropLast().suffix(1)) + Array(ascending.suffix(1))
        } else {
            guard ascending.count >= 4 else {
                throw SchedulerError.invalidValue(option: "steps", value: "\(steps)",
                                                  reason: "PNDM with Runge-Kutta warm-up needs at least 4 steps")
            }
            let half = schedule.count / steps / 2
            let warmUp = ascending.suffix(4).flatMap { [$0, $0 + half] }
            prk = Array(warmUp.dropLast().flatMap { [$0, $0] }.dropFirst().dropLast().reversed())
            plms = Array(ascending.dropLast(3))
        }
        plms.reverse()
        let all = (prk + plms).map(Double.init)
        try schedule.validate(timesteps: all, steps: steps)
        numInferenceSteps = steps
        prkTimesteps = prk
        timesteps = all
        counter = 0
        ets = []
        curModelOutput = nil
        curSample = nil
    }

    public func scaleModelInput(_ sample: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        return sample
    }

    public mutating func step(modelOutput: [Float], timestepIndex: Int, sample: [Float],
                              generator: inout TorchGenerator?) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(sample, modelOutput)
        let timestep = Int(timesteps[timestepIndex])
        if counter < prkTimesteps.count && !skipPRK {
            return try stepPRK(modelOutput, timestep: timestep, sample: sample)
        }
        return try stepPLMS(modelOutput, timestep: timestep, sample: sample)
    }

    /// One of the four evaluations of a Runge-Kutta warm-up step (`step_prk`).
    private mutating func stepPRK(_ modelOutput: [Float], timestep: Int, sample: [Float]) throws -> [Float] {
        let diffToPrev = counter % 2 == 1 ? 0 : schedule.count / numInferenceSteps / 2
        let prevTimestep = timestep - diffToPrev
        let anchor = prkTimesteps[counter / 4 * 4]
        var output = modelOutput
        let sixth = Float(1.0 / 6.0)
        let third = Float(1.0 / 3.0)
        switch counter % 4 {
        case 0:
            curModelOutput = modelOutput.map { sixth * $0 }
            ets.append(modelOutput)
            curSample = sample
        case 1, 2:
            curModelOutput = zip(curModelOutput ?? [], modelOutput).map { $0 + third * $1 }
        default:
            output = zip(curModelOutput ?? [], modelOutput).map { $0 + sixth * $1 }
            curModelOutput = nil
        }
        let start = curSample ?? sample
        counter += 1
        return try previousSample(start, timestep: anchor, prevTimestep: prevTimestep, modelOutput: output)
    }

    /// A pseudo linear multistep step over the last four model outputs (`step_plms`).
    private mutating func stepPLMS(_ modelOutput: [Float], timestep inputTimestep: Int, sample inputSample: [Float]) throws -> [Float] {
        let ratio = schedule.count / numInferenceSteps
        var timestep = inputTimestep
        var prevTimestep = timestep - ratio
        var sample = inputSample
        if counter != 1 {
            ets = Array(ets.suffix(3))
            ets.append(modelOutput)
        } else {
            prevTimestep = timestep
            timestep += ratio
        }
        var output: [Float]
        let e = ets.reversed().map { $0 }
        switch (ets.count, counter) {
        case (1, 0):
            output = modelOutput
            curSample = inputSample
        case (1, 1):
            output = zip(modelOutput, e[0]).map { ($0 + $1) / 2 }
            sample = curSample ?? inputSample
            curSample = nil
        case (2, _):
            output = zip(e[0], e[1]).map { (3 * $0 - $1) / 2 }
        case (3, _):
            output = (0..<modelOutput.count).map { k in (23 * e[0][k] - 16 * e[1][k] + 5 * e[2][k]) / 12 }
        default:
            let scale = Float(1.0 / 24.0)
            output = (0..<modelOutput.count).map { k in
                scale * (55 * e[0][k] - 59 * e[1][k] + 37 * e[2][k] - 9 * e[3][k])
            }
        }
        counter += 1
        return try previousSample(sample, timestep: timestep, prevTimestep: prevTimestep, modelOutput: output)
    }

    /// `_get_prev_sample`: formula (9) of the PNDM paper.
    private func previousSample(_ sample: [Float], timestep: Int, prevTimestep: Int, modelOutput: [Float]) throws -> [Float] {
        guard timestep >= 0, timestep < schedule.count, prevTimestep < schedule.count else {
            throw SchedulerError.invalidValue(option: "timestep", value: "\(timestep)",
                                              reason: "outside the \(schedule.count) training timesteps")
        }
        let alphaT = schedule.alphasCumprod[timestep]
        let alphaPrev = schedule.alphaCumprod(prevTimestep, fallback: finalAlphaCumprod)
        let betaT = 1 - alphaT
        let betaPrev = 1 - alphaPrev
        var output = modelOutput
        if prediction == .vPrediction {
            let a = alphaT.squareRoot()
            let b = betaT.squareRoot()
            output = zip(modelOutput, sample).map { a * $0 + b * $1 }
        }
        let sampleCoeff = (alphaPrev / alphaT).squareRoot()
        let denominator = alphaT * betaPrev.squareRoot() + (alphaT * betaT * alphaPrev).squareRoot()
        let difference = alphaPrev - alphaT
        return zip(sample, output).map { sampleCoeff * $0 - difference * $1 / denominator }
    }

    public func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float] {
        try checkIndex(timestepIndex)
        try checkSizes(original, noise)
        return schedule.addNoise(original: original, noise: noise, timestep: Int(timesteps[timestepIndex]))
    }
}
