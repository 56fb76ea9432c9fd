/// A token cut out of the text before BPE (special tokens, textual-inversion tokens), as in
/// tokenizers' AddedVocabulary: `normalized` tokens are searched for in the normalized text,
/// the others in the raw text.
public struct CLIPAddedToken: Sendable, Equatable {
    public let content: String
    public let id: Int
    public let normalized: Bool

    public init(content: String, id: Int, normalized: Bool) {
        self.content = content
        self.id = id
        self.normalized = normalized
    }
}
