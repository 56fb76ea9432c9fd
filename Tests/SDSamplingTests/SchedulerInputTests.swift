import XCTest
@testable import SDSampling

/// Bad input raises typed errors instead of trapping.
final class SchedulerInputTests: XCTestCase {
    private let sd15 = SchedulerParameters(numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012,
                                           betaSchedule: .scaledLinear, stepsOffset: 1, setAlphaToOne: false,
                                           clipSample: false, skipPrkSteps: true)

    func testStepCountsOutOfRange() throws {
        for kind in SamplerKind.allCases {
            var scheduler = try kind.makeScheduler(parameters: sd15)
            XCTAssertThrowsError(try scheduler.setTimesteps(0), "\(kind)")
            XCTAssertThrowsError(try scheduler.setTimesteps(-3), "\(kind)")
            XCTAssertThrowsError(try scheduler.setTimesteps(1001), "\(kind)")
        }
        var lcm = try SamplerKind.lcm.makeScheduler(parameters: sd15)
        XCTAssertThrowsError(try lcm.setTimesteps(51))
        var pndm = try SamplerKind.pndm.makeScheduler(parameters: SchedulerParameters(skipPrkSteps: false))
        XCTAssertThrowsError(try pndm.setTimesteps(3))
    }

    func testCallsBeforeSetTimestepsAndBadIndicesAndSizes() throws {
        for kind in SamplerKind.allCases {
            var scheduler = try kind.makeScheduler(parameters: sd15)
            var generator: TorchGenerator? = TorchGenerator(seed: 1)
            let x = [Float](repeating: 0.5, count: 16)
            XCTAssertThrowsError(try scheduler.scaleModelInput(x, timestepIndex: 0), "\(kind)") { error in
                XCTAssertEqual(error as? SchedulerError, .timestepsNotSet(scheduler: kind.diffusersClassName))
            }
            try scheduler.setTimesteps(10)
            let count = scheduler.timesteps.count
            XCTAssertThrowsError(try scheduler.step(modelOutput: x, timestepIndex: count, sample: x, generator: &generator))
            XCTAssertThrowsError(try scheduler.step(modelOutput: x, timestepIndex: -1, sample: x, generator: &generator))
            XCTAssertThrowsError(try scheduler.addNoise(original: x, noise: x, timestepIndex: count))
            XCTAssertThrowsError(try scheduler.step(modelOutput: Array(x.dropLast()), timestepIndex: 0, sample: x,
                                                    generator: &generator)) { error in
                XCTAssertEqual(error as? SchedulerError, .sizeMismatch(expected: 16, actual: 15))
            }
            XCTAssertThrowsError(try scheduler.addNoise(original: x, noise: [], timestepIndex: 0))
            XCTAssertThrowsError(try scheduler.img2imgStartIndex(strength: 1.5))
            XCTAssertThrowsError(try scheduler.img2imgStartIndex(strength: .nan))
            XCTAssertThrowsError(try scheduler.img2imgStartIndex(strength: 0.05), "\(kind): no step left")
            XCTAssertEqual(try scheduler.img2imgStartIndex(strength: 1), 0)
        }
    }

    func testStochasticSamplersNeedAGenerator() throws {
        for kind in SamplerKind.allCases {
            var scheduler = try kind.makeScheduler(parameters: sd15)
            try scheduler.setTimesteps(10)
            var none: TorchGenerator?
            var x = [Float](repeating: 0.5, count: 16)
            var thrown: Error?
            for i in scheduler.timesteps.indices where thrown == nil {
                do {
                    x = try scheduler.step(modelOutput: x, timestepIndex: i, sample: x, generator: &none)
                } catch {
                    thrown = error
                }
            }
            if scheduler.isStochastic {
                XCTAssertEqual(thrown as? SchedulerError, .generatorRequired(scheduler: kind.diffusersClassName), "\(kind)")
            } else {
                XCTAssertNil(thrown, "\(kind)")
            }
        }
    }

    func testUnsupportedOptionsAreRejected() {
        let cases: [(SamplerKind, SchedulerParameters)] = [
            (.ddim, SchedulerParameters(thresholding: true)),
            (.euler, SchedulerParameters(useExponentialSigmas: true)),
            (.eulerAncestral, SchedulerParameters(predictionType: .sample)),
            (.dpm2, SchedulerParameters(predictionType: .sample)),
            (.dpmpp2m, SchedulerParameters(solverOrder: 4)),
            (.dpmpp2m, SchedulerParameters(useLuLambdas: true)),
            (.ddpm, SchedulerParameters(varianceType: .learnedRange)),
            (.lms, SchedulerParameters(betaSchedule: .sigmoid)),
            (.unipc, SchedulerParameters(predictionType: .flowPrediction)),
            (.ddim, SchedulerParameters(eta: -1)),
            (.ddim, SchedulerParameters(eta: .nan)),
            (.euler, SchedulerParameters(stepsOffset: Int.max)),
            (.eulerKarras, SchedulerParameters(sigmaMin: -1)),
            (.unipc, SchedulerParameters(sigmaMax: .infinity)),
            (.heun, SchedulerParameters(numTrainTimesteps: 1_000_000_000)),
            (.dpm2, SchedulerParameters(numTrainTimesteps: 4, trainedBetas: [0.1, 0.2])),
            (.lcm, SchedulerParameters(originalInferenceSteps: 0)),
        ]
        for (kind, parameters) in cases {
            XCTAssertThrowsError(try kind.makeScheduler(parameters: parameters), "\(kind) \(parameters)")
        }
        // The deprecated non-++ DPM-Solver is rejected unless the sampler forces dpmsolver++.
        XCTAssertThrowsError(try DPMSolverMultistepScheduler(parameters: SchedulerParameters(algorithmType: .dpmSolver)))
        XCTAssertNoThrow(try SamplerKind.dpmpp2m.makeScheduler(parameters: SchedulerParameters(algorithmType: .dpmSolver)))
    }

    func testSampleLoopMatchesManualStepping() throws {
        var looped = try SamplerKind.dpmpp2mSDE.makeScheduler(parameters: sd15)
        var manual = looped
        try looped.setTimesteps(8)
        try manual.setTimesteps(8)
        var seed = TorchGenerator(seed: 21)
        let start = looped.initialLatents(count: 64, generator: &seed)
        var g1: TorchGenerator? = seed
        var g2: TorchGenerator? = seed
        let viaLoop = try looped.sample(latents: start, generator: &g1, model: SamplingFixtures.model)
        var x = start
        for i in manual.timesteps.indices {
            let input = try manual.scaleModelInput(x, timestepIndex: i)
            x = try manual.step(modelOutput: SamplingFixtures.model(input, manual.timesteps[i]), timestepIndex: i,
                                sample: x, generator: &g2)
        }
        XCTAssertEqual(viaLoop, x)
        XCTAssertThrowsError(try looped.sample(latents: start, startIndex: 8, generator: &g1, model: SamplingFixtures.model))
    }
}
