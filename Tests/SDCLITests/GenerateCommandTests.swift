import Foundation
import SDPipelines
import SDWeights
import XCTest

/// `sd generate` end to end: the PNG holds diffusers' pixels and A1111's parameters; bad
/// options fail with one line and write nothing.
final class GenerateCommandTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sd-generate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testGenerateWritesDiffusersPixelsLatentsAndParameters() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = CLIRunner.fixtures.appendingPathComponent("models/sd1").path
        let r = try CLIRunner.run(["generate", "-m", model, "a photograph of an astronaut riding a horse", "-n", "blurry",
                                   "--seed", "42", "--steps", "8", "-W", "64", "-H", "64", "-o", "out.png",
                                   "--save-latents", "latents.safetensors"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("step 8/8"), r.stderr)

        let ref = try SafetensorsFile(url: CLIRunner.fixtures.appendingPathComponent("reference/pipeline-sd1.safetensors"))
        let expectedPixels = try XCTUnwrap(ref.tensors["txt2img.euler_a.image"]).floats().map { UInt8(($0 * 255).rounded()) }
        let image = try ImageFile.read(dir.appendingPathComponent("out.png"))
        XCTAssertEqual(image.width, 64)
        let worst = zip(image.pixels, expectedPixels).map { abs(Int($0) - Int($1)) }.max() ?? 255
        XCTAssertLessThanOrEqual(worst, 1)

        let latents = try XCTUnwrap(SafetensorsFile(url: dir.appendingPathComponent("latents.safetensors")).tensors["latents"])
        XCTAssertEqual(latents.shape, [1, 4, 8, 8])
        XCTAssertEqual(latents.dtype, .f32)

        let info = try CLIRunner.run(["info", dir.appendingPathComponent("out.png").path])
        XCTAssertEqual(info.stdout, """
            a photograph of an astronaut riding a horse
            Negative prompt: blurry
            Steps: 8, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 64x64, Model: sd1

            """)

        // Never overwrite silently.
        let again = try CLIRunner.run(["generate", "-m", model, "x", "--steps", "1", "-W", "64", "-H", "64", "-o", "out.png"], in: dir)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertEqual(try ImageFile.read(dir.appendingPathComponent("out.png")).pixels, image.pixels)
    }

    func testBadOptionsFailWithoutWritingAnything() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = CLIRunner.fixtures.appendingPathComponent("models/sd1").path
        let cases: [([String], String)] = [
            (["-W", "60"], "--width"),
            (["--sampler", "nope"], "nope"),
            (["--steps", "0"], "--steps"),
            (["-i", "missing.png", "--strength", "0.5"], "missing.png"),
            (["-i", "x.png", "--strength", "1.5"], "--strength"),
        ]
        for (extra, mention) in cases {
            let r = try CLIRunner.run(["generate", "-m", model, "a cat", "-W", "64", "-H", "64", "-o", "o.png"] + extra, in: dir)
            XCTAssertNotEqual(r.status, 0, "\(extra)")
            XCTAssertTrue(r.stderr.contains(mention), "\(extra): \(r.stderr)")
        }
        let missingModel = try CLIRunner.run(["generate", "-m", "/nonexistent", "a cat"], in: dir)
        XCTAssertNotEqual(missingModel.status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
