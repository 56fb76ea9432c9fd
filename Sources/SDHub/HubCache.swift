import Foundation

/// One repo's folder in the huggingface_hub cache, laid out exactly as huggingface_hub writes
/// it so the same files serve diffusers, `huggingface-cli` and us:
/// `refs/{revision}` holds a commit sha, `blobs/{etag}` the file contents, and
/// `snapshots/{commit}/{path}` relative symlinks into `blobs/`.
struct HubCache {
    let root: URL
    let repo: HubRepo

    var folder: URL { root.appendingPathComponent(repo.cacheFolderName) }
    var blobs: URL { folder.appendingPathComponent("blobs") }

    func snapshot(_ commit: String) -> URL {
        folder.appendingPathComponent("snapshots").appendingPathComponent(commit)
    }

    func blob(_ etag: String) -> URL { blobs.appendingPathComponent(etag) }

    /// huggingface_hub's lock for a blob, so its processes and ours exclude each other too.
    func lock(_ etag: String) -> URL {
        root.appendingPathComponent(".locks").appendingPathComponent(repo.cacheFolderName)
            .appendingPathComponent("\(etag).lock")
    }

    func refFile(_ revision: String) -> URL {
        folder.appendingPathComponent("refs").appendingPathComponent(revision)
    }

    /// The commit a revision points at: the revision itself when it is a full sha, else
    /// what `refs/{revision}` records. Nil when neither is known.
    func commit(for revision: String) -> String? {
        if Self.isCommitHash(revision) { return revision }
        guard revision.split(separator: "/", omittingEmptySubsequences: false).allSatisfy({ ModelReference.isPathPart(String($0)) }),
              let text = try? String(contentsOf: refFile(revision), encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return Self.isSafeName(commit) ? commit : nil
    }

    func writeRef(revision: String, commit: String) throws {
        guard revision != commit else { return }
        let file = refFile(revision)
        try Self.createDirectory(file.deletingLastPathComponent())
        do {
            try Data(commit.utf8).write(to: file, options: .atomic)
        } catch {
            throw HubError.fileSystem(path: file.path, reason: "cannot write ref: \(error.localizedDescription)")
        }
    }

    /// The snapshot file for `path` when it exists and (if a link) resolves.
    func existingFile(_ path: String, commit: String) -> URL? {
        let url = snapshot(commit).appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue ? url : nil
    }

    /// Points `snapshots/{commit}/{path}` at `blobs/{etag}` with a relative link (`../../blobs/x`,
    /// one more `..` per folder in `path`), replacing any old link atomically.
    @discardableResult
    func link(_ path: String, commit: String, etag: String) throws -> URL {
        let url = snapshot(commit).appendingPathComponent(path)
        let depth = path.split(separator: "/").count - 1
        let target = String(repeating: "../", count: 2 + depth) + "blobs/" + etag
        try Self.createDirectory(url.deletingLastPathComponent())
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).link")
        guard symlink(target, temporary.path) == 0 else {
            throw HubError.fileSystem(path: url.path, reason: "cannot create link: \(String(cString: strerror(errno)))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw HubError.fileSystem(path: url.path, reason: "cannot create link: \(reason)")
        }
        return url
    }

    static func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(path: url.path, reason: "cannot create folder: \(error.localizedDescription)")
        }
    }

    static func isCommitHash(_ string: String) -> Bool {
        string.utf8.count == 40 && string.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A server-supplied name (commit, etag) that is safe as one file name.
    static func isSafeName(_ string: String) -> Bool {
        !string.isEmpty && string.utf8.count <= 200 && string != "." && string != ".."
            && string.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }
}
