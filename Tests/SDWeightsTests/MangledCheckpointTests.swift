import Foundation
import XCTest
@testable import SDWeights

/// Single files whose tensors do not fit the SD structure must give typed errors, never crash.
final class MangledCheckpointTests: XCTestCase {
    /// Rewrites a fixture with `change` applied to its entries (nil drops an entry).
    func mangled(_ fixture: String, _ change: (SafetensorsWriter.Entry) -> SafetensorsWriter.Entry?) throws -> URL {
        let source = try SafetensorsFile(url: TestFiles.models.appendingPathComponent(fixture))
        let entries = source.names.compactMap { name -> SafetensorsWriter.Entry? in
            let tensor = source.tensors[name]!
            return change(.init(name: name, dtype: tensor.dtype, shape: tensor.shape, data: Data(tensor.bytes)))
        }
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("mangled.safetensors")
        try SafetensorsWriter.write(entries: entries, to: url)
        return url
    }

    func reshaped(_ entry: SafetensorsWriter.Entry, _ shape: [Int]) -> SafetensorsWriter.Entry {
        let count = shape.reduce(1, *)
        return .init(name: entry.name, dtype: entry.dtype, shape: shape, data: Data(count: count * entry.dtype.size))
    }

    func expectTypedError(_ url: URL, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelCheckpoint.load(path: url), what, file: file, line: line) { error in
            XCTAssertTrue(error is WeightsError, "\(what): \(error)", file: file, line: line)
        }
    }

    func testMangledShapesAndMissingBlocks() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: TestFiles.models.appendingPathComponent("sd1.safetensors").path))
        let cases: [(String, String, (SafetensorsWriter.Entry) -> SafetensorsWriter.Entry?)] = [
            ("sd1.safetensors", "rank-1 conv_in", { $0.name == "model.diffusion_model.input_blocks.0.0.weight" ? self.reshaped($0, [32]) : $0 }),
            ("sd1.safetensors", "rank-1 token embedding", {
                $0.name == "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight" ? self.reshaped($0, [16]) : $0
            }),
            ("sd1.safetensors", "missing input block", { $0.name.hasPrefix("model.diffusion_model.input_blocks.2.") ? nil : $0 }),
            ("sd1.safetensors", "extra output block", { entry in
                entry.name == "model.diffusion_model.output_blocks.0.0.in_layers.0.weight"
                    ? .init(name: "model.diffusion_model.output_blocks.99.0.in_layers.0.weight", dtype: entry.dtype, shape: entry.shape, data: entry.data)
                    : entry
            }),
            ("sd1.safetensors", "3x3 VAE attention", {
                $0.name == "first_stage_model.decoder.mid.attn_1.q.weight" ? self.reshaped($0, [32, 32, 3, 3]) : $0
            }),
            ("sd1.safetensors", "no attention blocks", { $0.name.contains(".1.transformer_blocks.") || $0.name.contains("proj_in") ? nil : $0 }),
            ("sd2.safetensors", "in_proj rows not divisible by 3", {
                $0.name == "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight" ? self.reshaped($0, [47, 16]) : $0
            }),
            ("sd2.safetensors", "no text embedding", { $0.name.hasSuffix("token_embedding.weight") ? nil : $0 }),
        ]
        for (fixture, what, change) in cases {
            expectTypedError(try mangled(fixture, change), what)
        }
    }
}
