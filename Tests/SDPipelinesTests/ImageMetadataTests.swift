import Foundation
@testable import SDPipelines
import XCTest

/// Reading text metadata as Pillow's `image.text` (PNG) and A1111's `read_info_from_image` (JPEG).
final class ImageMetadataTests: XCTestCase {
    func testMatchesPillow() throws {
        let manifest = try ImageFixtures.manifest()
        XCTAssertEqual(manifest.text.count, 3)
        for (relative, expected) in manifest.text {
            XCTAssertEqual(try ImageMetadata.read(ImageFixtures.url(relative)), expected, relative)
        }
    }

    func testChunkTypesCovered() throws {
        let bytes = try ImageFixtures.bytes("png/text-chunks.png")
        let types = Set(try PNGChunk.chunks(in: bytes, lenient: false).map(\.type))
        XCTAssertTrue(types.isSuperset(of: ["tEXt", "zTXt", "iTXt"]))
    }

    func testImageWithoutText() throws {
        XCTAssertEqual(try ImageMetadata.read(ImageFixtures.url("png/rgb8.png")), [:])
        XCTAssertEqual(try ImageMetadata.read(ImageFixtures.url("jpeg/rgb420.jpg")), [:])
    }

    func testDecompressionBombRefused() throws {
        let big = [UInt8](repeating: 0x41, count: PNGText.maxDecompressedBytes + 1)
        var compressed: [UInt8] = []
        // A stored (uncompressed) zlib stream is enough to exceed the limit after inflating.
        compressed = Self.storedZlib(big)
        let chunk = PNGChunk.encode(type: "zTXt", data: Array("bomb".utf8) + [0, 0] + compressed)
        var bytes = try ImageFixtures.bytes("png/rgb8.png")
        bytes.insert(contentsOf: chunk, at: 33)
        let url = try ImageFixtures.temporaryFolder(self).appendingPathComponent("bomb.png")
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try ImageMetadata.read(url)) { error in
            guard case ImageError.malformed = error else { return XCTFail("\(error)") }
        }
        XCTAssertNoThrow(try ImageFile.read(url), "pixels are still readable")
    }

    /// zlib's stored blocks: no compression, so a test can build any stream without zlib.
    private static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let last: UInt8 = offset + n == data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        let adler = b << 16 | a
        return out + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
    }
}
