import Foundation

/// Where the hub and its cache are and how to talk to it, read from the environment variables
/// huggingface_hub reads. A value, so tests point it at a local server and a scratch cache
/// without touching the process environment.
public struct HubEnvironment: Sendable {
    /// Base URL of the hub (`HF_ENDPOINT`).
    public var endpoint: URL
    /// The hub cache shared with huggingface_hub and diffusers (`models--owner--name/...`).
    public var cacheRoot: URL
    /// Sent as `Authorization: Bearer` to the endpoint's host (gated and private repos).
    public var token: String?
    /// `HF_HUB_OFFLINE`: answer from the cache only, never open a connection.
    public var offline: Bool

    public static let defaultEndpoint = "https://huggingface.co"

    public init(endpoint: URL, cacheRoot: URL, token: String? = nil, offline: Bool = false) {
        self.endpoint = endpoint
        self.cacheRoot = cacheRoot
        self.token = token
        self.offline = offline
    }

    /// Reads `HF_ENDPOINT`, `HF_HUB_CACHE` / `HF_HOME` / `XDG_CACHE_HOME`, `HF_TOKEN` (or the token
    /// file `huggingface-cli login` writes) and `HF_HUB_OFFLINE` from `variables`.
    public init(variables: [String: String], homeDirectory: URL) {
        func value(_ name: String) -> String? {
            guard let raw = variables[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        func path(_ raw: String) -> URL {
            if raw == "~" { return homeDirectory }
            if raw.hasPrefix("~/") { return homeDirectory.appendingPathComponent(String(raw.dropFirst(2))) }
            return URL(fileURLWithPath: raw)
        }
        let cacheHome = value("XDG_CACHE_HOME").map(path) ?? homeDirectory.appendingPathComponent(".cache")
        let hfHome = value("HF_HOME").map(path) ?? cacheHome.appendingPathComponent("huggingface")
        let cacheRoot = (value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE")).map(path) ?? hfHome.appendingPathComponent("hub")

        var endpoint = value("HF_ENDPOINT") ?? Self.defaultEndpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        // an unparsable value stays visible: requests to a non-http URL fail naming it
        let endpointURL = URL(string: endpoint) ?? URL(fileURLWithPath: endpoint)

        var token = value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN")
        if token == nil {
            let tokenFile = value("HF_TOKEN_PATH").map(path) ?? hfHome.appendingPathComponent("token")
            token = (try? String(contentsOf: tokenFile, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if token?.isEmpty == true { token = nil }
        }
        let offline = value("HF_HUB_OFFLINE").map { ["1", "ON", "YES", "TRUE"].contains($0.uppercased()) } ?? false
        self.init(endpoint: endpointURL, cacheRoot: cacheRoot, token: token, offline: offline)
    }

    /// The environment of this process.
    public static var current: HubEnvironment {
        HubEnvironment(variables: ProcessInfo.processInfo.environment,
                       homeDirectory: FileManager.default.homeDirectoryForCurrentUser)
    }
}
