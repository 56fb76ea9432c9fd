import XCTest
@testable import SDSampling

/// Betas and alphas_cumprod against diffusers' float32 tensors (grids.json "tables").
final class NoiseScheduleTests: XCTestCase {
    private func table(_ name: String) throws -> [Double] {
        let tables = try XCTUnwrap(SamplingFixtures.json("grids.json")["tables"] as? [String: Any])
        return try XCTUnwrap(tables[name] as? [Double], name)
    }

    func testScaledLinearScheduleIsBitExact() throws {
        let p = try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd15_scheduler_config.json")))
        let schedule = try NoiseSchedule(scheduler: "test", parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                         defaultSchedule: .linear, rescaleZeroTerminalSNR: false)
        SamplingFixtures.assertBitExact(schedule.betas, try table("sd15_betas"), "betas")
        SamplingFixtures.assertBitExact(schedule.alphasCumprod, try table("sd15_alphas_cumprod"), "alphas_cumprod")
    }

    func testLinearAndCosineBetas() throws {
        let linear = try NoiseSchedule(scheduler: "test", parameters: SchedulerParameters(), defaultBetaStart: 0.0001,
                                       defaultBetaEnd: 0.02, defaultSchedule: .linear, rescaleZeroTerminalSNR: false)
        SamplingFixtures.assertBitExact(linear.betas, try table("linear_betas"), "linear betas")
        let cosine = try NoiseSchedule(scheduler: "test", parameters: SchedulerParameters(betaSchedule: .squaredCosCapV2),
                                       defaultBetaStart: 0.0001, defaultBetaEnd: 0.02, defaultSchedule: .linear,
                                       rescaleZeroTerminalSNR: false)
        SamplingFixtures.assertBitExact(cosine.betas, try table("cosine_betas"), "cosine betas")
    }

    func testZeroTerminalSNRRescale() throws {
        let p = try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd21_scheduler_config.json")))
        let schedule = try NoiseSchedule(scheduler: "test", parameters: p, defaultBetaStart: 0.0001, defaultBetaEnd: 0.02,
                                         defaultSchedule: .linear, rescaleZeroTerminalSNR: true)
        let expected = try table("rescaled_alphas_cumprod")
        XCTAssertEqual(schedule.alphasCumprod.count, expected.count)
        for (mine, theirs) in zip(schedule.alphasCumprod, expected) {
            XCTAssertEqual(Double(mine), theirs, accuracy: 1e-6 * max(theirs, 1e-3))
        }
        XCTAssertEqual(schedule.alphasCumprod.last, 0)
    }

    func testRejectsBadBetas() {
        XCTAssertThrowsError(try NoiseSchedule(scheduler: "test", parameters: SchedulerParameters(betaStart: 0.5, betaEnd: 1.5),
                                               defaultBetaStart: 0.0001, defaultBetaEnd: 0.02, defaultSchedule: .linear,
                                               rescaleZeroTerminalSNR: false))
        XCTAssertThrowsError(try NoiseSchedule(scheduler: "test", parameters: SchedulerParameters(numTrainTimesteps: 1),
                                               defaultBetaStart: 0.0001, defaultBetaEnd: 0.02, defaultSchedule: .linear,
                                               rescaleZeroTerminalSNR: false))
    }
}
