import Foundation

/// Why a model could not be found in the cache or fetched from the hub; each message is one
/// line naming the repo (and file) so the CLI can print it as is.
public enum HubError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// `HF_HUB_OFFLINE` is set and the cache lacks these files (empty: no snapshot at all).
    case offlineNotCached(repo: String, revision: String, cacheFolder: String, missing: [String])
    /// 401/403: the repo is gated or private (or, as the hub answers anonymous callers, absent).
    case unauthorized(repo: String, file: String?, status: Int, tokenSent: Bool)
    /// 404: no such repo, revision or file.
    case notFound(repo: String, revision: String, file: String?)
    /// The connection failed, timed out or broke, after the retries.
    case network(repo: String, file: String?, reason: String)
    /// A download ended with a different number of bytes than the hub announced.
    case sizeMismatch(repo: String, file: String, expected: Int64, actual: Int64)
    /// The repo has no `model_index.json`; `checkpoints` are single files it could name instead.
    case notDiffusers(repo: String, checkpoints: [String])
    /// The hub answered something this client cannot use (status, headers, JSON).
    case badResponse(repo: String, file: String?, reason: String)
    /// The cache could not be written or read.
    case fileSystem(path: String, reason: String)
    /// The caller asked to stop (Ctrl-C); partial downloads stay and resume next time.
    case cancelled(repo: String, file: String)

    public var description: String {
        switch self {
        case let .offlineNotCached(repo, revision, folder, missing):
            let what = missing.isEmpty
                ? "no cached snapshot of revision '\(revision)'"
                : "missing \(Self.list(missing))"
            return "\(repo) is not fully in the hub cache (\(folder)): \(what); HF_HUB_OFFLINE is set, so nothing was downloaded"
        case let .unauthorized(repo, file, status, tokenSent):
            let advice = tokenSent
                ? "the token in HF_TOKEN has no access (accept the model's license on its page, or use a token with read access)"
                : "set HF_TOKEN to a token with access (and accept the model's license on its page)"
            return "\(Self.name(repo, file)): access refused (HTTP \(status)); the repo is gated, private or does not exist: \(advice)"
        case let .notFound(repo, revision, file):
            if let file { return "\(repo)@\(revision): file '\(file)' not found (HTTP 404)" }
            return "\(repo): repo or revision '\(revision)' not found (HTTP 404)"
        case let .network(repo, file, reason):
            return "\(Self.name(repo, file)): download failed: \(reason)"
        case let .sizeMismatch(repo, file, expected, actual):
            return "\(Self.name(repo, file)): downloaded \(actual) bytes, the hub announced \(expected); run again to retry"
        case let .notDiffusers(repo, checkpoints):
            let hint = checkpoints.isEmpty ? "" : "; to use a single checkpoint name it as \(repo)/\(checkpoints[0])"
                + (checkpoints.count > 1 ? " (also: \(Self.list(Array(checkpoints.dropFirst()))))" : "")
            return "\(repo) is not a diffusers repo (no model_index.json)\(hint)"
        case let .badResponse(repo, file, reason):
            return "\(Self.name(repo, file)): unexpected answer from the hub: \(reason)"
        case let .fileSystem(path, reason):
            return "\(path): \(reason)"
        case let .cancelled(repo, file):
            return "\(Self.name(repo, file)): download interrupted; run again to resume"
        }
    }

    public var errorDescription: String? { description }

    private static func name(_ repo: String, _ file: String?) -> String {
        file.map { "\(repo)/\($0)" } ?? repo
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 6 ? items.joined(separator: ", ") : items.prefix(6).joined(separator: ", ") + " and \(items.count - 6) more"
    }
}
