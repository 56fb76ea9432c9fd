import Foundation
@testable import SDPipelines
import XCTest

/// Bad input: every case is a typed error naming the file, never a crash or a hang.
final class ImageMalformedTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = try ImageFixtures.temporaryFolder(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func assertMalformed(_ url: URL, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageFile.read(url), file: file, line: line) { error in
            guard case let ImageError.malformed(path, reason) = error else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertEqual(path, url.path, file: file, line: line)
            XCTAssertFalse(reason.isEmpty, file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), file: file, line: line)
        }
    }

    func testTruncatedFiles() throws {
        for name in ["png/rgb8.png", "png/rgb8-interlaced.png", "png/palette8.png"] {
            let bytes = try ImageFixtures.bytes(name)
            for cut in [9, 30, 40, bytes.count / 2, bytes.count - 20] {
                assertMalformed(try write(Array(bytes.prefix(cut)), "cut.png"))
            }
        }
        for name in ["jpeg/rgb420.jpg", "jpeg/progressive.jpg", "jpeg/cmyk.jpg"] {
            let bytes = try ImageFixtures.bytes(name)
            for cut in [3, 100, bytes.count / 2, bytes.count - 10] {
                assertMalformed(try write(Array(bytes.prefix(cut)), "cut.jpg"))
            }
        }
    }

    func testCorruptPixelData() throws {
        var bytes = try ImageFixtures.bytes("png/rgb8.png")
        let idat = try XCTUnwrap(PNGChunk.chunks(in: bytes, lenient: false).first { $0.type == "IDAT" })
        bytes[idat.data.startIndex + 5] ^= 0xFF  // breaks the chunk's CRC
        assertMalformed(try write(bytes, "crc.png"))
    }

    func testHugeDimensionsRefusedBeforeDecoding() throws {
        for (name, side) in [("malformed/huge-header.png", 100_000), ("malformed/huge-header.jpg", 65000)] {
            let url = ImageFixtures.url(name)
            XCTAssertThrowsError(try ImageFile.read(url)) { error in
                XCTAssertEqual(error as? ImageError,
                               .tooLarge(path: url.path, width: side, height: side, limit: ImageFile.maxSide))
            }
        }
    }

    func testNotImages() throws {
        var random = [UInt8](repeating: 0, count: 4096)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in random.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            random[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        random[0] = 0x00
        for (bytes, name) in [(random, "random.png"), (Array("not an image\n".utf8), "text.png"),
                              (Array("GIF89a".utf8) + [0, 0], "anim.gif")] {
            let url = try write(bytes, name)
            XCTAssertThrowsError(try ImageFile.read(url)) { error in
                XCTAssertEqual(error as? ImageError, .unsupportedFormat(path: url.path))
            }
            XCTAssertThrowsError(try ImageMetadata.read(url)) { error in
                XCTAssertEqual(error as? ImageError, .unsupportedFormat(path: url.path))
            }
        }
        // Right signature, garbage after it.
        assertMalformed(try write(ImageFormat.pngSignature + Array(random.prefix(200)), "garbage.png"))
        assertMalformed(try write([0xFF, 0xD8, 0xFF] + Array(random.prefix(200)), "garbage.jpg"))
    }

    func testEmptyMissingAndNonRegularFiles() throws {
        let empty = try write([], "empty.png")
        XCTAssertThrowsError(try ImageFile.read(empty)) { error in
            XCTAssertEqual(error as? ImageError, .empty(path: empty.path))
        }
        let missing = empty.deletingLastPathComponent().appendingPathComponent("missing.png")
        XCTAssertThrowsError(try ImageFile.read(missing)) { error in
            XCTAssertEqual(error as? ImageError, .fileMissing(path: missing.path))
        }
        for url in [empty.deletingLastPathComponent(), URL(fileURLWithPath: "/dev/zero")] {
            XCTAssertThrowsError(try ImageFile.read(url)) { error in
                guard case ImageError.unreadable(let path, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, url.path)
            }
        }
    }

    func testZeroWidthHeader() throws {
        var bytes = try ImageFixtures.bytes("png/rgb8.png")
        bytes.replaceSubrange(16..<20, with: [0, 0, 0, 0])
        let crc = CRC32.checksum(bytes[12..<29])
        bytes.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)])
        assertMalformed(try write(bytes, "zero.png"))
    }

    func testMetadataOfDamagedPNG() throws {
        let bytes = try ImageFixtures.bytes("png/text-chunks.png")
        let url = try write(Array(bytes.prefix(bytes.count - 30)), "cut.png")
        XCTAssertThrowsError(try ImageMetadata.read(url)) { error in
            guard case ImageError.malformed = error else { return XCTFail("\(error)") }
        }
    }
}
