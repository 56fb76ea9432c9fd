import Foundation

/// What a `HEAD .../resolve/{commit}/{path}` says about one file: the blob name, the size to
/// expect and where the bytes are (the CDN, for LFS files).
struct FileMetadata: Equatable {
    /// `X-Linked-Etag` (the sha256 of an LFS file) or `ETag`, without quotes or `W/`.
    let etag: String
    /// `X-Linked-Size`, or `Content-Length` of a direct answer; nil when the hub gave neither.
    let size: Int64?
    /// `X-Repo-Commit`.
    let commit: String?
    /// The redirect target for LFS files, else the resolve URL itself.
    let location: URL

    /// Strips `W/` and quotes: huggingface_hub names blobs by the bare tag.
    static func normalizeEtag(_ raw: String) -> String {
        var tag = raw.trimmingCharacters(in: .whitespaces)
        if tag.hasPrefix("W/") { tag.removeFirst(2) }
        return tag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}
