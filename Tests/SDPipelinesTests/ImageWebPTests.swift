import Foundation
import SDPipelines
import XCTest

/// WebP input through libwebp, against Pillow's `convert("RGB")` (scripts/make-webp-fixtures.py):
/// lossless files exactly, lossy within 2/255 (YUV upsampling may differ between libwebp builds),
/// and damaged files as one-line errors.
final class ImageWebPTests: XCTestCase {
    private let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images/webp")

    func testDecodesLikePillow() throws {
        for (name, width, height, tolerance) in [("lossless", 23, 17, 0), ("alpha", 16, 9, 0), ("lossy", 32, 24, 2)] {
            let image = try ImageFile.read(folder.appendingPathComponent("\(name).webp"))
            XCTAssertEqual([image.width, image.height], [width, height], name)
            let expected = try [UInt8](Data(contentsOf: folder.appendingPathComponent("\(name).webp.rgb")))
            let worst = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 255
            XCTAssertLessThanOrEqual(worst, tolerance, name)
        }
    }

    func testTruncatedWebPIsAnError() throws {
        let bytes = try Data(contentsOf: folder.appendingPathComponent("lossy.webp"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).webp")
        defer { try? FileManager.default.removeItem(at: url) }
        try bytes.prefix(40).write(to: url)
        XCTAssertThrowsError(try ImageFile.read(url)) { error in
            XCTAssertTrue("\(error)".contains(url.lastPathComponent), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}
