import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Turns a `--model` string into a local path: local paths as they are, hub repo ids through
/// the shared huggingface_hub cache, downloading (resumably) only what the cache lacks.
/// A model already complete in the cache costs no request at all.
public final class HubClient {
    public let environment: HubEnvironment
    public let options: HubDownloadOptions
    let progress: ((HubProgress) -> Void)?
    let shouldCancel: (() -> Bool)?
    let http: HTTPClient

    /// `progress` is called on a background thread, one call at a time, while a download runs;
    /// `shouldCancel` is polled during downloads (Ctrl-C) and stops them with `HubError.cancelled`.
    public init(environment: HubEnvironment = .current, options: HubDownloadOptions = HubDownloadOptions(),
                progress: ((HubProgress) -> Void)? = nil, shouldCancel: (() -> Bool)? = nil) {
        self.environment = environment
        self.options = options
        self.progress = progress
        self.shouldCancel = shouldCancel
        self.http = HTTPClient(timeout: options.requestTimeout)
    }

    /// The local file or folder a `--model` string stands for.
    public func resolve(_ model: String) throws -> URL {
        try resolve(ModelReference(model))
    }

    /// The local file or folder a parsed reference stands for.
    public func resolve(_ reference: ModelReference) throws -> URL {
        switch reference {
        case .local(let url): return url
        case .diffusers(let repo): return try snapshot(of: repo)
        case let .singleFile(repo, path): return try file(path, in: repo)
        }
    }

    /// The snapshot folder of a diffusers repo holding every file we load.
    public func snapshot(of repo: HubRepo) throws -> URL {
        let cache = HubCache(root: environment.cacheRoot, repo: repo)
        if let commit = cache.commit(for: repo.revision) {
            let folder = cache.snapshot(commit)
            let missing = DiffusersFiles.missing(in: folder, variant: options.variant, strictVariant: !environment.offline)
            if missing.isEmpty { return folder }
            if environment.offline {
                throw HubError.offlineNotCached(repo: repo.id, revision: repo.revision, cacheFolder: cache.folder.path, missing: missing)
            }
        } else if environment.offline {
            throw HubError.offlineNotCached(repo: repo.id, revision: repo.revision, cacheFolder: cache.folder.path, missing: [])
        }

        let info: RepoInfo
        do {
            info = try repoInfo(repo)
        } catch HubError.network(let id, let file, let reason) {
            // unreachable hub: a snapshot that only lacks a variant's own weights still loads
            if let commit = cache.commit(for: repo.revision),
               DiffusersFiles.missing(in: cache.snapshot(commit), variant: options.variant, strictVariant: false).isEmpty {
                return cache.snapshot(commit)
            }
            throw HubError.network(repo: id, file: file, reason: reason)
        }
        guard info.files.contains("model_index.json") else {
            throw HubError.notDiffusers(repo: repo.id, checkpoints: info.checkpoints)
        }
        try cache.writeRef(revision: repo.revision, commit: info.commit)
        let indexFile = try fetch("model_index.json", repo: repo, commit: info.commit, number: 1, of: 1)
        guard let data = FileManager.default.contents(atPath: indexFile.path),
              let components = DiffusersFiles.components(modelIndex: data) else {
            throw HubError.badResponse(repo: repo.id, file: "model_index.json", reason: "not a JSON object")
        }
        let wanted = DiffusersFiles.select(files: info.files, components: components, variant: options.variant)
        let pending = wanted.filter { cache.existingFile($0, commit: info.commit) == nil }
        for (position, path) in pending.enumerated() {
            try fetch(path, repo: repo, commit: info.commit, number: position + 1, of: pending.count)
        }
        return cache.snapshot(info.commit)
    }

    /// One file of a repo (a single-file checkpoint), with its sibling `.yaml` of the same
    /// stem when the repo has one (the original LDM config the loader reads beside it).
    public func file(_ path: String, in repo: HubRepo) throws -> URL {
        let cache = HubCache(root: environment.cacheRoot, repo: repo)
        if let commit = cache.commit(for: repo.revision), let url = cache.existingFile(path, commit: commit) {
            return url
        }
        if environment.offline {
            throw HubError.offlineNotCached(repo: repo.id, revision: repo.revision, cacheFolder: cache.folder.path, missing: [path])
        }
        let info = try repoInfo(repo)
        guard info.files.contains(path) else { throw HubError.notFound(repo: repo.id, revision: repo.revision, file: path) }
        try cache.writeRef(revision: repo.revision, commit: info.commit)
        let yaml = (path as NSString).deletingPathExtension + ".yaml"
        let pending = [path] + (info.files.contains(yaml) && cache.existingFile(yaml, commit: info.commit) == nil ? [yaml] : [])
        var result: URL?
        for (position, name) in pending.enumerated() {
            let url = try fetch(name, repo: repo, commit: info.commit, number: position + 1, of: pending.count)
            if name == path { result = url }
        }
        return result ?? cache.snapshot(info.commit).appendingPathComponent(path)
    }

