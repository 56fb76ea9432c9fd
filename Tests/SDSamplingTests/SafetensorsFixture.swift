import Foundation

/// A minimal reader for the float32 / float64 safetensors fixtures (SDWeights is not a
/// dependency of this test target).
struct SafetensorsFixture {
    private struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    private let data: Data
    private let base: Int
    private let entries: [String: Entry]

    init(url: URL) throws {
        data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = data.subdata(in: 8..<(8 + headerLength))
        var raw = try JSONSerialization.jsonObject(with: header) as? [String: Any] ?? [:]
        raw.removeValue(forKey: "__metadata__")
        entries = try JSONDecoder().decode([String: Entry].self, from: JSONSerialization.data(withJSONObject: raw))
        base = 8 + headerLength
    }

    func shape(_ name: String) -> [Int]? { entries[name]?.shape }

    /// The tensor's values as Doubles (F32 and F64 tensors).
    func values(_ name: String) -> [Double]? {
        guard let entry = entries[name], entry.data_offsets.count == 2 else { return nil }
        let bytes = data.subdata(in: (base + entry.data_offsets[0])..<(base + entry.data_offsets[1]))
        switch entry.dtype {
        case "F32":
            return stride(from: 0, to: bytes.count, by: 4).map { offset in
                let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[bytes.startIndex + offset + $1]) << (8 * $1) }
                return Double(Float(bitPattern: bits))
            }
        case "F64":
            return stride(from: 0, to: bytes.count, by: 8).map { offset in
                let bits = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[bytes.startIndex + offset + $1]) << (8 * $1) }
                return Double(bitPattern: bits)
            }
        default:
            return nil
        }
    }
}
