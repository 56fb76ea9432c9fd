/// A marker segment from a JPEG file's header (before the first scan): the APP1 blocks that
/// hold EXIF and XMP, and COM comments. libjpeg decodes the pixels; this only reads metadata.
struct JPEGSegment {
    let marker: UInt8
    let data: ArraySlice<UInt8>

    /// The segments between SOI and the first SOS. A malformed header ends the walk early
    /// (the decoder reports real damage).
    static func headerSegments(in bytes: [UInt8]) -> [JPEGSegment] {
        var segments: [JPEGSegment] = []
        var offset = 2
        while offset < bytes.count {
            guard bytes[offset] == 0xFF else { break }
            while offset < bytes.count && bytes[offset] == 0xFF { offset += 1 }
            guard offset < bytes.count else { break }
            let marker = bytes[offset]
            offset += 1
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }
            if marker == 0xDA || marker == 0xD9 { break }
            guard offset + 2 <= bytes.count else { break }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard length >= 2, length <= bytes.count - offset else { break }
            segments.append(JPEGSegment(marker: marker, data: bytes[(offset + 2)..<(offset + length)]))
            offset += length
        }
        return segments
    }
}
