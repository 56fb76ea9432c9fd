import Foundation
import XCTest
@testable import SDWeights

/// Random byte corruption of valid files: every outcome is a loaded file whose tensors can be
/// read, or a typed error; never a crash or a hang.
final class CorruptionFuzzTests: XCTestCase {
    func fuzz(_ fixture: String, trials: Int, region: (Data) -> Range<Int>, open: (URL) throws -> [StoredTensor]) throws {
        let original = try Data(contentsOf: TestFiles.weights.appendingPathComponent(fixture))
        let directory = try TestFiles.temporaryDirectory(self)
        var random = SplitMix64(state: 0x5EED)
        var loaded = 0
        for trial in 0..<trials {
            var data = original
            let range = region(original)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                data[Int.random(in: range, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let url = directory.appendingPathComponent("fuzz\(trial)")
            try data.write(to: url)
            do {
                for tensor in try open(url) {
                    if tensor.dtype.isFloatingPoint { _ = try tensor.floats() } else { _ = try tensor.int64s() }
                }
                loaded += 1
            } catch is WeightsError {
            } catch {
                XCTFail("untyped error \(error) in trial \(trial)")
            }
        }
        XCTAssertLessThan(loaded, trials, "some corruptions must be detected")
    }

    func testSafetensorsHeaderCorruption() throws {
        try fuzz("tensors.safetensors", trials: 600, region: { data in
            let length = Int(data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            return 0..<(8 + length)
        }, open: { url in Array(try SafetensorsFile(url: url).tensors.values) })
    }

    func testTorchZipCorruption() throws {
        try fuzz("tensors.ckpt", trials: 600, region: { 0..<$0.count },
                 open: { url in Array(try TorchCheckpointFile(url: url).tensors.values) })
    }

    func testLegacyTorchCorruption() throws {
        try fuzz("legacy.pt", trials: 600, region: { 0..<$0.count },
                 open: { url in Array(try TorchCheckpointFile(url: url).tensors.values) })
    }
}
