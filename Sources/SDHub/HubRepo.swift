import Foundation

/// A model repository on the Hugging Face hub and the revision asked for.
public struct HubRepo: Hashable, Sendable, CustomStringConvertible {
    public let owner: String
    public let name: String
    /// Branch, tag or commit sha; `main` unless the id said `@revision`.
    public let revision: String

    public init(owner: String, name: String, revision: String = "main") {
        self.owner = owner
        self.name = name
        self.revision = revision
    }

    /// `owner/name`, as the hub's URLs spell it.
    public var id: String { "\(owner)/\(name)" }

    /// huggingface_hub's folder for this repo in the cache, shared with diffusers and every
    /// other tool that uses the same cache.
    public var cacheFolderName: String { "models--\(owner)--\(name)" }

    public var description: String { revision == "main" ? id : "\(id)@\(revision)" }
}
