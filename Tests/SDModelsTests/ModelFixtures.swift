import Foundation
import SDCompute
import SDWeights
import XCTest

/// Paths and loaders for the tiny random-weight models made by scripts/make-fixtures.py.
enum ModelFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func model(_ name: String) -> URL { root.appendingPathComponent("models/\(name)") }

    /// One diffusers component folder as (config, weights).
    static func component<C: Decodable>(_ model: String, _ folder: String, weights file: String,
                                        as _: C.Type) throws -> (C, WeightStore) {
        let dir = self.model(model).appendingPathComponent(folder)
        let config = try JSONDecoder().decode(C.self, from: Data(contentsOf: dir.appendingPathComponent("config.json")))
        let st = try SafetensorsFile(url: dir.appendingPathComponent(file))
        return (config, WeightStore(source: dir.path, tensors: Array(st.tensors.values)))
    }

    /// The reference outputs diffusers computed for `model`.
    static func reference(_ model: String) throws -> [String: StoredTensor] {
        try SafetensorsFile(url: root.appendingPathComponent("reference/\(model).safetensors")).tensors
    }

    static func tensor(_ ref: [String: StoredTensor], _ name: String) throws -> Tensor {
        guard let stored = ref[name] else { throw WeightsError.missingTensor(name: name, source: "reference") }
        let t = Tensor(shape: stored.shape)
        try stored.copyFloats(into: t.data)
        return t
    }

    /// max |a - b| / max |b|: the relative error measure of the parity tests.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
        var err: Float = 0, scale: Float = 0
        for i in 0..<a.count {
            err = max(err, abs(a.data[i] - b.data[i]))
            scale = max(scale, abs(b.data[i]))
        }
        return err / max(scale, 1e-12)
    }
}
