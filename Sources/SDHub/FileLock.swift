import Foundation

/// An exclusive `flock` on a lock file, held while a blob is written, so two processes (ours or
/// huggingface_hub's, which locks the same path) never write one blob at once.
final class FileLock {
    private var descriptor: Int32

    /// Blocks until the lock is ours.
    init(_ url: URL) throws {
        try HubCache.createDirectory(url.deletingLastPathComponent())
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HubError.fileSystem(path: url.path, reason: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                descriptor = -1
                throw HubError.fileSystem(path: url.path, reason: "cannot lock: \(reason)")
            }
        }
    }

    func unlock() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
