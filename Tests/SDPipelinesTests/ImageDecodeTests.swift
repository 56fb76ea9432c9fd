import Foundation
@testable import SDPipelines
import XCTest

/// Decoding against diffusers' `load_image` (Pillow 13.0.0) on every fixture layout.
final class ImageDecodeTests: XCTestCase {
    /// libjpeg-turbo 2.1.5 (Debian) and Pillow's bundled 3.2.0 both decode with the islow
    /// IDCT and fancy upsampling, which give identical samples.
    static let jpegTolerance = 0

    func testEveryFixtureMatchesLoadImage() throws {
        let manifest = try ImageFixtures.manifest()
        XCTAssertGreaterThan(manifest.decode.count, 30)
        for (relative, entry) in manifest.decode.sorted(by: { $0.key < $1.key }) {
            let image = try ImageFile.read(ImageFixtures.url(relative))
            XCTAssertEqual(image.width, entry.width, relative)
            XCTAssertEqual(image.height, entry.height, relative)
            let expected = try ImageFixtures.bytes(entry.expected)
            XCTAssertEqual(image.pixels.count, expected.count, relative)
            let tolerance = relative.hasPrefix("jpeg/") ? Self.jpegTolerance : 0
            XCTAssertLessThanOrEqual(ImageFixtures.maxDifference(image.pixels, expected), tolerance, relative)
        }
    }

    func testLayoutsCovered() throws {
        let names = Set(try ImageFixtures.manifest().decode.keys)
        for name in ["png/gray1.png", "png/gray2.png", "png/gray4.png", "png/gray8.png", "png/gray16.png",
                     "png/gray-alpha8.png", "png/gray-alpha16.png", "png/palette8.png", "png/palette4-trns.png",
                     "png/palette2-interlaced.png", "png/rgb8.png", "png/rgb16.png", "png/rgba8.png",
                     "png/rgba16.png", "png/rgb8-interlaced.png", "png/rgb16-interlaced.png",
                     "jpeg/gray.jpg", "jpeg/cmyk.jpg", "jpeg/progressive.jpg", "jpeg/rgb420.jpg"] {
            XCTAssertTrue(names.contains(name), name)
        }
    }

    /// The one place the reader departs from Pillow: 16-bit grey keeps its high byte instead of
    /// saturating at 255.
    func testGray16KeepsHighByte() throws {
        let entry = try XCTUnwrap(try ImageFixtures.manifest().decode["png/gray16.png"])
        XCTAssertNotNil(entry.deviates_from_pillow)
        let image = try ImageFile.read(ImageFixtures.url("png/gray16.png"))
        XCTAssertTrue(image.pixels.contains { $0 < 200 }, "not saturated")
    }

    /// Orientation 6 on a 7x5 picture gives 5x7 with the bottom-left pixel first, as
    /// `ImageOps.exif_transpose` does (checked independently of the fixtures).
    func testOrientationMovesPixels() throws {
        let upright = try ImageFile.read(ImageFixtures.url("png/orientation1.png"))
        let rotated = try ImageFile.read(ImageFixtures.url("png/orientation6.png"))
        XCTAssertEqual([upright.width, upright.height], [7, 5])
        XCTAssertEqual([rotated.width, rotated.height], [5, 7])
        let bottomLeft = Array(upright.pixels[(4 * 7) * 3..<(4 * 7) * 3 + 3])
        XCTAssertEqual(Array(rotated.pixels[0..<3]), bottomLeft)
        for value in 2...8 {
            let image = try ImageFile.read(ImageFixtures.url("png/orientation\(value).png"))
            XCTAssertNotEqual(image.pixels, upright.pixels, "orientation \(value)")
        }
    }

    func testReadsThroughSymbolicLinks() throws {
        let link = try ImageFixtures.temporaryFolder(self).appendingPathComponent("link.jpg")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: ImageFixtures.url("png/rgb8.png"))
        XCTAssertEqual(try ImageFile.read(link), try ImageFile.read(ImageFixtures.url("png/rgb8.png")))
    }

    func testFormatDetectedByContentNotName() throws {
        let folder = try ImageFixtures.temporaryFolder(self)
        let disguised = folder.appendingPathComponent("photo.png")
        try Data(ImageFixtures.bytes("jpeg/rgb444.jpg")).write(to: disguised)
        let image = try ImageFile.read(disguised)
        let reference = try ImageFile.read(ImageFixtures.url("jpeg/rgb444.jpg"))
        XCTAssertEqual(image, reference)
    }
}
