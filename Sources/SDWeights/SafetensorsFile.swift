import Foundation

/// A memory-mapped `.safetensors` file. Every header entry is validated before any tensor is
/// handed out, so a corrupt or hostile file fails here with a message instead of later in a model.
public final class SafetensorsFile: @unchecked Sendable {
    /// Larger headers are refused: real checkpoints have headers of a few hundred kilobytes.
    public static let maxHeaderLength: UInt64 = 100_000_000

    public let url: URL
    public let metadata: [String: String]
    /// Tensor names in file (data offset) order.
    public let names: [String]
    public let tensors: [String: StoredTensor]
    let file: MappedFile

    public init(url: URL) throws {
        self.url = url
        file = try MappedFile(url: url)
        let path = url.path
        let raw = file.bytes
        guard raw.count >= 8 else {
            throw WeightsError.truncated(path: path, detail: "\(raw.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let fileSize = UInt64(raw.count)
        guard headerLength >= 2, headerLength <= SafetensorsFile.maxHeaderLength, headerLength <= fileSize - 8 else {
            throw WeightsError.headerLengthOutOfRange(path: path, length: headerLength, fileSize: fileSize)
        }
        let dataStart = 8 + Int(headerLength)
        let header = Data(raw[8..<dataStart])
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: header, options: [])
        } catch {
            throw WeightsError.malformedHeader(path: path, detail: "header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else {
            throw WeightsError.malformedHeader(path: path, detail: "header is not a JSON object")
        }
        let dataSize = raw.count - dataStart
        var parsed: [(name: String, dtype: StorageType, shape: [Int], begin: Int, end: Int)] = []
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let dict = value as? [String: Any] else {
                    throw WeightsError.malformedHeader(path: path, detail: "__metadata__ is not an object")
                }
                for (key, item) in dict {
                    guard let text = item as? String else {
                        throw WeightsError.malformedHeader(path: path, detail: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else {
                throw WeightsError.malformedHeader(path: path, detail: "entry '\(name)' is not an object")
            }
            guard let dtypeName = entry["dtype"] as? String else {
                throw WeightsError.malformedHeader(path: path, detail: "entry '\(name)' has no dtype")
            }
            guard let dtype = StorageType(safetensorsName: dtypeName) else {
                throw WeightsError.badDType(path: path, tensor: name, dtype: dtypeName)
            }
            guard let shape = SafetensorsFile.integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw WeightsError.malformedHeader(path: path, detail: "entry '\(name)' has no valid shape")
            }
            guard let offsets = SafetensorsFile.integers(entry["data_offsets"]), offsets.count == 2 else {
                throw WeightsError.malformedHeader(path: path, detail: "entry '\(name)' has no valid data_offsets")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw WeightsError.offsetsOutsideFile(path: path, tensor: name)
            }
            guard let count = StoredTensor.elementCount(shape),
                  !count.multipliedReportingOverflow(by: dtype.size).overflow else {
                throw WeightsError.malformedHeader(path: path, detail: "entry '\(name)' has an impossible shape \(shape)")
            }
            guard end - begin == count * dtype.size else {
                throw WeightsError.sizeMismatch(path: path, tensor: name, expectedBytes: count * dtype.size,
                                                actualBytes: end - begin)
            }
            parsed.append((name, dtype, shape, begin, end))
        }
        // As the reference reader: tensors tile the data section exactly, in offset order.
        parsed.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var previous: (name: String, end: Int) = ("", 0)
        for item in parsed {
            if item.begin < previous.end {
                throw WeightsError.overlappingTensors(path: path, first: previous.name, second: item.name)
            }
            if item.begin > previous.end {
                throw WeightsError.malformedHeader(path: path, detail: "gap of \(item.begin - previous.end) bytes before tensor '\(item.name)'")
            }
            previous = (item.name, item.end)
        }
        if previous.end != dataSize {
            throw WeightsError.malformedHeader(path: path, detail: "\(dataSize - previous.end) bytes after the last tensor")
        }
        var tensors: [String: StoredTensor] = [:]
        tensors.reserveCapacity(parsed.count)
        for item in parsed {
            let slice = UnsafeRawBufferPointer(rebasing: raw[(dataStart + item.begin)..<(dataStart + item.end)])
            tensors[item.name] = StoredTensor(name: item.name, dtype: item.dtype, shape: item.shape,
                                              bytes: slice, owner: file, source: path)
        }
        self.metadata = metadata
        self.names = parsed.map(\.name)
        self.tensors = tensors
    }

    /// A JSON array of non-negative integers (fractions and negative numbers are refused).
    static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let number = element as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double == double.rounded(), double >= 0, double < 9.0e15 else { return nil }
            result.append(number.intValue)
        }
        return result
    }
}
