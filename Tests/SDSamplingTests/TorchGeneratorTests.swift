import XCTest
@testable import SDSampling

/// `TorchGenerator` against `torch.randn` / `torch.rand` (Tests/Fixtures/sampling/rng.json).
/// The port is meant to be bit-exact, so values are compared exactly.
final class TorchGeneratorTests: XCTestCase {
    func testMatchesTorchForSeedsSizesAndCallSequences() throws {
        let cases = try XCTUnwrap(SamplingFixtures.json("rng.json")["cases"] as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 30)
        for testCase in cases {
            let seed = try XCTUnwrap(UInt64(try XCTUnwrap(testCase["seed"] as? String)))
            let calls = try XCTUnwrap(testCase["calls"] as? [[String: Any]])
            let outputs = try XCTUnwrap(testCase["outputs"] as? [[String: Any]])
            var generator = TorchGenerator(seed: seed)
            for (call, expected) in zip(calls, outputs) {
                let count = try XCTUnwrap(call["count"] as? Int)
                let op = try XCTUnwrap(call["op"] as? String)
                let values = op == "randn" ? generator.randn(count) : generator.rand(count)
                let label = "seed \(seed) \(op)(\(count))"
                XCTAssertEqual(values.count, count, label)
                if let full = expected["values"] as? [Double] {
                    SamplingFixtures.assertBitExact(values, full, label)
                    continue
                }
                let head = try XCTUnwrap(expected["head"] as? [Double])
                let tail = try XCTUnwrap(expected["tail"] as? [Double])
                SamplingFixtures.assertBitExact(Array(values.prefix(head.count)), head, label + " head")
                SamplingFixtures.assertBitExact(Array(values.suffix(tail.count)), tail, label + " tail")
                var checksum: UInt64 = 0
                for (i, value) in values.enumerated() { checksum = checksum &+ UInt64(i + 1) &* UInt64(value.bitPattern) }
                XCTAssertEqual(String(checksum), expected["bits_checksum"] as? String, label + " bit checksum")
                let sum = values.reduce(0.0) { $0 + Double($1) }
                let squares = values.reduce(0.0) { $0 + Double($1) * Double($1) }
                // Exact values give the same float64 sums up to summation order.
                XCTAssertEqual(sum, try XCTUnwrap(expected["sum"] as? Double), accuracy: 1e-9 * Double(count), label)
                XCTAssertEqual(squares, try XCTUnwrap(expected["sum_squares"] as? Double),
                               accuracy: 1e-9 * Double(count), label)
            }
        }
    }

    func testSeedUsesOnlyLow32BitsLikeTorch() {
        var a = TorchGenerator(seed: 5)
        var b = TorchGenerator(seed: (1 << 32) + 5)
        XCTAssertEqual(a.randn(40), b.randn(40))
    }

    func testSmallRandnCachesSecondBoxMullerValue() {
        var pairs = TorchGenerator(seed: 3)
        let two = pairs.randn(2)
        var singles = TorchGenerator(seed: 3)
        let first = singles.randn(1)
        let second = singles.randn(1)
        XCTAssertEqual(two, first + second)
        XCTAssertNotEqual(first, second)
    }

    func testNegativeAndZeroCountsDrawNothing() {
        var generator = TorchGenerator(seed: 1)
        XCTAssertEqual(generator.randn(-4), [])
        XCTAssertEqual(generator.rand(0), [])
        var fresh = TorchGenerator(seed: 1)
        XCTAssertEqual(generator.randn(20), fresh.randn(20))
    }
}
