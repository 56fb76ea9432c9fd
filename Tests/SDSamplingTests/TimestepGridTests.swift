import XCTest
@testable import SDSampling

/// Timesteps, sigmas and init_noise_sigma of every sampler for each timestep_spacing and
/// several step counts, against diffusers' `set_timesteps` (grids.json).
final class TimestepGridTests: XCTestCase {
    func testGridsMatchDiffusers() throws {
        let grids = try XCTUnwrap(SamplingFixtures.json("grids.json")["grids"] as? [[String: Any]])
        let config = try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd15_scheduler_config.json")))
        var worstTimestep = 0.0
        var worstSigma = 0.0
        for grid in grids {
            let sampler = try XCTUnwrap(grid["sampler"] as? String)
            let spacing = try XCTUnwrap(TimestepSpacing(rawValue: try XCTUnwrap(grid["timestep_spacing"] as? String)))
            let steps = try XCTUnwrap(grid["steps"] as? Int)
            let label = "\(sampler) \(spacing.rawValue) \(steps) steps"
            let kind = try SamplerKind.named(sampler)
            var scheduler = try kind.makeScheduler(parameters: config.overridden(by: SchedulerParameters(timestepSpacing: spacing)))
            if grid["error"] != nil {
                XCTAssertThrowsError(try scheduler.setTimesteps(steps), label)
                continue
            }
            try scheduler.setTimesteps(steps)
            let timesteps = try XCTUnwrap(grid["timesteps"] as? [Double])
            let sigmas = try XCTUnwrap(grid["sigmas"] as? [Double])
            XCTAssertEqual(scheduler.timesteps.count, timesteps.count, label)
            XCTAssertEqual(scheduler.sigmas.count, sigmas.count, label)
            for (mine, theirs) in zip(scheduler.timesteps, timesteps) {
                worstTimestep = max(worstTimestep, abs(mine - theirs))
                XCTAssertEqual(mine, theirs, accuracy: 2e-3, label)
            }
            for (mine, theirs) in zip(scheduler.sigmas, sigmas) {
                let error = abs(Double(mine) - theirs) / max(theirs, 1e-3)
                worstSigma = max(worstSigma, error)
                XCTAssertLessThan(error, 1e-6, label)
            }
            let noiseSigma = try XCTUnwrap(grid["init_noise_sigma"] as? Double)
            XCTAssertEqual(Double(scheduler.initNoiseSigma), noiseSigma, accuracy: 1e-6 * noiseSigma, label)
        }
        print("grids: \(grids.count) checked, worst timestep error \(worstTimestep), worst relative sigma error \(worstSigma)")
    }
}
