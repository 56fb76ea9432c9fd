import Foundation
import XCTest

/// Locates Tests/Fixtures/sampling (written by scripts/make-sampler-fixtures.py).
enum SamplingFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("sampling")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url(name)))
        return try XCTUnwrap(object as? [String: Any], "\(name) is not a JSON object")
    }

    /// The fixture model standing in for the U-Net, in float32 like the script's torch code:
    /// 0.9 * x * cos(t / 1500) + 0.1 * sin(x + t / 1000).
    static func model(_ x: [Float], _ t: Double) -> [Float] {
        let tt = Float(t)
        let c = Foundation.cos(tt / 1500)
        let shift = tt / 1000
        return x.map { 0.9 * $0 * c + 0.1 * Foundation.sin($0 + shift) }
    }

    /// Largest absolute difference between two arrays (infinity when the sizes differ).
    static func maxError(_ a: [Float], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        var worst = 0.0
        for (x, y) in zip(a, b) {
            let error = abs(Double(x) - y)
            if error.isNaN { return .infinity }
            worst = max(worst, error)
        }
        return worst
    }
}

extension SamplingFixtures {
    /// Asserts that float32 results equal fixture values bit for bit. Fixture JSON holds the
    /// float32 values as decimal doubles; Foundation's parser can be off in the last double
    /// bits, so the parsed value is rounded back to float32 before comparing.
    static func assertBitExact(_ mine: [Float], _ fixture: [Double], _ label: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        guard mine.count == fixture.count else {
            XCTFail("\(label): \(mine.count) values, fixture has \(fixture.count)", file: file, line: line)
            return
        }
        let mismatches = zip(mine, fixture).enumerated().filter { $0.element.0 != Float($0.element.1) }
        if let first = mismatches.first {
            XCTFail("\(label): \(mismatches.count) of \(mine.count) differ, first at \(first.offset): "
                    + "\(first.element.0) vs \(Float(first.element.1))", file: file, line: line)
        }
    }
}