    /// `GET /api/models/{repo}/revision/{revision}`: the commit and the file list.
    func repoInfo(_ repo: HubRepo) throws -> RepoInfo {
        let url = try endpointURL("api/models/\(repo.id)/revision/\(Self.percentEncode(repo.revision, keepSlash: false))", repo: repo)
        let (response, body) = try withRetries(repo: repo, file: nil) {
            try http.send(authorized(URLRequest(url: url)), followRedirects: true)
        }
        guard response.statusCode == 200 else { throw statusError(response.statusCode, repo: repo, file: nil) }
        guard let info = RepoInfo(json: body) else {
            throw HubError.badResponse(repo: repo.id, file: nil, reason: "the repo listing is not the expected JSON (sha, siblings)")
        }
        return info
    }

    /// `{endpoint}/{path}`, refusing endpoints that are not http(s).
    func endpointURL(_ path: String, repo: HubRepo) throws -> URL {
        let base = environment.endpoint.absoluteString
        guard ["http", "https"].contains(environment.endpoint.scheme?.lowercased() ?? ""),
              let url = URL(string: base + (base.hasSuffix("/") ? "" : "/") + path) else {
            throw HubError.network(repo: repo.id, file: nil, reason: "HF_ENDPOINT '\(base)' is not an http(s) URL")
        }
        return url
    }

    /// Adds the token, but only for the hub's own host: redirects to a CDN must not carry it.
    func authorized(_ request: URLRequest) -> URLRequest {
        var request = request
        if let token = environment.token, request.url?.host == environment.endpoint.host {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        return request
    }

    /// The error for an HTTP status that is not a success.
    func statusError(_ status: Int, repo: HubRepo, file: String?) -> HubError {
        switch status {
        case 401, 403: return .unauthorized(repo: repo.id, file: file, status: status, tokenSent: environment.token != nil)
        case 404: return .notFound(repo: repo.id, revision: repo.revision, file: file)
        case 429, 500...599: return .network(repo: repo.id, file: file, reason: "HTTP \(status) from \(environment.endpoint.host ?? "the hub")")
        default: return .badResponse(repo: repo.id, file: file, reason: "HTTP \(status)")
        }
    }

    /// Runs `body` until it succeeds or has failed `maxAttempts` times with a network error
    /// (transport failures and 429/5xx); every other error ends at once.
    func withRetries<T>(repo: HubRepo, file: String?, _ body: () throws -> T) throws -> T {
        var delay = options.retryDelay
        var attempt = 1
        while true {
            if shouldCancel?() == true { throw HubError.cancelled(repo: repo.id, file: file ?? "") }
            let failure: HubError
            do {
                return try body()
            } catch let error as HubError {
                guard case .network = error else { throw error }
                failure = error
            } catch {
                failure = .network(repo: repo.id, file: file, reason: Self.describe(error))
            }
            guard attempt < options.maxAttempts else { throw failure }
            attempt += 1
            Thread.sleep(forTimeInterval: delay)
            delay *= 2
        }
    }

    /// A transport error in a few words (URLSession's own texts are long or empty on Linux).
    static func describe(_ error: Error) -> String {
        let error = error as NSError
        switch (error.domain, error.code) {
        case (NSURLErrorDomain, NSURLErrorTimedOut): return "timed out"
        case (NSURLErrorDomain, NSURLErrorCannotConnectToHost): return "cannot connect to the server"
        case (NSURLErrorDomain, NSURLErrorCannotFindHost): return "unknown host"
        case (NSURLErrorDomain, NSURLErrorNetworkConnectionLost): return "connection lost"
        case (NSURLErrorDomain, NSURLErrorNotConnectedToInternet): return "not connected to the internet"
        default:
            let text = error.localizedDescription
            return text.isEmpty ? "\(error.domain) error \(error.code)" : text
        }
    }

    /// RFC 3986 percent-encoding as huggingface_hub's `quote` does it.
    static func percentEncode(_ string: String, keepSlash: Bool) -> String {
        let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~" + (keepSlash ? "/" : "")
        return string.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: unreserved)) ?? string
    }
}
