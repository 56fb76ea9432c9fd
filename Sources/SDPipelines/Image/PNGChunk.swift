/// One chunk of a PNG file, and the walk over a file's chunks that the metadata readers use
/// (libpng decodes the pixels; it does not hand back chunks after IDAT without decoding).
struct PNGChunk {
    /// Four ASCII letters, e.g. "tEXt".
    let type: String
    let data: ArraySlice<UInt8>

    /// Why a file's chunk structure cannot be walked.
    enum WalkError: Error {
        case notPNG
        case truncated(chunk: String)
        case badCRC(chunk: String)
    }

    /// The chunks of `bytes` up to IEND. With `lenient`, a damaged tail ends the walk
    /// instead of failing it, and checksums are not checked (as libpng only warns for
    /// ancillary chunks).
    static func chunks(in bytes: [UInt8], lenient: Bool) throws -> [PNGChunk] {
        guard bytes.starts(with: ImageFormat.pngSignature) else { throw WalkError.notPNG }
        var chunks: [PNGChunk] = []
        var offset = ImageFormat.pngSignature.count
        while offset < bytes.count {
            guard bytes.count - offset >= 8 else {
                if lenient { break }
                throw WalkError.truncated(chunk: "chunk header")
            }
            let length = Int(readUInt32(bytes, offset))
            let type = typeName(bytes[(offset + 4)..<(offset + 8)])
            guard length <= bytes.count - offset - 12 else {
                if lenient { break }
                throw WalkError.truncated(chunk: type)
            }
            let data = bytes[(offset + 8)..<(offset + 8 + length)]
            if !lenient {
                let stored = readUInt32(bytes, offset + 8 + length)
                guard CRC32.checksum(bytes[(offset + 4)..<(offset + 8 + length)]) == stored else {
                    throw WalkError.badCRC(chunk: type)
                }
            }
            chunks.append(PNGChunk(type: type, data: data))
            offset += 12 + length
            if type == "IEND" { break }
        }
        return chunks
    }

    /// The bytes of a chunk as written to a file: length, type, data, CRC.
    static func encode(type: String, data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 12)
        appendUInt32(&out, UInt32(data.count))
        out += typeBytes
        out += data
        appendUInt32(&out, CRC32.checksum(out[4...]))
        return out
    }

    /// The four letters, or their hex for a damaged header (error messages stay one printable line).
    private static func typeName(_ bytes: ArraySlice<UInt8>) -> String {
        let isLetter: (UInt8) -> Bool = { (65...90).contains($0) || (97...122).contains($0) }
        if bytes.allSatisfy(isLetter) { return String(decoding: bytes, as: UTF8.self) }
        return "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    private static func appendUInt32(_ out: inout [UInt8], _ value: UInt32) {
        out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
