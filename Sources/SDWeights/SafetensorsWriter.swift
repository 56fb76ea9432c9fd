import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `.safetensors` files atomically: a temporary file in the destination folder is
/// renamed over the target, so an interrupted run never leaves a half-written file behind.
public enum SafetensorsWriter {
    public struct Entry {
        public var name: String
        public var dtype: StorageType
        public var shape: [Int]
        public var data: Data

        public init(name: String, dtype: StorageType, shape: [Int], data: Data) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }
    }

    /// Tuple form for call sites that build entries inline.
    public static func write(_ tensors: [(name: String, dtype: StorageType, shape: [Int], data: Data)],
                             metadata: [String: String] = [:], to url: URL) throws {
        try write(entries: tensors.map { Entry(name: $0.name, dtype: $0.dtype, shape: $0.shape, data: $0.data) },
                  metadata: metadata, to: url)
    }

    public static func write(entries: [Entry], metadata: [String: String] = [:], to url: URL) throws {
        let path = url.path
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for entry in entries {
            guard entry.name != "__metadata__", header[entry.name] == nil else {
                throw WeightsError.writeFailed(path: path, reason: "duplicate or reserved tensor name '\(entry.name)'")
            }
            guard let count = StoredTensor.elementCount(entry.shape), count * entry.dtype.size == entry.data.count else {
                throw WeightsError.writeFailed(
                    path: path, reason: "tensor '\(entry.name)' has \(entry.data.count) bytes for shape \(entry.shape)")
            }
            header[entry.name] = ["dtype": entry.dtype.safetensorsName, "shape": entry.shape,
                                  "data_offsets": [offset, offset + entry.data.count]] as [String: Any]
            offset += entry.data.count
        }
        var json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        } catch {
            throw WeightsError.writeFailed(path: path, reason: "cannot encode header: \(error)")
        }
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var output = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { output.append(contentsOf: $0) }
        output.append(json)
        for entry in entries { output.append(entry.data) }

        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try output.write(to: temporary)
        } catch {
            throw WeightsError.writeFailed(path: path, reason: error.localizedDescription)
        }
        if rename(temporary.path, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw WeightsError.writeFailed(path: path, reason: reason)
        }
    }
}
