/// CLIP's BPE tokenizer, token for token what diffusers' pipelines get from transformers 5.24's
/// `CLIPTokenizer` (the only one transformers 5 has: backed by the tokenizers library, so ftfy and
/// HTML unescaping never apply). Text goes through: added-token split on the raw text, NFC +
/// whitespace collapse + lowercase, added-token split on the normalized text, CLIP's regex
/// pre-tokenizer, byte-level BPE with `</w>` word ends.
public struct CLIPTokenizer: Sendable {
    /// Which token pads the 77-token sequence (and which special tokens come with it).
    public enum PadStyle: Sendable {
        /// SD 1.x (openai/clip-vit-large-patch14): pad with `<|endoftext|>` (49407).
        case endOfText
        /// SD 2.x (stabilityai/stable-diffusion-2-1/tokenizer): pad with "!" (id 0). The pad token is
        /// then an added token too, so every "!" in a prompt becomes id 0, never a BPE merge.
        case exclamation
    }

    public static let startOfText = "<|startoftext|>"
    public static let endOfText = "<|endoftext|>"

    public let bosTokenId: Int
    public let eosTokenId: Int
    public let padTokenId: Int
    /// `model_max_length` of the tokenizer config (77 for every SD checkpoint).
    public let modelMaxLength: Int
    /// Tokens matched verbatim before BPE, in the order they were registered.
    public let addedTokens: [CLIPAddedToken]

    let encoder: BytePairEncoder
    private let matcher: AddedTokenMatcher

    init(encoder: BytePairEncoder, addedTokens: [CLIPAddedToken], bosTokenId: Int, eosTokenId: Int,
         padTokenId: Int, modelMaxLength: Int) {
        self.encoder = encoder
        self.addedTokens = addedTokens
        self.matcher = AddedTokenMatcher(addedTokens)
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        self.padTokenId = padTokenId
        self.modelMaxLength = modelMaxLength
    }

    /// Token -> id (vocab.json, or the one derived from merges for the bundled tokenizer).
    public var vocabulary: [String: Int] { encoder.vocabulary }

    /// Ids of `text` without start/end tokens, truncation or padding.
    public func encode(_ text: String) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        let scalars = Array(text.unicodeScalars)
        matcher.splitRaw(scalars[...]) { piece in
            switch piece {
            case .token(let id):
                ids.append(id)
            case .text(let raw):
                let normalized = CLIPTextNormalizer.normalize(raw)
                matcher.splitNormalized(normalized[...]) { piece in
                    switch piece {
                    case .token(let id):
                        ids.append(id)
                    case .text(let segment):
                        CLIPPreTokenizer.forEachWord(in: Array(segment)) { word in
                            encoder.encode(word: word, into: &ids)
                        }
                    }
                }
            }
        }
        return ids
    }

    /// What `tokenizer(text, padding="max_length", max_length=maxLength, truncation=True)` returns:
    /// at most `maxLength - 2` text tokens between `<|startoftext|>` and `<|endoftext|>`, then pad
    /// tokens up to `maxLength`. `tokens` are the vocabulary strings of `ids`.
    public func tokenize(_ text: String, maxLength: Int = 77) -> (ids: [Int], tokens: [String]) {
        let body = encode(text).prefix(max(0, maxLength - 2))
        var ids = [bosTokenId] + body + [eosTokenId]
        if ids.count < maxLength { ids += Array(repeating: padTokenId, count: maxLength - ids.count) }
        return (ids, ids.map(decodeToken))
    }

    /// The vocabulary string of `id` (e.g. "photo</w>"), or "" for an id outside the vocabulary.
    public func decodeToken(_ id: Int) -> String {
        if let token = encoder.token(for: id) { return token }
        return addedTokens.last(where: { $0.id == id })?.content ?? ""
    }
}
