import Foundation

/// Writing a whole file so that readers see either nothing or the complete file: a temporary
/// file in the destination's folder (same file system), flushed, then moved into place.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to url: URL, overwrite: Bool) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/.sd-" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path) }
        var placed = false
        defer { if !placed { unlink(temporary) } }
        do {
            defer { close(fd) }
            try bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(fd, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw failure(path)
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw failure(path) }
        }
        if overwrite {
            guard rename(temporary, path) == 0 else { throw failure(path) }
        } else if link(temporary, path) == 0 {
            // link(2) never replaces an existing file, so two writers cannot clobber each other.
            unlink(temporary)
        } else if errno == EEXIST {
            throw ImageError.fileExists(path: path)
        } else {
            // File systems without hard links: the existence check and the rename are two steps.
            if FileManager.default.fileExists(atPath: path) { throw ImageError.fileExists(path: path) }
            guard rename(temporary, path) == 0 else { throw failure(path) }
        }
        placed = true
    }

    private static func failure(_ path: String) -> ImageError {
        ImageError.writeFailed(path: path, reason: String(cString: strerror(errno)))
    }
}
