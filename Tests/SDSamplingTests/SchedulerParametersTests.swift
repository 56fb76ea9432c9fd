import XCTest
@testable import SDSampling

final class SchedulerParametersTests: XCTestCase {
    func testDecodesHubConfigs() throws {
        let sd15 = try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd15_scheduler_config.json")))
        XCTAssertEqual(sd15, SchedulerParameters(numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012,
                                                 betaSchedule: .scaledLinear, stepsOffset: 1, setAlphaToOne: false,
                                                 clipSample: false, skipPrkSteps: true))
        let sd21 = try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd21_scheduler_config.json")))
        XCTAssertEqual(sd21.predictionType, .vPrediction)
        XCTAssertNil(sd21.timestepSpacing)
        XCTAssertNil(sd21.trainedBetas)
    }

    func testAcceptsPythonInfinityTokens() throws {
        let json = #"{"lambda_min_clipped": -Infinity, "sigma_max": Infinity, "algorithm_type": "sde-dpmsolver++", "_x": "-Infinity"}"#
        let p = try SchedulerParameters(json: Data(json.utf8))
        XCTAssertEqual(p.lambdaMinClipped, -.infinity)
        XCTAssertEqual(p.sigmaMax, .infinity)
        XCTAssertEqual(p.algorithmType, .sdeDPMSolverPlusPlus)
    }

    func testRejectsUnknownEnumValuesWithTheKeyName() {
        XCTAssertThrowsError(try SchedulerParameters(json: Data(#"{"timestep_spacing": "sideways"}"#.utf8))) { error in
            XCTAssertEqual(error as? SchedulerError,
                           .invalidValue(option: "timestep_spacing", value: "sideways", reason: "not a diffusers value"))
        }
        XCTAssertThrowsError(try SchedulerParameters(json: Data("not json".utf8)))
    }

    func testOverridesReplaceOnlyGivenKeys() {
        let base = SchedulerParameters(betaStart: 0.1, predictionType: .vPrediction, useKarrasSigmas: false)
        let merged = base.overridden(by: SchedulerParameters(useKarrasSigmas: true, solverOrder: 3))
        XCTAssertEqual(merged, SchedulerParameters(betaStart: 0.1, predictionType: .vPrediction, useKarrasSigmas: true,
                                                   solverOrder: 3))
    }

    /// Keys the config lacks take the class default: Euler spaces `linspace`, DDIM `leading`.
    func testMissingKeysTakeClassDefaults() throws {
        let p = try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd15_scheduler_config.json")))
        var euler = try SamplerKind.euler.makeScheduler(parameters: p)
        try euler.setTimesteps(10)
        XCTAssertEqual(euler.timesteps.first, 999)
        var ddim = try SamplerKind.ddim.makeScheduler(parameters: p)
        try ddim.setTimesteps(10)
        XCTAssertEqual(ddim.timesteps.first, 901)
        XCTAssertEqual(SamplerKind.euler.defaultTimestepSpacing, .linspace)
        XCTAssertEqual(SamplerKind.ddim.defaultTimestepSpacing, .leading)
        XCTAssertNil(SamplerKind.lcm.defaultTimestepSpacing)
    }
}
