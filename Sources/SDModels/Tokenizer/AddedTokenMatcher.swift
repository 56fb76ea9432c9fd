/// Splits text at added tokens, leftmost match first and the longest one where several start
/// together (tokenizers' Aho-Corasick `LeftmostLongest`).
struct AddedTokenMatcher: Sendable {
    enum Piece {
        case text(ArraySlice<Unicode.Scalar>)
        case token(Int)
    }

    private struct Pattern: Sendable {
        let scalars: [Unicode.Scalar]
        let id: Int
    }

    private let raw: [Pattern]
    private let normalized: [Pattern]

    /// Later entries with the same content replace earlier ones, as `add_tokens` does.
    init(_ tokens: [CLIPAddedToken]) {
        // Keyed by bytes: String equality (canonical equivalence) would merge distinct tokens.
        var latest: [[UInt8]: CLIPAddedToken] = [:]
        var order: [[UInt8]] = []
        for token in tokens where !token.content.isEmpty {
            let key = Array(token.content.utf8)
            if latest.updateValue(token, forKey: key) == nil { order.append(key) }
        }
        let unique = order.compactMap { latest[$0] }
        func patterns(_ tokens: [CLIPAddedToken], normalize: Bool) -> [Pattern] {
            tokens.map { token in
                let scalars = Array(token.content.unicodeScalars)
                return Pattern(scalars: normalize ? CLIPTextNormalizer.normalize(scalars[...]) : scalars, id: token.id)
            }
            .filter { !$0.scalars.isEmpty }
            .sorted { $0.scalars.count > $1.scalars.count }
        }
        raw = patterns(unique.filter { !$0.normalized }, normalize: false)
        normalized = patterns(unique.filter { $0.normalized }, normalize: true)
    }

    func splitRaw(_ text: ArraySlice<Unicode.Scalar>, _ body: (Piece) -> Void) {
        Self.split(text, raw, body)
    }

    func splitNormalized(_ text: ArraySlice<Unicode.Scalar>, _ body: (Piece) -> Void) {
        Self.split(text, normalized, body)
    }

    private static func split(_ text: ArraySlice<Unicode.Scalar>, _ patterns: [Pattern], _ body: (Piece) -> Void) {
        guard !patterns.isEmpty else {
            body(.text(text))
            return
        }
        var start = text.startIndex
        var index = start
        while index < text.endIndex {
            let scalar = text[index]
            // Patterns are sorted longest first, so the first hit is the longest at this position.
            if let hit = patterns.first(where: { $0.scalars[0] == scalar && text[index...].starts(with: $0.scalars) }) {
                if start < index { body(.text(text[start..<index])) }
                body(.token(hit.id))
                index += hit.scalars.count
                start = index
            } else {
                index += 1
            }
        }
        if start < text.endIndex { body(.text(text[start..<text.endIndex])) }
    }
}
