/// The EXIF Orientation values that `PIL.ImageOps.exif_transpose` (called by diffusers'
/// `load_image`) undoes, named after the Pillow transpose it applies.
enum ExifOrientation: Int {
    case flipLeftRight = 2
    case rotate180 = 3
    case flipTopBottom = 4
    case transpose = 5
    case rotate270 = 6
    case transverse = 7
    case rotate90 = 8

    /// Pillow's lookup for a PNG: the EXIF block (eXIf chunk, a tEXt "exif", or ImageMagick's
    /// hex "Raw profile type exif" text), then XMP's tiff:Orientation when EXIF has no tag.
    static func find(pngExif: [UInt8]?, text: [String: String]) -> ExifOrientation? {
        var exif = pngExif.flatMap(ExifData.init)
        if pngExif == nil, let raw = text["Raw profile type exif"] {
            exif = rawProfileBytes(raw).flatMap(ExifData.init)
        }
        if let value = exif?.orientation { return ExifOrientation(rawValue: value) }
        return text["XML:com.adobe.xmp"].flatMap { fromXMP(Array($0.utf8)) }
    }

    /// Pillow's lookup for a JPEG: the first APP1 "Exif" block, then the APP1 XMP packet.
    static func find(jpegSegments: [JPEGSegment]) -> ExifOrientation? {
        let app1 = jpegSegments.filter { $0.marker == 0xE1 }
        let exifPrefix: [UInt8] = Array("Exif\0\0".utf8)
        if let block = app1.first(where: { $0.data.starts(with: exifPrefix) }),
           let value = ExifData(Array(block.data))?.orientation {
            return ExifOrientation(rawValue: value)
        }
        let xmpPrefix: [UInt8] = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
        guard let xmp = app1.last(where: { $0.data.starts(with: xmpPrefix) }) else { return nil }
        return fromXMP(Array(xmp.data.dropFirst(xmpPrefix.count)))
    }

    /// The first match of Pillow's `tiff:Orientation(="|>)([0-9])`.
    static func fromXMP(_ xmp: [UInt8]) -> ExifOrientation? {
        let needle: [UInt8] = Array("tiff:Orientation".utf8)
        guard xmp.count >= needle.count else { return nil }
        for start in 0...(xmp.count - needle.count) where xmp[start] == needle[0] {
            guard xmp[start..<(start + needle.count)].elementsEqual(needle) else { continue }
            var next = start + needle.count
            if next + 1 < xmp.count, xmp[next] == UInt8(ascii: "="), xmp[next + 1] == UInt8(ascii: "\"") {
                next += 2
            } else if next < xmp.count, xmp[next] == UInt8(ascii: ">") {
                next += 1
            } else {
                continue
            }
            guard next < xmp.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(xmp[next]) else { continue }
            return ExifOrientation(rawValue: Int(xmp[next] - UInt8(ascii: "0")))
        }
        return nil
    }

    /// ImageMagick's "\nexif\n   length\nHEX..." text, decoded as Pillow does (lines after the third).
    private static func rawProfileBytes(_ text: String) -> [UInt8]? {
        let hex = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(3)
            .joined().unicodeScalars.filter { !$0.properties.isWhitespace }
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = Int(String(high), radix: 16), let l = Int(String(low), radix: 16) else { return nil }
            bytes.append(UInt8(h << 4 | l))
        }
        return bytes
    }
}
