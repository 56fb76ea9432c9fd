import CHash
import Foundation

/// SHA-256 of checkpoint files and AUTOMATIC1111's "Model hash" (its first 10 hex digits), so
/// PNG metadata names the model the way A1111 and civitai do. Hashes are remembered by path,
/// size and mtime, so a 4 GB checkpoint is read once.
public struct ModelHash: Sendable {
    /// The JSON cache of computed hashes; nil computes every time.
    public let cacheFile: URL?

    public init(cacheFile: URL? = ModelHash.defaultCacheFile()) {
        self.cacheFile = cacheFile
    }

    /// `$XDG_CACHE_HOME/swift-sd/hashes.json`, else `~/.cache/swift-sd/hashes.json`.
    public static func defaultCacheFile(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        homeDirectory: URL = FileManager.default.homeDirectoryForCurrentUser) -> URL {
        let root = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? homeDirectory.appendingPathComponent(".cache")
        return root.appendingPathComponent("swift-sd").appendingPathComponent("hashes.json")
    }

    /// Full lowercase hex SHA-256 of the file (following symlinks), from the cache when the
    /// file is unchanged since it was hashed.
    public func sha256(of file: URL) throws -> String {
        let path = file.resolvingSymlinksInPath().standardizedFileURL.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw HubError.fileSystem(path: file.path, reason: "cannot hash: \(String(cString: strerror(errno)))")
        }
        let size = Int64(info.st_size)
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        if let cacheFile, let entry = HashCache.load(cacheFile).files[path], entry.size == size, entry.mtime == mtime {
            return entry.sha256
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var bytesRead: UInt64 = 0
        let status = chash_sha256_file(path, &digest, &bytesRead)
        guard status == 0 else {
            let reason = status > 0 ? String(cString: strerror(status)) : "libcrypto failed"
            throw HubError.fileSystem(path: file.path, reason: "cannot hash: \(reason)")
        }
        let hex = Self.hex(digest)
        if let cacheFile, Int64(bytesRead) == size {
            HashCache.store(HashCacheEntry(size: size, mtime: mtime, sha256: hex), for: path, in: cacheFile)
        }
        return hex
    }

    /// A1111's short model hash: the first 10 hex digits of the file's SHA-256.
    public func shortHash(of file: URL) throws -> String {
        Self.shortHash(sha256: try sha256(of: file))
    }

    public static func shortHash(sha256: String) -> String {
        String(sha256.lowercased().prefix(10))
    }

    /// SHA-256 of bytes in memory, lowercase hex; nil only if libcrypto fails.
    public static func sha256(_ data: Data) -> String? {
        var digest = [UInt8](repeating: 0, count: 32)
        let status = data.withUnsafeBytes { chash_sha256_buffer($0.baseAddress, $0.count, &digest) }
        return status == 0 ? hex(digest) : nil
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
