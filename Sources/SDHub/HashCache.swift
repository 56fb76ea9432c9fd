import Foundation

/// The JSON file of remembered hashes, keyed by absolute (symlink-resolved) path; an entry
/// counts only while the file's size and mtime are unchanged.
struct HashCache: Codable {
    var files: [String: HashCacheEntry] = [:]

    /// The cache at `url`, or an empty one when it is missing or unreadable (it is only a cache).
    static func load(_ url: URL) -> HashCache {
        guard let data = FileManager.default.contents(atPath: url.path),
              let cache = try? JSONDecoder().decode(HashCache.self, from: data) else { return HashCache() }
        return cache
    }

    /// Adds one entry to what is on disk now (another process may have added others) and
    /// writes the file atomically; failures are ignored, the hash is still right.
    static func store(_ entry: HashCacheEntry, for path: String, in url: URL) {
        var cache = load(url)
        cache.files[path] = entry
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(cache) else { return }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: url, options: .atomic)
    }
}
