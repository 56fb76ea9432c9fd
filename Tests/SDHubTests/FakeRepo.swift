import Foundation

/// A repo the fake hub serves: repo-relative names mapped onto existing fixture files (so the
/// tests add no files of their own), a commit, and an optional token that gates it.
struct FakeRepo {
    let files: [String: URL]
    let commit: String
    var token: String?

    init(files: [String: URL], commit: String, token: String? = nil) {
        self.files = files
        self.commit = commit
        self.token = token
    }

    /// LFS files: the hub redirects their downloads to its CDN and names them by sha256.
    static func isLFS(_ path: String) -> Bool {
        path.hasSuffix(".safetensors") || path.hasSuffix(".ckpt") || path.hasSuffix(".bin") || path.hasSuffix(".msgpack")
            || path.hasSuffix(".onnx")
    }
}
