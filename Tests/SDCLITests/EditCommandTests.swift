import Foundation
import SDPipelines
import SDWeights
import XCTest

/// `sd generate` with masks, outpainting and depth maps, and `sd upscale`, end to end on the
/// tiny models: outputs have the right size, unmasked pixels come back exactly (A1111's
/// overlay), and inputs a model cannot use fail with one line and write nothing.
final class EditCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sd-edit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ref = try SafetensorsFile(url: CLIRunner.fixtures.appendingPathComponent("reference/pipeline-editing.safetensors"))
        func bytes(_ name: String) throws -> [UInt8] { Array(try XCTUnwrap(ref.tensors[name]).bytes) }
        try ImageFile.writePNG(RGBImage(width: 64, height: 64, pixels: bytes("image_uint8")), to: url("init.png"))
        try ImageFile.writePNG(RGBImage(width: 64, height: 64, pixels: bytes("mask_uint8").flatMap { [$0, $0, $0] }), to: url("mask.png"))
        try ImageFile.writePNG(RGBImage(width: 48, height: 40, pixels: bytes("depth_uint8").flatMap { [$0, $0, $0] }), to: url("depth.png"))
        try ImageFile.writePNG(RGBImage(width: 16, height: 16, pixels: bytes("low_res_uint8")), to: url("small.png"))
        try ImageFile.writePNG(RGBImage(width: 32, height: 32, pixels: Array(repeating: 255, count: 32 * 32 * 3)), to: url("mask32.png"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func url(_ name: String) -> URL { dir.appendingPathComponent(name) }
    private func model(_ name: String) -> String { CLIRunner.fixtures.appendingPathComponent("models/\(name)").path }

    private func generate(_ model: String, _ extra: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["generate", "-m", self.model(model), "a cat", "--seed", "1", "--steps", "3"] + extra, in: dir)
    }

    /// Masked img2img with a 4-channel model and inpainting with a 9-channel one: with no
    /// blur, every pixel the mask leaves black is the original's, and the white area changed.
    func testInpaintingKeepsUnmaskedPixels() throws {
        let original = try ImageFile.read(url("init.png")).pixels
        let mask = try ImageFile.read(url("mask.png")).pixels
        for modelName in ["sd1", "sd2-inpaint"] {
            let out = "\(modelName).png"
            let r = try generate(modelName, ["-i", "init.png", "--mask", "mask.png", "--mask-blur", "0", "-W", "64", "-H", "64", "-o", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let image = try ImageFile.read(url(out))
            XCTAssertEqual([image.width, image.height], [64, 64])
            var changed = 0, white = 0
            for i in 0..<image.pixels.count {
                if mask[i] == 0 { XCTAssertEqual(image.pixels[i], original[i], "\(modelName) pixel \(i / 3)") }
                if mask[i] == 255 { white += 1; changed += image.pixels[i] != original[i] ? 1 : 0 }
            }
            XCTAssertGreaterThan(changed, white / 2, modelName)
            let info = try CLIRunner.run(["info", url(out).path])
            XCTAssertTrue(info.stdout.contains("Mask blur: 0"), info.stdout)
        }
    }

    func testOutpaintExtendsTheCanvas() throws {
        let r = try generate("sd1", ["-i", "init.png", "--outpaint", "0,8,16,0", "--mask-blur", "0", "-o", "out.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let image = try ImageFile.read(url("out.png"))
        XCTAssertEqual([image.width, image.height], [80, 72])
        let original = try ImageFile.read(url("init.png")).pixels
        for y in 0..<64 {
            for x in 0..<64 {
                for c in 0..<3 { XCTAssertEqual(image.pixels[((y + 8) * 80 + x) * 3 + c], original[(y * 64 + x) * 3 + c]) }
            }
        }
    }

    func testDepthMapAndUpscale() throws {
        let depth = try generate("sd2-depth", ["-i", "init.png", "--depth-map", "depth.png", "-W", "64", "-H", "64", "-o", "depth-out.png"])
        XCTAssertEqual(depth.status, 0, depth.stderr)
        XCTAssertEqual(try ImageFile.read(url("depth-out.png")).width, 64)

        let up = try CLIRunner.run(["upscale", "-m", model("x4-upscaler"), "small.png", "-p", "a cat", "--steps", "2",
                                    "--seed", "3", "-o", "big.png"], in: dir)
        XCTAssertEqual(up.status, 0, up.stderr)
        let big = try ImageFile.read(url("big.png"))
        XCTAssertEqual([big.width, big.height], [64, 64])
        XCTAssertTrue(try CLIRunner.run(["info", url("big.png").path]).stdout.contains("Noise level: 20"))
    }

    /// Without --depth-map the MiDaS estimator makes the map; `sd depth` writes it at the
    /// input's size.
    func testDepthEstimator() throws {
        let dpt = CLIRunner.fixtures.appendingPathComponent("models/dpt-hybrid").path
        let r = try generate("sd2-depth", ["-i", "init.png", "--depth-model", dpt, "-W", "64", "-H", "64", "-o", "est.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let d = try CLIRunner.run(["depth", "init.png", "--depth-model", dpt, "-o", "d.png"], in: dir)
        XCTAssertEqual(d.status, 0, d.stderr)
        let map = try ImageFile.read(url("d.png"))
        XCTAssertEqual([map.width, map.height], [64, 64])
        XCTAssertEqual(map.pixels.min(), 0)
        XCTAssertEqual(map.pixels.max(), 255)
        let missing = try CLIRunner.run(["depth", "init.png", "--depth-model", "/nonexistent", "-o", "e.png"], in: dir)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url("e.png").path))
    }

    func testInputsTheModelCannotUseFailCleanly() throws {
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        try Data("not an image".utf8).write(to: url("text.png"))
        let cases: [(String, [String], String)] = [
            ("generate", ["-m", model("sd1"), "x", "-i", "init.png", "--mask", "mask32.png", "-o", "o.png"], "mask32.png"),
            ("generate", ["-m", model("sd2-inpaint"), "x", "-W", "64", "-H", "64", "-o", "o.png"], "mask"),
            ("generate", ["-m", model("sd2-depth"), "x", "-i", "init.png", "-W", "64", "-H", "64", "-o", "o.png"], "depth"),
            ("generate", ["-m", model("sd1"), "x", "-i", "init.png", "--outpaint", "1,2,3", "-o", "o.png"], "--outpaint"),
            ("generate", ["-m", model("sd1"), "x", "--mask", "mask.png", "-o", "o.png"], "--init-image"),
            ("generate", ["-m", model("sd1"), "x", "-i", "init.png", "--depth-map", "depth.png", "-o", "o.png"], "--depth-map"),
            ("upscale", ["-m", model("x4-upscaler"), "text.png", "-o", "o.png"], "text.png"),
            ("upscale", ["-m", model("sd1"), "small.png", "-o", "o.png"], "not the x4 upscaler"),
            ("upscale", ["-m", model("x4-upscaler"), "small.png", "--noise-level", "351", "-o", "o.png"], "noise-level"),
        ]
        for (command, arguments, mention) in cases {
            let r = try CLIRunner.run([command] + arguments, in: dir)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            let firstLine = r.stderr.split(separator: "\n").first { !$0.hasPrefix("\r") && !$0.isEmpty } ?? ""
            XCTAssertTrue(firstLine.contains(mention), "\(arguments): \(r.stderr)")
        }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), before.union(["text.png"]))
    }
}
