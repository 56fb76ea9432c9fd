import Foundation

/// What `GET /api/models/{repo}/revision/{revision}` says: the commit the revision is at, and
/// every file in the repo at that commit.
struct RepoInfo: Equatable {
    let commit: String
    let files: [String]

    /// Nil unless the JSON has a usable `sha` and a `siblings` list; file names that could
    /// climb out of a snapshot folder are dropped.
    init?(json: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any],
              let sha = object["sha"] as? String, HubCache.isSafeName(sha),
              let siblings = object["siblings"] as? [Any] else { return nil }
        commit = sha
        files = siblings.compactMap { sibling in
            guard let name = (sibling as? [String: Any])?["rfilename"] as? String,
                  name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy({ ModelReference.isPathPart(String($0)) })
            else { return nil }
            return name
        }
    }

    /// Single-file checkpoints anywhere in the repo, for the not-a-diffusers-repo hint.
    var checkpoints: [String] {
        files.filter { ModelReference.checkpointExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
    }
}
