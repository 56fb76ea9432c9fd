import CImageCodecs
import Foundation

/// Reading PNG and JPEG files into `RGBImage` exactly as diffusers' `load_image` does
/// (`PIL.ImageOps.exif_transpose`, then `convert("RGB")`), and writing PNG files with
/// A1111-style text metadata.
public enum ImageFile {
    /// Largest width or height accepted; bigger pictures are refused before any pixel is decoded.
    public static let maxSide = 16384
    /// Largest file read, so that a mistaken path to a huge file fails at once.
    static let maxFileBytes = 1 << 30

    /// Decodes a PNG, JPEG or WebP file (told apart by content, not name) to 8-bit RGB.
    ///
    /// Like Pillow's `convert("RGB")`, alpha and tRNS transparency are dropped (not composited),
    /// palettes and grey are expanded, 16-bit samples keep their high byte, and colour profiles
    /// and gamma are ignored; like `exif_transpose`, an EXIF (or XMP) orientation is undone.
    /// One deliberate difference: Pillow clamps 16-bit greyscale PNG samples to 255 (its I;16
    /// to RGB conversion), which turns almost every such picture white; here they keep their
    /// high byte as every other 16-bit PNG does in Pillow.
    public static func read(_ url: URL) throws -> RGBImage {
        try image(fromFile: contents(of: url), path: url.path)
    }

    /// `read` for bytes already in memory; `path` names them in errors.
    static func image(fromFile bytes: [UInt8], path: String) throws -> RGBImage {
        guard let format = ImageFormat(signatureOf: bytes) else { throw ImageError.unsupportedFormat(path: path) }
        let image = try decode(bytes, format: format, path: path)
        let orientation: ExifOrientation?
        switch format {
        case .png: orientation = pngOrientation(bytes)
        case .jpeg: orientation = ExifOrientation.find(jpegSegments: JPEGSegment.headerSegments(in: bytes))
        case .webp: orientation = nil
        }
        return orientation.map { image.transposed($0) } ?? image
    }

    /// Writes `image` as an 8-bit RGB PNG with `text` as text chunks right after the header,
    /// each a tEXt chunk when its value is Latin-1 and an uncompressed iTXt chunk otherwise
    /// (what A1111 writes for its `parameters` through Pillow's `PngInfo.add_text`).
    ///
    /// The file appears complete or not at all: it is written to a temporary file in the same
    /// folder and then renamed into place. An existing file is replaced only with `overwrite`.
    public static func writePNG(_ image: RGBImage, to url: URL, text: [(key: String, value: String)] = [],
                                overwrite: Bool = false) throws {
        let path = url.path
        let textChunks = try text.map { try PNGText.encode(key: $0.key, value: $0.value) }
        if !overwrite && FileManager.default.fileExists(atPath: path) { throw ImageError.fileExists(path: path) }
        var encoded = try encodePNG(image, path: path)
        // signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC)
        let afterHeader = 33
        guard encoded.count > afterHeader, encoded[12..<16].elementsEqual(Array("IHDR".utf8)) else {
            throw ImageError.writeFailed(path: path, reason: "unexpected PNG encoder output")
        }
        encoded.insert(contentsOf: textChunks.joined(), at: afterHeader)
        try AtomicFile.write(encoded, to: url, overwrite: overwrite)
    }

    /// The bytes of a regular file, refusing what cannot be an image before reading it
    /// (directories, devices and pipes, which could block or never end).
    static func contents(of url: URL) throws -> [UInt8] {
        let path = url.path
        let attributes: [FileAttributeKey: Any]
        do {
            // attributesOfItem describes a symbolic link itself; the picture is what it points to.
            attributes = try FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
        } catch {
            if !FileManager.default.fileExists(atPath: path) { throw ImageError.fileMissing(path: path) }
            throw ImageError.unreadable(path: path, reason: "cannot stat it")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ImageError.unreadable(path: path, reason: "not a regular file")
        }
        if let size = attributes[.size] as? NSNumber, size.int64Value > Int64(maxFileBytes) {
            throw ImageError.unreadable(path: path, reason: "larger than \(maxFileBytes >> 20) MiB")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImageError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard !data.isEmpty else { throw ImageError.empty(path: path) }
        return [UInt8](data)
    }

    private static let messageCapacity = 256

    private static func decode(_ bytes: [UInt8], format: ImageFormat, path: String) throws -> RGBImage {
        var message = [CChar](repeating: 0, count: messageCapacity)
        var geometry = cic_geometry()
        let infoStatus = bytes.withUnsafeBufferPointer { input in
            switch format {
            case .png: return cic_png_info(input.baseAddress, input.count, &geometry, &message, messageCapacity)
            case .jpeg: return cic_jpeg_info(input.baseAddress, input.count, &geometry, &message, messageCapacity)
            case .webp: return cic_webp_info(input.baseAddress, input.count, &geometry, &message, messageCapacity)
            }
        }
        guard infoStatus == 0 else { throw ImageError.malformed(path: path, reason: text(message)) }
        let width = Int(geometry.width), height = Int(geometry.height)
        guard width > 0, height > 0 else { throw ImageError.malformed(path: path, reason: "zero width or height") }
        guard width <= maxSide, height <= maxSide else {
            throw ImageError.tooLarge(path: path, width: width, height: height, limit: maxSide)
        }
        let byteCount = width * height * 3
        var status: Int32 = -1
        let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            status = bytes.withUnsafeBufferPointer { input in
                switch format {
                case .png:
                    return cic_png_decode_rgb8(input.baseAddress, input.count, geometry, buffer.baseAddress,
                                               &message, messageCapacity)
                case .jpeg:
                    return cic_jpeg_decode_rgb8(input.baseAddress, input.count, geometry, buffer.baseAddress,
                                                &message, messageCapacity)
                case .webp:
                    return cic_webp_decode_rgb8(input.baseAddress, input.count, geometry, buffer.baseAddress,
                                                &message, messageCapacity)
                }
            }
            initialized = status == 0 ? byteCount : 0
        }
        guard status == 0 else { throw ImageError.malformed(path: path, reason: text(message)) }
        return RGBImage(uncheckedWidth: width, height: height, pixels: pixels)
    }

    private static func encodePNG(_ image: RGBImage, path: String) throws -> [UInt8] {
        var message = [CChar](repeating: 0, count: messageCapacity)
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        let status = image.pixels.withUnsafeBufferPointer { rgb in
            cic_png_encode_rgb8(rgb.baseAddress, UInt32(image.width), UInt32(image.height), &output, &outputSize,
                                &message, messageCapacity)
        }
        guard status == 0, let output else { throw ImageError.writeFailed(path: path, reason: text(message)) }
        defer { cic_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }

    /// Pillow's orientation sources in a PNG: eXIf, a tEXt "exif", and the text chunks.
    private static func pngOrientation(_ bytes: [UInt8]) -> ExifOrientation? {
        var exif: [UInt8]?
        var text: [String: String] = [:]
        for chunk in (try? PNGChunk.chunks(in: bytes, lenient: true)) ?? [] {
            if chunk.type == "eXIf" {
                exif = Array(chunk.data)
            } else if let entry = try? PNGText.decode(chunk) {
                if chunk.type == "tEXt" && entry.key == "exif" {
                    exif = entry.value.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
                } else {
                    text[entry.key] = entry.value
                }
            }
        }
        return ExifOrientation.find(pngExif: exif, text: text)
    }

    private static func text(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "unknown decoder error" : String(decoding: bytes, as: UTF8.self)
    }
}
