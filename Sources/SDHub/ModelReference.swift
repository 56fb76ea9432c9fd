import Foundation

/// What a `--model` string names: a local file or folder, a diffusers repo on the hub, or one
/// checkpoint file inside a hub repo.
public enum ModelReference: Hashable, Sendable {
    case local(URL)
    /// `owner/name[@revision]`: a repo in diffusers layout (`model_index.json` at its root).
    case diffusers(HubRepo)
    /// `owner/name[@revision]/path/file.safetensors` (or `.ckpt`): one single-file checkpoint.
    case singleFile(HubRepo, path: String)

    /// Reads a `--model` string. A string that exists as a local path always means that path;
    /// so does anything that starts like a path (`/`, `.`, `~`) or ends like a file name
    /// without naming a repo file, so a mistyped path reports a missing file, not a hub error.
    public init(_ string: String, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) {
        let expanded = string.hasPrefix("~/") ? NSString(string: string).expandingTildeInPath : string
        let local = ModelReference.local(URL(fileURLWithPath: expanded))
        guard !fileExists(expanded), let first = string.first, !"/.~".contains(first) else {
            self = local
            return
        }
        let parts = string.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, Self.isRepoPart(parts[0]) else {
            self = local
            return
        }
        let nameAndRevision = parts[1].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = nameAndRevision[0]
        let revision = nameAndRevision.count == 2 ? nameAndRevision[1] : nil
        guard Self.isRepoPart(name), revision.map({ !$0.isEmpty }) ?? true else {
            self = local
            return
        }
        let rest = Array(parts.dropFirst(2))
        if let last = rest.last, Self.checkpointExtensions.contains((last as NSString).pathExtension.lowercased()) {
            guard rest.allSatisfy(Self.isPathPart) else {
                self = local
                return
            }
            self = .singleFile(HubRepo(owner: parts[0], name: name, revision: revision ?? "main"),
                               path: rest.joined(separator: "/"))
        } else if rest.isEmpty {
            let looksLikeFile = Self.fileExtensions.contains((name as NSString).pathExtension.lowercased())
            self = looksLikeFile && revision == nil ? local : .diffusers(HubRepo(owner: parts[0], name: name, revision: revision ?? "main"))
        } else if let revision, rest.allSatisfy(Self.isPathPart) {
            // branch names such as `refs/pr/1` contain slashes
            self = .diffusers(HubRepo(owner: parts[0], name: name, revision: ([revision] + rest).joined(separator: "/")))
        } else {
            self = local
        }
    }

    /// Extensions a single-file checkpoint in a repo may have.
    static let checkpointExtensions: Set<String> = ["safetensors", "ckpt"]
    /// Extensions that make `a/b.ext` a (missing) local file rather than a repo id.
    static let fileExtensions: Set<String> = ["safetensors", "ckpt", "pt", "pth", "bin", "yaml", "yml", "json", "onnx", "gguf"]

    /// The hub's rule for owner and repo names: letters, digits, `-`, `_`, `.`, not starting or
    /// ending with `-`/`.`, no `--` or `..`, at most 96 characters.
    static func isRepoPart(_ part: String) -> Bool {
        guard !part.isEmpty, part.count <= 96, !part.contains("--"), !part.contains("..") else { return false }
        guard let first = part.first, let last = part.last, !"-.".contains(first), !"-.".contains(last) else { return false }
        return part.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    /// A path component that cannot climb out of the snapshot folder.
    static func isPathPart(_ part: String) -> Bool {
        !part.isEmpty && part != "." && part != ".." && !part.contains("\\") && !part.contains("\0")
    }
}
