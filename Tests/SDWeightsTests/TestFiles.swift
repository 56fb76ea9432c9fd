import Foundation
import XCTest

/// Fixture locations and scratch files for the weights tests.
enum TestFiles {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let weights = fixtures.appendingPathComponent("weights")
    static let models = fixtures.appendingPathComponent("models")

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sdweights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A safetensors file from a raw header string and data section, so tests can write
    /// headers a correct writer never would.
    static func rawSafetensors(header: String, data: [UInt8], headerLength: UInt64? = nil) -> Data {
        let json = Array(header.utf8)
        var length = (headerLength ?? UInt64(json.count)).littleEndian
        var out = Data()
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        out.append(contentsOf: data)
        return out
    }

    static func bytes<T>(of values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }
}
