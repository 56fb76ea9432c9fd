import Foundation
import XCTest

/// Paths and expectations for the image files made by scripts/make-image-fixtures.py.
enum ImageFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/images")

    struct Decoded: Decodable {
        let width: Int
        let height: Int
        let expected: String
        let deviates_from_pillow: String?
    }

    struct ResizeCase: Decodable {
        let width: Int
        let height: Int
        let expected: String
    }

    struct Resize: Decodable {
        let source: String
        let cases: [ResizeCase]
    }

    struct Manifest: Decodable {
        let decode: [String: Decoded]
        let resize: Resize
        let text: [String: [String: String]]
    }

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url("manifest.json")))
    }

    static func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(relative))) }

    /// A fresh folder for files a test writes, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("sd-image-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// Largest absolute difference between two byte arrays of equal length.
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
    }
}
