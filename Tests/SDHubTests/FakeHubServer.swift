import Foundation
import Glibc
@testable import SDHub

/// A small HTTP/1.1 server on 127.0.0.1 (ephemeral port, a thread per connection, one request
/// per connection) that answers like huggingface.co: the repo API, `resolve/` with the hub's
/// headers, 302 redirects of LFS files to `/cdn/...`, `Range` requests, and failure modes the
/// tests switch on (cut connections, ignored ranges, wrong sizes, a server that never answers).
final class FakeHubServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let repos: [String: FakeRepo]
    private let lock = NSLock()
    private var log: [RecordedRequest] = []
    private var cuts: [String: Int] = [:]
    private var stopped = false

    /// Answer range requests with the whole file (200), as some proxies do.
    var ignoreRange = false
    /// Announce this many bytes fewer than the file has, for the given repo-relative path.
    var sizeShortfall: [String: Int64] = [:]
    /// Never answer requests for paths containing any of these strings (until the server stops).
    var stall: Set<String> = []

    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }

    init(repos: [String: FakeRepo]) throws {
        self.repos = repos
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        port = UInt16(bigEndian: actual.sin_port)
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Everything received so far, in order.
    var requests: [RecordedRequest] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }

    func clearLog() {
        lock.lock()
        log.removeAll()
        lock.unlock()
    }

    /// The next download of `path` (repo-relative) sends this many body bytes, then hangs up.
    func cutOnce(_ path: String, after bytes: Int) {
        lock.lock()
        cuts[path] = bytes
        lock.unlock()
    }

    /// Closes the listening socket once; later calls do nothing (the descriptor may be reused).
    func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if isStopped || errno == EBADF || errno == EINVAL { return }
                continue
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            Thread { [self] in
                handle(connection)
                close(connection)
            }.start()
        }
    }

    private func handle(_ connection: Int32) {
        guard let request = readRequest(connection) else { return }
        lock.lock()
        log.append(request)
        lock.unlock()
        if stall.contains(where: { request.path.contains($0) }) {
            while !isStopped { usleep(50_000) }
            return
        }
        respond(to: request, on: connection)
    }

    private func readRequest(_ connection: Int32) -> RecordedRequest? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        while buffer.count < 65536 {
            let n = recv(connection, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
            if buffer.count >= 4, (0...(buffer.count - 4)).contains(where: { Array(buffer[$0..<$0 + 4]) == terminator }) { break }
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let target = String(requestLine[1]).split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        return RecordedRequest(method: String(requestLine[0]), path: target.removingPercentEncoding ?? target, headers: headers)
    }

    private func respond(to request: RecordedRequest, on connection: Int32) {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if parts.count >= 6, parts[0] == "api", parts[1] == "models", parts[4] == "revision" {
            return api(repoID: "\(parts[2])/\(parts[3])", revision: parts[5...].joined(separator: "/"), request, connection)
        }
        if parts.count >= 4, parts[0] == "cdn" {
            let repoID = "\(parts[1])/\(parts[2])"
            guard let repo = repos[repoID] else { return send(connection, 404, [:], Data()) }
            return serveFile(repo: repo, path: parts[3...].joined(separator: "/"), request, connection)
        }
        if parts.count >= 5, parts[2] == "resolve" {
            return resolve(repoID: "\(parts[0])/\(parts[1])", revision: parts[3], path: parts[4...].joined(separator: "/"), request, connection)
        }
        send(connection, 404, [:], Data())
    }

    /// The token check the hub makes for gated repos.
    private func authorized(_ repo: FakeRepo, _ request: RecordedRequest) -> Bool {
        guard let token = repo.token else { return true }
        return request.headers["authorization"] == "Bearer \(token)"
    }

    private func api(repoID: String, revision: String, _ request: RecordedRequest, _ connection: Int32) {
        guard let repo = repos[repoID] else { return send(connection, 404, ["X-Error-Code": "RepoNotFound"], Data()) }
        guard authorized(repo, request) else { return send(connection, 401, ["X-Error-Code": "GatedRepo"], Data()) }
        guard revision == "main" || revision == repo.commit else {
            return send(connection, 404, ["X-Error-Code": "RevisionNotFound"], Data())
        }
        let siblings = repo.files.keys.sorted().map { ["rfilename": $0] }
        let body = (try? JSONSerialization.data(withJSONObject: ["id": repoID, "sha": repo.commit, "siblings": siblings] as [String: Any])) ?? Data()
        send(connection, 200, ["Content-Type": "application/json"], body)
    }

    private func resolve(repoID: String, revision: String, path: String, _ request: RecordedRequest, _ connection: Int32) {
        guard let repo = repos[repoID] else { return send(connection, 404, ["X-Error-Code": "RepoNotFound"], Data()) }
        guard authorized(repo, request) else { return send(connection, 401, ["X-Error-Code": "GatedRepo"], Data()) }
        guard revision == "main" || revision == repo.commit, let file = repo.files[path],
              let data = FileManager.default.contents(atPath: file.path) else {
            return send(connection, 404, ["X-Error-Code": "EntryNotFound"], Data())
        }
        let sha = ModelHash.sha256(data) ?? ""
        let size = Int64(data.count) - (sizeShortfall[path] ?? 0)
        if FakeRepo.isLFS(path) {
            send(connection, 302, ["Location": "/cdn/\(repoID)/\(path)", "X-Linked-Etag": "\"\(sha)\"", "X-Linked-Size": "\(size)",
                                   "ETag": "W/\"redirect-\(sha.prefix(8))\"", "X-Repo-Commit": repo.commit], Data())
        } else {
            let gitSHA = String(sha.prefix(40))
            send(connection, 200, ["ETag": "\"\(gitSHA)\"", "X-Repo-Commit": repo.commit, "Content-Length": "\(size)"],
                 request.method == "HEAD" ? Data() : data)
        }
    }

    /// The CDN: whole files or `Range: bytes=N-`, optionally hanging up part way.
    private func serveFile(repo: FakeRepo, path: String, _ request: RecordedRequest, _ connection: Int32) {
        guard let file = repo.files[path], let data = FileManager.default.contents(atPath: file.path) else {
            return send(connection, 404, [:], Data())
        }
        var start = 0
        if !ignoreRange, let range = request.headers["range"], range.hasPrefix("bytes="), range.hasSuffix("-"),
           let first = Int(range.dropFirst(6).dropLast()) {
            guard first < data.count else {
                return send(connection, 416, ["Content-Range": "bytes */\(data.count)"], Data())
            }
            start = first
        }
        var headers = ["Content-Length": "\(data.count - start)", "Content-Type": "application/octet-stream"]
        if start > 0 { headers["Content-Range"] = "bytes \(start)-\(data.count - 1)/\(data.count)" }
        var body = data.subdata(in: start..<data.count)
        lock.lock()
        let cut = cuts.removeValue(forKey: path)
        lock.unlock()
        if let cut { body = body.prefix(cut) }
        send(connection, start > 0 ? 206 : 200, headers, request.method == "HEAD" ? Data() : body)
    }

    /// Writes one response and ends the connection; an explicit Content-Length wins over the
    /// body's (HEAD answers and cut downloads announce more than they send).
    private func send(_ connection: Int32, _ status: Int, _ headers: [String: String], _ body: Data) {
        let reasons = [200: "OK", 206: "Partial Content", 302: "Found", 401: "Unauthorized", 404: "Not Found", 416: "Range Not Satisfiable"]
        var head = "HTTP/1.1 \(status) \(reasons[status] ?? "Status")\r\n"
        var headers = headers
        if headers["Content-Length"] == nil { headers["Content-Length"] = "\(body.count)" }
        headers["Connection"] = "close"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var bytes = Data(head.utf8)
        bytes.append(body)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = Glibc.send(connection, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                offset += n
            }
        }
        shutdown(connection, Int32(SHUT_WR))
    }
}
