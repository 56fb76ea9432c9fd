import Foundation
@testable import SDPipelines
import XCTest

/// PNG writing: pixels and text survive a round trip, chunks are laid out as A1111's (Pillow's)
/// are, files appear atomically and are never replaced unless asked.
final class ImageWriteTests: XCTestCase {
    private func sample() throws -> RGBImage {
        try ImageFile.read(ImageFixtures.url("png/rgb8-interlaced.png"))
    }

    func testRoundTripPixelsAndParameters() throws {
        let folder = try ImageFixtures.temporaryFolder(self)
        let url = folder.appendingPathComponent("out.png")
        let image = try sample()
        let parameters = "a photo of a cat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42"
        try ImageFile.writePNG(image, to: url, text: [("parameters", parameters)])
        XCTAssertEqual(try ImageFile.read(url), image)
        XCTAssertEqual(try ImageMetadata.read(url), ["parameters": parameters])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        XCTAssertEqual(leftovers, ["out.png"], "no temporary file left behind")
    }

    /// Latin-1 text goes in tEXt, anything else in an uncompressed iTXt (Pillow's `add_text`),
    /// all right after IHDR, as Pillow writes them.
    func testChunkLayoutMatchesPillow() throws {
        let folder = try ImageFixtures.temporaryFolder(self)
        let url = folder.appendingPathComponent("out.png")
        let text = [("parameters", "café µ"), ("prompt", "猫 🐱")]
        try ImageFile.writePNG(try sample(), to: url, text: text)
        let chunks = try PNGChunk.chunks(in: [UInt8](Data(contentsOf: url)), lenient: false)
        XCTAssertEqual(Array(chunks.map(\.type).prefix(3)), ["IHDR", "tEXt", "iTXt"])
        XCTAssertEqual(chunks.last?.type, "IEND")
        XCTAssertEqual(Array(chunks[1].data), Array("parameters\0caf".utf8) + [0xE9, 0x20, 0xB5])
        XCTAssertEqual(Array(chunks[2].data), Array("prompt".utf8) + [0, 0, 0, 0, 0] + Array("猫 🐱".utf8))
        XCTAssertEqual(try ImageMetadata.read(url), ["parameters": "café µ", "prompt": "猫 🐱"])
    }

    func testNeverOverwritesUnlessAsked() throws {
        let folder = try ImageFixtures.temporaryFolder(self)
        let url = folder.appendingPathComponent("out.png")
        let image = try sample()
        try ImageFile.writePNG(image, to: url, text: [("parameters", "first")])
        XCTAssertThrowsError(try ImageFile.writePNG(image, to: url, text: [("parameters", "second")])) { error in
            XCTAssertEqual(error as? ImageError, .fileExists(path: url.path))
        }
        XCTAssertEqual(try ImageMetadata.read(url)["parameters"], "first")
        try ImageFile.writePNG(image, to: url, text: [("parameters", "second")], overwrite: true)
        XCTAssertEqual(try ImageMetadata.read(url)["parameters"], "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.png"])
    }

    func testWriteErrorsAreTyped() throws {
        let folder = try ImageFixtures.temporaryFolder(self)
        let image = try sample()
        let missing = folder.appendingPathComponent("no-such-folder/out.png")
        XCTAssertThrowsError(try ImageFile.writePNG(image, to: missing)) { error in
            guard case ImageError.writeFailed(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
        }
        let url = folder.appendingPathComponent("out.png")
        for (key, value) in [("", "x"), (String(repeating: "k", count: 80), "x"), ("ключ", "x"), ("key", "a\0b")] {
            XCTAssertThrowsError(try ImageFile.writePNG(image, to: url, text: [(key, value)])) { error in
                guard case ImageError.invalidText = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testLargeRoundTrip() throws {
        var pixels = [UInt8](repeating: 0, count: 300 * 200 * 3)
        var state: UInt32 = 12345
        for i in pixels.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            pixels[i] = UInt8(truncatingIfNeeded: state >> 24)
        }
        let image = try RGBImage(width: 300, height: 200, pixels: pixels)
        let url = try ImageFixtures.temporaryFolder(self).appendingPathComponent("big.png")
        try ImageFile.writePNG(image, to: url)
        XCTAssertEqual(try ImageFile.read(url), image)
        XCTAssertEqual(try ImageMetadata.read(url), [:])
    }
}
