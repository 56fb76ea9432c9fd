import Foundation
import XCTest

/// `sd inspect`, `sd tokenize` and `sd bench` as a user runs them.
final class InspectCommandTests: XCTestCase {
    private func inspect(_ model: String) throws -> [String: Any] {
        let r = try CLIRunner.run(["inspect", CLIRunner.fixtures.appendingPathComponent("models/\(model)").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try CLIRunner.json(r.stdout)
    }

    func testInspectDetectsEveryFormatAndVariant() throws {
        let cases: [(String, String, String, String, Int, String)] = [
            ("sd1", "sd1", "base", "epsilon", 4, "diffusers"),
            ("sd1.safetensors", "sd1", "base", "epsilon", 4, "single-file-safetensors"),
            ("sd1.ckpt", "sd1", "base", "epsilon", 4, "single-file-ckpt"),
            ("sd2", "sd2", "base", "v", 4, "diffusers"),
            ("sd2.safetensors", "sd2", "base", "v", 4, "single-file-safetensors"),
            ("sd2-inpaint", "sd2", "inpaint", "epsilon", 9, "diffusers"),
            ("sd2-depth", "sd2", "depth", "epsilon", 5, "diffusers"),
            ("x4-upscaler", "sd2", "upscale", "v", 7, "diffusers"),
        ]
        for (model, family, variant, prediction, channels, format) in cases {
            let j = try inspect(model)
            XCTAssertEqual(j["family"] as? String, family, model)
            XCTAssertEqual(j["variant"] as? String, variant, model)
            XCTAssertEqual(j["prediction"] as? String, prediction, model)
            XCTAssertEqual(j["unet_in_channels"] as? Int, channels, model)
            XCTAssertEqual(j["format"] as? String, format, model)
            XCTAssertEqual(j["dtype"] as? String, "f16", model)
        }
        // The three formats of sd1 hold the same parameters.
        let counts = try ["sd1", "sd1.safetensors", "sd1.ckpt"].map { try inspect($0)["parameters"] as? [String: Int] }
        XCTAssertEqual(counts[0], counts[1])
        XCTAssertEqual(counts[0], counts[2])
        XCTAssertEqual(counts[0]?["unet"], 709_796)
    }

    func testTokenizeUsesTheModelsPadding() throws {
        for (model, pad) in [("sd1", 49407), ("sd2", 0), ("sd2.safetensors", 0)] {
            let r = try CLIRunner.run(["tokenize", "--model", CLIRunner.fixtures.appendingPathComponent("models/\(model)").path,
                                       "a photograph of an astronaut"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let ids = try CLIRunner.json(r.stdout)["input_ids"] as? [Int] ?? []
            XCTAssertEqual(ids.count, 77)
            XCTAssertEqual(Array(ids.prefix(7)), [49406, 320, 8853, 539, 550, 18376, 49407])
            XCTAssertEqual(ids.last, pad, model)
        }
    }

    func testBadInputGivesOneLineErrorAndNonZeroExit() throws {
        let missing = try CLIRunner.run(["inspect", "/nonexistent/model.safetensors"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/model.safetensors"), missing.stderr)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)

        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("sd-cli-junk-\(getpid()).safetensors")
        try Data("not a checkpoint".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let bad = try CLIRunner.run(["inspect", junk.path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains(junk.lastPathComponent), bad.stderr)
    }

    func testBenchRunsTheTinyPreset() throws {
        let r = try CLIRunner.run(["bench", "--preset", "tiny", "--steps", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try CLIRunner.json(r.stdout.split(separator: "\n").last.map(String.init) ?? "")
        XCTAssertEqual(j["preset"] as? String, "tiny")
        for key in ["unet_step_s", "vae_decode_s", "text_s", "peak_rss_mb"] {
            XCTAssertGreaterThan(j[key] as? Double ?? 0, 0, key)
        }
        let profiled = try CLIRunner.run(["bench", "--preset", "tiny", "--steps", "1", "--component", "unet", "--profile",
                                          "--weights-type", "f16"])
        XCTAssertEqual(profiled.status, 0, profiled.stderr)
        for kernel in ["conv 3x3", "matmul", "attention self", "group norm", "other"] {
            XCTAssertTrue(profiled.stderr.contains(kernel), "\(kernel): \(profiled.stderr)")
        }
        let unknown = try CLIRunner.run(["bench", "--preset", "sd9"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("sd9"), unknown.stderr)
    }
}
