import Foundation

/// A remembered file hash, valid while the file keeps this size and modification time.
struct HashCacheEntry: Codable, Equatable {
    let size: Int64
    /// Modification time in nanoseconds since 1970.
    let mtime: Int64
    let sha256: String
}
