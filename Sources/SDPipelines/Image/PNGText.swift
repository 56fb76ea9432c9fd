import CImageCodecs
import Foundation

/// PNG text chunks (tEXt, zTXt, iTXt): read the way Pillow fills `image.text`, written the way
/// A1111 writes its `parameters` (Pillow's `PngInfo.add_text`: tEXt when the value is Latin-1,
/// else an uncompressed iTXt).
enum PNGText {
    /// Largest decompressed zTXt/iTXt payload accepted, against decompression bombs.
    static let maxDecompressedBytes = 16 << 20

    enum DecodeError: Error {
        case unknownCompression(chunk: String, method: UInt8)
        case tooLarge(chunk: String)
    }

    /// The key and value of a text chunk; nil for other chunks and for text chunks Pillow
    /// skips (iTXt that is not valid UTF-8 or uses an unknown compression). A zTXt whose
    /// stream is corrupt reads as an empty value, as in Pillow.
    static func decode(_ chunk: PNGChunk) throws -> (key: String, value: String)? {
        let bytes = Array(chunk.data)
        switch chunk.type {
        case "tEXt":
            let (key, value) = split(bytes)
            return key.isEmpty ? nil : (latin1(key), latin1(value))
        case "zTXt":
            let (key, rest) = split(bytes)
            let method = rest.first ?? 0
            guard method == 0 else { throw DecodeError.unknownCompression(chunk: "zTXt", method: method) }
            let value: [UInt8]
            do {
                value = try inflate(Array(rest.dropFirst()))
            } catch DecodeError.tooLarge {
                throw DecodeError.tooLarge(chunk: "zTXt")
            } catch {
                value = []
            }
            return key.isEmpty ? nil : (latin1(key), latin1(value))
        case "iTXt":
            guard let keyEnd = bytes.firstIndex(of: 0), bytes.count - keyEnd - 1 >= 2 else { return nil }
            let flag = bytes[keyEnd + 1], method = bytes[keyEnd + 2]
            let rest = Array(bytes[(keyEnd + 3)...])
            guard let langEnd = rest.firstIndex(of: 0),
                  let tkeyEnd = rest[(langEnd + 1)...].firstIndex(of: 0) else { return nil }
            var value = Array(rest[(tkeyEnd + 1)...])
            if flag != 0 {
                guard method == 0 else { return nil }
                do {
                    value = try inflate(value)
                } catch DecodeError.tooLarge {
                    throw DecodeError.tooLarge(chunk: "iTXt")
                } catch {
                    return nil
                }
            }
            guard String(bytes: rest[..<langEnd], encoding: .utf8) != nil,
                  String(bytes: rest[(langEnd + 1)..<tkeyEnd], encoding: .utf8) != nil,
                  let text = String(bytes: value, encoding: .utf8) else { return nil }
            return (latin1(Array(bytes[..<keyEnd])), text)
        default:
            return nil
        }
    }

    /// A complete chunk (length, type, data, CRC) holding `value` under `key`.
    static func encode(key: String, value: String) throws -> [UInt8] {
        let keyScalars = key.unicodeScalars.map(\.value)
        guard !keyScalars.isEmpty, keyScalars.count <= 79 else {
            throw ImageError.invalidText(key: key, reason: "a key must be 1 to 79 characters long")
        }
        guard keyScalars.allSatisfy({ $0 >= 32 && $0 <= 255 && !(127...160).contains($0) }) else {
            throw ImageError.invalidText(key: key, reason: "a key must be printable Latin-1")
        }
        guard !value.unicodeScalars.contains("\0") else {
            throw ImageError.invalidText(key: key, reason: "the value contains a NUL character")
        }
        let keyBytes = keyScalars.map { UInt8($0) }
        let valueScalars = value.unicodeScalars.map(\.value)
        if valueScalars.allSatisfy({ $0 <= 255 }) {
            return PNGChunk.encode(type: "tEXt", data: keyBytes + [0] + valueScalars.map { UInt8($0) })
        }
        // keyword, NUL, compression flag 0, method 0, empty language, NUL, empty translated keyword, NUL
        return PNGChunk.encode(type: "iTXt", data: keyBytes + [0, 0, 0, 0, 0] + Array(value.utf8))
    }

    private static func split(_ bytes: [UInt8]) -> (key: [UInt8], rest: [UInt8]) {
        guard let nul = bytes.firstIndex(of: 0) else { return (bytes, []) }
        return (Array(bytes[..<nul]), Array(bytes[(nul + 1)...]))
    }

    private static func latin1(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    private struct InflateFailure: Error {}

    private static func inflate(_ compressed: [UInt8]) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        let status = compressed.withUnsafeBufferPointer { input in
            cic_zlib_inflate(input.baseAddress, input.count, maxDecompressedBytes, &output, &outputSize, nil, 0)
        }
        guard status == 0, let output else {
            if status == -2 { throw DecodeError.tooLarge(chunk: "") }
            throw InflateFailure()
        }
        defer { cic_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }
}
