/// Minimal zip reader for torch checkpoints: reads the central directory (zip64 included) and
/// returns stored members as slices of the memory-mapped file, so tensors need no copy.
public struct ZipArchive {
    public let file: MappedFile
    public let entries: [String: ZipEntry]
    /// Entry names in central-directory order.
    public let names: [String]

    static let endOfCentralDirectory: UInt32 = 0x0605_4b50
    static let zip64EndLocator: UInt32 = 0x0706_4b50
    static let zip64End: UInt32 = 0x0606_4b50
    static let centralHeader: UInt32 = 0x0201_4b50
    static let localHeader: UInt32 = 0x0403_4b50

    /// True when the file starts with a zip local header (how torch's zip format is recognised).
    public static func looksLikeZip(_ file: MappedFile) -> Bool {
        file.count >= 4 && file.bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == localHeader
    }

    public init(file: MappedFile) throws {
        self.file = file
        let raw = file.bytes
        let path = file.path
        func bad(_ detail: String) -> WeightsError { .malformedZip(path: path, detail: detail) }
        func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self))) }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        func u64(_ at: Int) throws -> Int {
            let value = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            guard value <= UInt64(Int.max / 2) else { throw bad("64-bit field out of range") }
            return Int(value)
        }

        guard raw.count >= 22 else { throw WeightsError.truncated(path: path, detail: "too short for a zip archive") }
        // The end record sits in the last 22 + 65535 (maximum comment) bytes.
        var eocd = -1
        var position = raw.count - 22
        let lowest = max(0, raw.count - 22 - 65535)
        while position >= lowest {
            if u32(position) == Int(ZipArchive.endOfCentralDirectory) { eocd = position; break }
            position -= 1
        }
        guard eocd >= 0 else { throw WeightsError.truncated(path: path, detail: "zip end-of-central-directory record not found") }
        var entryCount = u16(eocd + 10)
        var directorySize = u32(eocd + 12)
        var directoryOffset = u32(eocd + 16)
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = eocd - 20
            guard locator >= 0, u32(locator) == Int(ZipArchive.zip64EndLocator) else { throw bad("zip64 locator missing") }
            let record = try u64(locator + 8)
            guard record >= 0, record + 56 <= raw.count, u32(record) == Int(ZipArchive.zip64End) else {
                throw bad("zip64 end record missing")
            }
            entryCount = try u64(record + 32)
            directorySize = try u64(record + 40)
            directoryOffset = try u64(record + 48)
        }
        guard directoryOffset + directorySize <= raw.count else {
            throw WeightsError.truncated(path: path, detail: "central directory beyond end of file")
        }
        var entries: [String: ZipEntry] = [:]
        var names: [String] = []
        var cursor = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for _ in 0..<entryCount {
            guard cursor + 46 <= directoryEnd, u32(cursor) == Int(ZipArchive.centralHeader) else {
                throw bad("central directory entry \(names.count) is damaged")
            }
            let method = UInt16(u16(cursor + 10))
            var compressed = u32(cursor + 20)
            var uncompressed = u32(cursor + 24)
            let nameLength = u16(cursor + 28)
            let extraLength = u16(cursor + 30)
            let commentLength = u16(cursor + 32)
            var localOffset = u32(cursor + 42)
            let nameStart = cursor + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directoryEnd else { throw bad("central directory entry \(names.count) overruns the directory") }
            let name = String(decoding: raw[nameStart..<extraStart], as: UTF8.self)
            // Zip64 extended information: 64-bit values for exactly the fields saturated above.
            var extra = extraStart
            while extra + 4 <= extraStart + extraLength {
                let id = u16(extra)
                let size = u16(extra + 2)
                let body = extra + 4
                guard body + size <= extraStart + extraLength else { throw bad("extra field of '\(name)' overruns") }
                if id == 0x0001 {
                    var field = body
                    if uncompressed == 0xFFFF_FFFF, field + 8 <= body + size { uncompressed = try u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF, field + 8 <= body + size { compressed = try u64(field); field += 8 }
                    if localOffset == 0xFFFF_FFFF, field + 8 <= body + size { localOffset = try u64(field); field += 8 }
                }
                extra = body + size
            }
            let entry = ZipEntry(name: name, method: method, compressedSize: compressed,
                                 uncompressedSize: uncompressed, localHeaderOffset: localOffset)
            if entries[name] == nil { names.append(name) }
            entries[name] = entry
            cursor = next
        }
        self.entries = entries
        self.names = names
    }

    /// The bytes of a stored (uncompressed) member, pointing into the mapped file.
    public func contents(of entry: ZipEntry) throws -> UnsafeRawBufferPointer {
        let raw = file.bytes
        let path = file.path
        let header = entry.localHeaderOffset
        guard header >= 0, header + 30 <= raw.count,
              raw.loadUnaligned(fromByteOffset: header, as: UInt32.self) == ZipArchive.localHeader else {
            throw WeightsError.malformedZip(path: path, detail: "local header of '\(entry.name)' is damaged")
        }
        guard entry.method == 0 else {
            throw WeightsError.malformedZip(path: path, detail: "member '\(entry.name)' is compressed (method \(entry.method)); torch writes stored members")
        }
        let nameLength = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: header + 26, as: UInt16.self)))
        let extraLength = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: header + 28, as: UInt16.self)))
        let start = header + 30 + nameLength + extraLength
        guard entry.compressedSize == entry.uncompressedSize, start + entry.uncompressedSize <= raw.count else {
            throw WeightsError.truncated(path: path, detail: "member '\(entry.name)' extends past the end of the file")
        }
        return UnsafeRawBufferPointer(rebasing: raw[start..<(start + entry.uncompressedSize)])
    }
}
