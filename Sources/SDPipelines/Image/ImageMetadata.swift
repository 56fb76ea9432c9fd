import Foundation

/// The text stored with a picture, for `sd info`: every PNG text chunk (tEXt, zTXt, iTXt),
/// keyed as Pillow's `image.text` keys them (a later chunk with the same key wins), so A1111's
/// generation settings are under "parameters". For a JPEG, A1111's EXIF UserComment is
/// returned under "parameters" and a COM segment under "comment".
public enum ImageMetadata {
    public static func read(_ url: URL) throws -> [String: String] {
        try text(fromFile: ImageFile.contents(of: url), path: url.path)
    }

    /// `read` for bytes already in memory; `path` names them in errors.
    static func text(fromFile bytes: [UInt8], path: String) throws -> [String: String] {
        switch ImageFormat(signatureOf: bytes) {
        case .png:
            return try pngText(bytes, path: path)
        case .jpeg:
            return jpegText(bytes)
        case .webp:
            // A1111 stores WebP parameters in EXIF UserComment; not read here.
            return [:]
        case nil:
            throw ImageError.unsupportedFormat(path: path)
        }
    }

    private static func pngText(_ bytes: [UInt8], path: String) throws -> [String: String] {
        var result: [String: String] = [:]
        do {
            for chunk in try PNGChunk.chunks(in: bytes, lenient: false) {
                if let entry = try PNGText.decode(chunk) { result[entry.key] = entry.value }
            }
        } catch PNGChunk.WalkError.notPNG {
            throw ImageError.unsupportedFormat(path: path)
        } catch let PNGChunk.WalkError.truncated(chunk) {
            throw ImageError.malformed(path: path, reason: "file ends inside \(chunk)")
        } catch let PNGChunk.WalkError.badCRC(chunk) {
            throw ImageError.malformed(path: path, reason: "CRC error in \(chunk) chunk")
        } catch let PNGText.DecodeError.unknownCompression(chunk, method) {
            throw ImageError.malformed(path: path, reason: "unknown compression method \(method) in \(chunk) chunk")
        } catch let PNGText.DecodeError.tooLarge(chunk) {
            throw ImageError.malformed(path: path, reason: "\(chunk) text larger than \(PNGText.maxDecompressedBytes >> 20) MiB")
        }
        return result
    }

    private static func jpegText(_ bytes: [UInt8]) -> [String: String] {
        var result: [String: String] = [:]
        let segments = JPEGSegment.headerSegments(in: bytes)
        if let comment = segments.first(where: { $0.marker == 0xFE }) {
            result["comment"] = String(decoding: comment.data, as: UTF8.self)
        }
        let exifPrefix: [UInt8] = Array("Exif\0\0".utf8)
        if let block = segments.first(where: { $0.marker == 0xE1 && $0.data.starts(with: exifPrefix) }),
           let comment = ExifData(Array(block.data))?.userComment.map(userComment), !comment.isEmpty {
            result["parameters"] = comment
        }
        return result
    }

    /// piexif's `UserComment.load`, which A1111 uses: an 8-byte character code, then the text
    /// (UNICODE is UTF-16 big-endian); anything else is read as UTF-8.
    private static func userComment(_ raw: [UInt8]) -> String {
        let code = raw.prefix(8), body = Array(raw.dropFirst(8))
        if code.elementsEqual(Array("UNICODE\0".utf8)) {
            let units = stride(from: 0, to: body.count - 1, by: 2).map { UInt16(body[$0]) << 8 | UInt16(body[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        }
        if code.elementsEqual(Array("ASCII\0\0\0".utf8)) {
            return String(decoding: body.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        }
        if code.elementsEqual(Array("JIS\0\0\0\0\0".utf8)) {
            return String(data: Data(body), encoding: .shiftJIS) ?? String(decoding: body, as: UTF8.self)
        }
        return String(decoding: raw, as: UTF8.self)
    }
}
