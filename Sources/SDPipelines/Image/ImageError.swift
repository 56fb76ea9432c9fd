/// Every way reading or writing an image file can fail, each naming the file so a user can
/// tell which input or output is at fault.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case unsupportedFormat(path: String)
    case malformed(path: String, reason: String)
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    case invalidSize(width: Int, height: Int, pixelBytes: Int)
    case invalidTargetSize(width: Int, height: Int)
    case invalidText(key: String, reason: String)
    case fileExists(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileMissing(path):
            return "\(path): file not found"
        case let .unreadable(path, reason):
            return "\(path): cannot read file (\(reason))"
        case let .empty(path):
            return "\(path): empty file"
        case let .unsupportedFormat(path):
            return "\(path): not a PNG, JPEG or WebP file"
        case let .malformed(path, reason):
            return "\(path): malformed image (\(reason))"
        case let .tooLarge(path, width, height, limit):
            return "\(path): image is \(width)x\(height), larger than \(limit) pixels on a side"
        case let .invalidSize(width, height, pixelBytes):
            return "invalid image size \(width)x\(height) for \(pixelBytes) bytes of RGB pixels"
        case let .invalidTargetSize(width, height):
            return "cannot resize an image to \(width)x\(height)"
        case let .invalidText(key, reason):
            return "PNG text '\(key)': \(reason)"
        case let .fileExists(path):
            return "\(path): file exists (not overwriting it)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write file (\(reason))"
        }
    }
}
