/// The TIFF structure inside an EXIF block (JPEG APP1 "Exif", PNG eXIf), read only as far
/// as the two tags used here: Orientation (for `ImageOps.exif_transpose`) and UserComment
/// (where A1111 stores its generation parameters in JPEG files). Every offset is checked:
/// the block comes straight from the user's file.
struct ExifData {
    private let bytes: [UInt8]
    private let littleEndian: Bool

    /// Parses a block with or without its "Exif\0\0" prefix (Pillow strips up to two).
    init?(_ block: [UInt8]) {
        var tiff = block[...]
        let prefix: [UInt8] = Array("Exif\0\0".utf8)
        for _ in 0..<2 where tiff.starts(with: prefix) { tiff = tiff.dropFirst(prefix.count) }
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return nil }
        if bytes[0] == 0x49, bytes[1] == 0x49, bytes[2] == 0x2A, bytes[3] == 0 {
            littleEndian = true
        } else if bytes[0] == 0x4D, bytes[1] == 0x4D, bytes[2] == 0, bytes[3] == 0x2A {
            littleEndian = false
        } else {
            return nil
        }
        self.bytes = bytes
    }

    /// Tag 0x0112 of the first IFD, when it holds a single integer.
    var orientation: Int? {
        guard let ifd0 = uint32(at: 4), let field = entry(tag: 0x0112, inIFDAt: ifd0),
              field.count == 1 else { return nil }
        switch field.type {
        case 1: return field.valueOffset < bytes.count ? Int(bytes[field.valueOffset]) : nil
        case 3: return uint16(at: field.valueOffset)
        case 4: return uint32(at: field.valueOffset)
        default: return nil
        }
    }

    /// The raw UserComment (tag 0x9286 of the Exif sub-IFD), 8-byte character-code prefix included.
    var userComment: [UInt8]? {
        guard let ifd0 = uint32(at: 4), let pointer = entry(tag: 0x8769, inIFDAt: ifd0),
              pointer.type == 4 || pointer.type == 13, let exifIFD = uint32(at: pointer.valueOffset),
              let field = entry(tag: 0x9286, inIFDAt: exifIFD), field.type == 7 || field.type == 1 else { return nil }
        let start: Int
        if field.count <= 4 {
            start = field.valueOffset
        } else {
            guard let offset = uint32(at: field.valueOffset) else { return nil }
            start = offset
        }
        guard start <= bytes.count, field.count <= bytes.count - start else { return nil }
        return Array(bytes[start..<(start + field.count)])
    }

    /// The type, count and position of the value field of `tag` in the IFD at `offset`.
    private func entry(tag: Int, inIFDAt offset: Int) -> (type: Int, count: Int, valueOffset: Int)? {
        guard let entries = uint16(at: offset) else { return nil }
        for index in 0..<entries {
            let position = offset + 2 + index * 12
            guard let entryTag = uint16(at: position), let type = uint16(at: position + 2),
                  let count = uint32(at: position + 4) else { return nil }
            if entryTag == tag { return (type, count, position + 8) }
        }
        return nil
    }

    private func uint16(at offset: Int) -> Int? {
        guard offset >= 0, offset <= bytes.count - 2 else { return nil }
        let a = Int(bytes[offset]), b = Int(bytes[offset + 1])
        return littleEndian ? a | b << 8 : a << 8 | b
    }

    private func uint32(at offset: Int) -> Int? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        let b = (0..<4).map { Int(bytes[offset + $0]) }
        return littleEndian ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
    }
}
