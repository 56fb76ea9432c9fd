/// CLIP's pre-tokenizer as transformers 5 configures tokenizers: keep the matches of
/// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
/// (drop the rest), then ByteLevel's GPT-2 split, which only changes the two special-token
/// literals (into "<|", the name, "|>"): every other match is already one GPT-2 word.
enum CLIPPreTokenizer {
    private static let specialLiterals: [[Unicode.Scalar]] = ["<|startoftext|>", "<|endoftext|>"].map { Array($0.unicodeScalars) }

    /// Calls `body` with each word of the normalized `text`, in order.
    static func forEachWord(in text: [Unicode.Scalar], _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
        let count = text.count
        var index = 0
        while index < count {
            let scalar = text[index]
            if scalar == "<", let literal = specialLiterals.first(where: { text[index...].starts(with: $0) }) {
                let end = index + literal.count
                body(text[index..<index + 2])
                body(text[index + 2..<end - 2])
                body(text[end - 2..<end])
                index = end
                continue
            }
            if scalar == "'", let length = contractionLength(text, at: index) {
                body(text[index..<index + length])
                index += length
                continue
            }
            switch CLIPCharacterClass.of(scalar) {
            case .space:
                index += 1
            case .number:
                body(text[index..<index + 1])
                index += 1
            case .letter:
                let start = index
                index += 1
                while index < count, CLIPCharacterClass.of(text[index]) == .letter { index += 1 }
                body(text[start..<index])
            case .other:
                let start = index
                index += 1
                while index < count, CLIPCharacterClass.of(text[index]) == .other { index += 1 }
                body(text[start..<index])
            }
        }
    }

    /// Length of `'s|'t|'re|'ve|'m|'ll|'d` at `index` (which holds an apostrophe), if one matches.
    private static func contractionLength(_ text: [Unicode.Scalar], at index: Int) -> Int? {
        guard index + 1 < text.count else { return nil }
        switch text[index + 1] {
        case "s", "t", "m", "d": return 2
        case "r", "v":
            return index + 2 < text.count && text[index + 2] == "e" ? 3 : nil
        case "l":
            return index + 2 < text.count && text[index + 2] == "l" ? 3 : nil
        default: return nil
        }
    }
}
