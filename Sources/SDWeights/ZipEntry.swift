/// One member of a zip archive, as listed in the central directory.
public struct ZipEntry: Sendable {
    public let name: String
    /// 0 = stored; torch writes every member stored.
    public let method: UInt16
    public let compressedSize: Int
    public let uncompressedSize: Int
    public let localHeaderOffset: Int
}
