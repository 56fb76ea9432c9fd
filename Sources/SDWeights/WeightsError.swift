/// Every way a weights file or model folder can be unusable, each naming the file so a user
/// can tell which of several files in a model folder is at fault.
public enum WeightsError: Error, CustomStringConvertible, Equatable {
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    case truncated(path: String, detail: String)
    case headerLengthOutOfRange(path: String, length: UInt64, fileSize: UInt64)
    case malformedHeader(path: String, detail: String)
    case offsetsOutsideFile(path: String, tensor: String)
    case badDType(path: String, tensor: String, dtype: String)
    case sizeMismatch(path: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    case overlappingTensors(path: String, first: String, second: String)
    case unsafePickleGlobal(path: String, global: String)
    case unsupportedPickleOpcode(path: String, opcode: UInt8, offset: Int)
    case malformedPickle(path: String, detail: String)
    case malformedZip(path: String, detail: String)
    case missingComponent(path: String, component: String)
    case missingTensor(name: String, source: String)
    case shapeMismatch(name: String, expected: [Int], got: [Int], source: String)
    case unknownTensors(names: [String], source: String)
    case unsupportedModel(path: String, detail: String)
    case badConfig(path: String, detail: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileMissing(path):
            return "\(path): file not found"
        case let .unreadable(path, reason):
            return "\(path): cannot read file (\(reason))"
        case let .truncated(path, detail):
            return "\(path): truncated file (\(detail))"
        case let .headerLengthOutOfRange(path, length, fileSize):
            return "\(path): safetensors header length \(length) out of range for a file of \(fileSize) bytes"
        case let .malformedHeader(path, detail):
            return "\(path): malformed safetensors header (\(detail))"
        case let .offsetsOutsideFile(path, tensor):
            return "\(path): tensor '\(tensor)' has data offsets outside the file"
        case let .badDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)' has unsupported dtype '\(dtype)'"
        case let .sizeMismatch(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)' needs \(expected) bytes for its shape and dtype but has \(actual)"
        case let .overlappingTensors(path, first, second):
            return "\(path): tensors '\(first)' and '\(second)' overlap"
        case let .unsafePickleGlobal(path, global):
            return "unsafe pickle global '\(global)' in \(path)"
        case let .unsupportedPickleOpcode(path, opcode, offset):
            let hex = String(opcode, radix: 16)
            return "\(path): unsupported pickle opcode 0x\(hex) at byte \(offset)"
        case let .malformedPickle(path, detail):
            return "\(path): malformed pickle (\(detail))"
        case let .malformedZip(path, detail):
            return "\(path): malformed zip archive (\(detail))"
        case let .missingComponent(path, component):
            return "\(path): missing \(component)"
        case let .missingTensor(name, source):
            return "\(source): missing tensor '\(name)'"
        case let .shapeMismatch(name, expected, got, source):
            return "\(source): tensor '\(name)' has shape \(got), expected \(expected)"
        case let .unknownTensors(names, source):
            let shown = names.prefix(5).joined(separator: ", ")
            let more = names.count > 5 ? " and \(names.count - 5) more" : ""
            return "\(source): \(names.count) unexpected tensor(s): \(shown)\(more)"
        case let .unsupportedModel(path, detail):
            return "\(path): unsupported model (\(detail))"
        case let .badConfig(path, detail):
            return "\(path): invalid config (\(detail))"
        case let .writeFailed(path, reason):
            return "\(path): cannot write file (\(reason))"
        }
    }
}
