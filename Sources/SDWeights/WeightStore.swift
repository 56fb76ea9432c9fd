import Foundation

/// Name -> tensor map of one model component, under diffusers names, possibly gathered from
/// several files (sharded weights) or renamed from a single-file checkpoint.
public final class WeightStore: @unchecked Sendable {
    /// Where the tensors came from (file or folder path), used in every error message.
    public let source: String
    public let tensors: [String: StoredTensor]

    public init(source: String, tensors: [StoredTensor]) {
        self.source = source
        var map: [String: StoredTensor] = [:]
        map.reserveCapacity(tensors.count)
        for tensor in tensors { map[tensor.name] = tensor }
        self.tensors = map
    }

    /// Sorted tensor names.
    public var names: [String] { tensors.keys.sorted() }

    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    public func tensor(_ name: String) throws -> StoredTensor {
        guard let tensor = tensors[name] else { throw WeightsError.missingTensor(name: name, source: source) }
        return tensor
    }

    /// The tensor, after checking it has exactly `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> StoredTensor {
        let tensor = try self.tensor(name)
        guard tensor.shape == shape else {
            throw WeightsError.shapeMismatch(name: name, expected: shape, got: tensor.shape, source: source)
        }
        return tensor
    }

    /// The same store without `excluded` (a no-op returning `self` when none is present).
    public func removing(_ excluded: Set<String>) -> WeightStore {
        guard excluded.contains(where: { tensors[$0] != nil }) else { return self }
        return WeightStore(source: source, tensors: tensors.values.filter { !excluded.contains($0.name) })
    }

    /// One dimension of a tensor's shape; a typed error (not a crash) when the rank is too small.
    public func dimension(_ name: String, _ axis: Int) throws -> Int {
        let shape = try tensor(name).shape
        guard axis < shape.count else {
            throw WeightsError.shapeMismatch(name: name, expected: Array(repeating: -1, count: axis + 1), got: shape, source: source)
        }
        return shape[axis]
    }

    /// Names a model did not consume (sorted), ignoring any that start with one of `ignoring`.
    public func unusedNames(consumed: Set<String>, ignoring prefixes: [String] = []) -> [String] {
        tensors.keys.filter { name in
            !consumed.contains(name) && !prefixes.contains(where: { name.hasPrefix($0) })
        }.sorted()
    }

    /// Fails when the file holds tensors a model did not use: a sign of a wrong architecture guess.
    public func checkNoUnknownTensors(consumed: Set<String>, ignoring prefixes: [String] = []) throws {
        let unused = unusedNames(consumed: consumed, ignoring: prefixes)
        if !unused.isEmpty { throw WeightsError.unknownTensors(names: unused, source: source) }
    }

    /// The floating-point type holding the most bytes (f32 when there are no float tensors).
    public var dominantType: StorageType {
        var bytes: [StorageType: Int] = [:]
        for tensor in tensors.values where tensor.dtype.isFloatingPoint { bytes[tensor.dtype, default: 0] += tensor.bytes.count }
        return bytes.max { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }?.key ?? .f32
    }

    /// Opens one weights file by its extension: `.safetensors`, a torch pickle (`.bin`, `.ckpt`,
    /// `.pt`, `.pth`), or a sharded `*.index.json` whose shards sit next to it.
    public convenience init(contentsOf url: URL) throws {
        let tensors = try WeightStore.readTensors(url)
        self.init(source: url.path, tensors: tensors)
    }

    static func readTensors(_ url: URL) throws -> [StoredTensor] {
        let name = url.lastPathComponent
        if name.hasSuffix(".index.json") { return try readShards(index: url) }
        if name.hasSuffix(".safetensors") {
            let file = try SafetensorsFile(url: url)
            return file.names.compactMap { file.tensors[$0] }
        }
        let file = try TorchCheckpointFile(url: url)
        return file.names.compactMap { file.tensors[$0] }
    }

    /// `{"weight_map": {tensor: shard file}}`; every listed tensor must be found in its shard.
    static func readShards(index: URL) throws -> [StoredTensor] {
        let path = index.path
        guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.fileMissing(path: path) }
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = json["weight_map"] as? [String: String] else {
            throw WeightsError.badConfig(path: path, detail: "no weight_map in shard index")
        }
        let folder = index.deletingLastPathComponent()
        var result: [StoredTensor] = []
        for shard in Set(map.values).sorted() {
            guard !shard.contains("/"), !shard.hasPrefix(".") else {
                throw WeightsError.badConfig(path: path, detail: "shard name '\(shard)' leaves the folder")
            }
            let tensors = try readTensors(folder.appendingPathComponent(shard))
            let present = Set(tensors.map(\.name))
            for (tensor, file) in map where file == shard && !present.contains(tensor) {
                throw WeightsError.missingTensor(name: tensor, source: folder.appendingPathComponent(shard).path)
            }
            result.append(contentsOf: tensors)
        }
        return result
    }
}
