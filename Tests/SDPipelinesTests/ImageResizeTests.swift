@testable import SDPipelines
import XCTest

/// Lanczos resampling against `PIL.Image.resize(..., LANCZOS)`: bit-identical.
final class ImageResizeTests: XCTestCase {
    func testMatchesPillowLanczos() throws {
        let resize = try ImageFixtures.manifest().resize
        let source = try ImageFile.read(ImageFixtures.url(resize.source))
        XCTAssertGreaterThanOrEqual(resize.cases.count, 8)
        for c in resize.cases {
            let resized = try source.resized(width: c.width, height: c.height)
            XCTAssertEqual([resized.width, resized.height], [c.width, c.height])
            let expected = try ImageFixtures.bytes(c.expected)
            XCTAssertEqual(ImageFixtures.maxDifference(resized.pixels, expected), 0, "\(c.width)x\(c.height)")
            XCTAssertEqual(resized.pixels.count, expected.count)
        }
    }

    func testSameSizeIsIdentity() throws {
        let source = try ImageFile.read(ImageFixtures.url("png/rgb8.png"))
        XCTAssertEqual(try source.resized(width: source.width, height: source.height), source)
    }

    func testInvalidSizesThrow() throws {
        let source = try ImageFile.read(ImageFixtures.url("png/rgb8.png"))
        for (w, h) in [(0, 5), (5, 0), (-1, 3), (Int.max, 2)] {
            XCTAssertThrowsError(try source.resized(width: w, height: h)) { error in
                XCTAssertEqual(error as? ImageError, .invalidTargetSize(width: w, height: h))
            }
        }
    }

    func testInitValidatesPixelCount() {
        XCTAssertThrowsError(try RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 11)))
        XCTAssertThrowsError(try RGBImage(width: 0, height: 0, pixels: []))
        XCTAssertNoThrow(try RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 12)))
    }
}
