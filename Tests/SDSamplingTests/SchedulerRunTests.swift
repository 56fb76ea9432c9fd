import XCTest
@testable import SDSampling

/// Whole sampling runs (txt2img from seeded noise, img2img at strength 0.6) of every sampler
/// on the SD 1.5 (epsilon) and SD 2.1 (v-prediction) configs, against diffusers driven by the
/// same fixture model and torch generator (runs.json / runs.safetensors). Every intermediate
/// latent is compared: 1e-4 max abs error for deterministic samplers, 1e-3 for stochastic ones.
final class SchedulerRunTests: XCTestCase {
    func testRunsMatchDiffusers() throws {
        let index = try SamplingFixtures.json("runs.json")
        let runs = try XCTUnwrap(index["runs"] as? [[String: Any]])
        let tensors = try SafetensorsFixture(url: SamplingFixtures.url("runs.safetensors"))
        let original = try XCTUnwrap(tensors.values("img2img_original")).map { Float($0) }
        let configs = [
            "sd15": try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd15_scheduler_config.json"))),
            "sd21": try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url("sd21_scheduler_config.json"))),
        ]
        XCTAssertGreaterThan(runs.count, 90)
        var report: [(name: String, error: Double, stochastic: Bool)] = []
        for run in runs {
            let name = try XCTUnwrap(run["name"] as? String)
            let overrides = try JSONSerialization.data(withJSONObject: try XCTUnwrap(run["overrides"]))
            var parameters = try XCTUnwrap(configs[try XCTUnwrap(run["config"] as? String)])
                .overridden(by: try SchedulerParameters(json: overrides))
            let eta = try XCTUnwrap(run["eta"] as? Double)
            if eta > 0 { parameters.eta = eta }
            var scheduler = try SamplerKind.named(try XCTUnwrap(run["sampler"] as? String)).makeScheduler(parameters: parameters)
            let error = try replay(&scheduler, run: run, name: name, tensors: tensors, original: original)
            let tolerance = scheduler.isStochastic ? 1e-3 : 1e-4
            XCTAssertLessThan(error, tolerance, name)
            report.append((name, error, scheduler.isStochastic))
        }
        for stochastic in [false, true] {
            let group = report.filter { $0.stochastic == stochastic }
            let worst = group.max { $0.error < $1.error }
            print("runs (\(stochastic ? "stochastic" : "deterministic")): \(group.count) checked, worst max-abs latent error "
                  + "\(worst?.error ?? 0) in \(worst?.name ?? "-")")
        }
    }

    /// Re-runs one fixture run and returns the largest latent error over all steps.
    private func replay(_ scheduler: inout any Scheduler, run: [String: Any], name: String,
                        tensors: SafetensorsFixture, original: [Float]) throws -> Double {
        let steps = try XCTUnwrap(run["steps"] as? Int)
        let seed = try XCTUnwrap(run["seed"] as? Int)
        try scheduler.setTimesteps(steps)
        let timesteps = try XCTUnwrap(tensors.values("\(name)/timesteps"))
        XCTAssertEqual(scheduler.timesteps.count, timesteps.count, name)
        for (mine, theirs) in zip(scheduler.timesteps, timesteps) {
            XCTAssertEqual(mine, theirs, accuracy: 2e-3, name)
        }
        let sigmas = try XCTUnwrap(tensors.values("\(name)/sigmas"))
        XCTAssertEqual(scheduler.sigmas.count, sigmas.count, name)
        for (mine, theirs) in zip(scheduler.sigmas, sigmas) {
            XCTAssertEqual(Double(mine), theirs, accuracy: 1e-6 * max(theirs, 1e-3), name)
        }
        let noiseSigma = try XCTUnwrap(run["init_noise_sigma"] as? Double)
        XCTAssertEqual(Double(scheduler.initNoiseSigma), noiseSigma, accuracy: 1e-6 * noiseSigma, name)

        let latents = try XCTUnwrap(tensors.values("\(name)/latents"))
        let size = 256
        let expected = stride(from: 0, to: latents.count, by: size).map { Array(latents[$0..<($0 + size)]) }
        var generator = TorchGenerator(seed: UInt64(seed))
        var x: [Float]
        let start: Int
        if (run["mode"] as? String) == "img2img" {
            start = try scheduler.img2imgStartIndex(strength: try XCTUnwrap(run["strength"] as? Double))
            XCTAssertEqual(start, run["start_index"] as? Int, name)
            x = try scheduler.addNoise(original: original, noise: generator.randn(size), timestepIndex: start)
        } else {
            start = 0
            x = scheduler.initialLatents(count: size, generator: &generator)
        }
        XCTAssertEqual(expected.count, scheduler.timesteps.count - start + 1, name)
        var worst = SamplingFixtures.maxError(x, expected[0])
        var optionalGenerator: TorchGenerator? = generator
        for (offset, index) in (start..<scheduler.timesteps.count).enumerated() where offset + 1 < expected.count {
            let input = try scheduler.scaleModelInput(x, timestepIndex: index)
            let output = SamplingFixtures.model(input, scheduler.timesteps[index])
            x = try scheduler.step(modelOutput: output, timestepIndex: index, sample: x, generator: &optionalGenerator)
            worst = max(worst, SamplingFixtures.maxError(x, expected[offset + 1]))
        }
        return worst
    }
}
