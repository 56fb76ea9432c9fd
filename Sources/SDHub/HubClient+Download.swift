import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension HubClient {
    /// Makes `snapshots/{commit}/{path}` exist: nothing to do when it already does, else a
    /// HEAD for the blob name, a download unless the blob is already there (another revision
    /// may share it), and the link.
    @discardableResult
    func fetch(_ path: String, repo: HubRepo, commit: String, number: Int, of count: Int) throws -> URL {
        let cache = HubCache(root: environment.cacheRoot, repo: repo)
        if let existing = cache.existingFile(path, commit: commit) { return existing }
        let metadata = try head(path, repo: repo, commit: commit)
        let blob = cache.blob(metadata.etag)
        if !Self.isComplete(blob, size: metadata.size) {
            let lock = try FileLock(cache.lock(metadata.etag))
            defer { lock.unlock() }
            // another process may have finished it while we waited for the lock
            if !Self.isComplete(blob, size: metadata.size) {
                try download(metadata, to: blob, path: path, repo: repo, number: number, of: count)
            }
        }
        return try cache.link(path, commit: commit, etag: metadata.etag)
    }

    /// `HEAD {endpoint}/{repo}/resolve/{commit}/{path}` without following the redirect to the
    /// CDN, whose answer lacks the hub's headers. A relative redirect without `X-Linked-Etag`
    /// (a renamed repo) is followed.
    func head(_ path: String, repo: HubRepo, commit: String) throws -> FileMetadata {
        var url = try endpointURL("\(repo.id)/resolve/\(commit)/\(Self.percentEncode(path, keepSlash: true))", repo: repo)
        for _ in 0..<5 {
            var request = URLRequest(url: url)
            request.httpMethod = "HEAD"
            let (response, _) = try withRetries(repo: repo, file: path) {
                try http.send(authorized(request), followRedirects: false)
            }
            let status = response.statusCode
            func header(_ name: String) -> String? { HTTPClient.header(name, in: response) }
            let linkedEtag = header("X-Linked-Etag")
            var location = url
            if (300..<400).contains(status) {
                guard let target = header("Location"), let resolved = URL(string: target, relativeTo: url)?.absoluteURL else {
                    throw HubError.badResponse(repo: repo.id, file: path, reason: "HTTP \(status) without a Location")
                }
                if linkedEtag == nil, target.hasPrefix("/") {
                    url = resolved
                    continue
                }
                location = resolved
            } else if !(200..<300).contains(status) {
                throw statusError(status, repo: repo, file: path)
            }
            guard let rawEtag = linkedEtag ?? header("ETag") else {
                throw HubError.badResponse(repo: repo.id, file: path, reason: "no ETag; is HF_ENDPOINT a Hugging Face hub?")
            }
            let etag = FileMetadata.normalizeEtag(rawEtag)
            guard HubCache.isSafeName(etag) else {
                throw HubError.badResponse(repo: repo.id, file: path, reason: "unusable ETag '\(rawEtag)'")
            }
            let sizeText = header("X-Linked-Size") ?? ((200..<300).contains(status) ? header("Content-Length") : nil)
            return FileMetadata(etag: etag, size: sizeText.flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) },
                                commit: header("X-Repo-Commit"), location: location)
        }
        throw HubError.badResponse(repo: repo.id, file: path, reason: "too many redirects")
    }

    /// Downloads into `blobs/{etag}.incomplete`, resuming a partial file with `Range`, then
    /// renames it to the blob once its size is the announced one. Broken connections are
    /// retried from where they stopped.
    func download(_ metadata: FileMetadata, to blob: URL, path: String, repo: HubRepo, number: Int, of count: Int) throws {
        let partial = URL(fileURLWithPath: blob.path + ".incomplete")
        try HubCache.createDirectory(blob.deletingLastPathComponent())
        if !FileManager.default.fileExists(atPath: partial.path) {
            guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
                throw HubError.fileSystem(path: partial.path, reason: "cannot create file")
            }
        }
        let handle: FileHandle
        do {
            handle = try FileHandle(forUpdating: partial)
        } catch {
            throw HubError.fileSystem(path: partial.path, reason: "cannot open: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        func fileError(_ error: Error) -> HubError {
            (error as? HubError) ?? .fileSystem(path: partial.path, reason: error.localizedDescription)
        }

        var meter = ProgressMeter(file: path, fileIndex: number, fileCount: count, total: metadata.size, startBytes: 0)
        var written: Int64 = 0
        do {
            written = Int64(try handle.seekToEnd())
        } catch {
            throw fileError(error)
        }
        meter.restart(at: written)
        if let report = meter.report(written, force: true) { progress?(report) }

        try withRetries(repo: repo, file: path) {
            do {
                written = Int64(try handle.seekToEnd())
                if let size = metadata.size, written > size {
                    try handle.truncate(atOffset: 0)
                    written = 0
                }
            } catch {
                throw fileError(error)
            }
            if let size = metadata.size, written == size { return }
            meter.restart(at: written)
            let offset = written
            var request = URLRequest(url: metadata.location)
            if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
            var ignoreBody = false
            _ = try http.stream(authorized(request), followRedirects: true, onResponse: { response in
                switch response.statusCode {
                case 206:
                    let range = HTTPClient.header("Content-Range", in: response) ?? ""
                    guard range.hasPrefix("bytes \(offset)-") else {
                        throw HubError.badResponse(repo: repo.id, file: path, reason: "Content-Range '\(range)' does not start at byte \(offset)")
                    }
                case 200 where offset > 0:
                    // the server ignored the range: start over
                    do {
                        try handle.truncate(atOffset: 0)
                    } catch {
                        throw fileError(error)
                    }
                    written = 0
                    meter.restart(at: 0)
                case 200:
                    break
                case 416 where metadata.size == offset:
                    ignoreBody = true
                case 416:
                    try? handle.truncate(atOffset: 0)
                    written = 0
                    throw HubError.network(repo: repo.id, file: path, reason: "range not satisfiable; restarting")
                default:
                    throw self.statusError(response.statusCode, repo: repo, file: path)
                }
            }, onData: { data in
                guard !ignoreBody else { return }
                if self.shouldCancel?() == true { throw HubError.cancelled(repo: repo.id, file: path) }
                do {
                    try handle.write(contentsOf: data)
                } catch {
                    throw fileError(error)
                }
                written += Int64(data.count)
                if let report = meter.report(written) { self.progress?(report) }
            })
            if let size = metadata.size, written < size {
                throw HubError.network(repo: repo.id, file: path, reason: "connection closed after \(written) of \(size) bytes")
            }
        }
        do {
            try handle.synchronize()
        } catch {
            throw fileError(error)
        }
        if let size = metadata.size, written != size {
            try? FileManager.default.removeItem(at: partial)
            throw HubError.sizeMismatch(repo: repo.id, file: path, expected: size, actual: written)
        }
        if let report = meter.report(written, force: true, finished: true) { progress?(report) }
        guard rename(partial.path, blob.path) == 0 else {
            throw HubError.fileSystem(path: blob.path, reason: "cannot move the download into place: \(String(cString: strerror(errno)))")
        }
    }

    /// A blob is usable when it exists with the announced size.
    static func isComplete(_ blob: URL, size: Int64?) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: blob.path),
              (attributes[.type] as? FileAttributeType) == .typeRegular else { return false }
        guard let size else { return true }
        return (attributes[.size] as? NSNumber)?.int64Value == size
    }
}
