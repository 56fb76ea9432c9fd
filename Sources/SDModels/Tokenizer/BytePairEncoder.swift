/// CLIP's byte-level BPE model as tokenizers runs it (`continuing_subword_prefix` "",
/// `end_of_word_suffix` "</w>"): a word's UTF-8 bytes become byte symbols, the last one with `</w>`,
/// then the lowest-ranked adjacent pair is merged until none is in the merge table.
final class BytePairEncoder: Sendable {
    /// One merges.txt rule; `line` (1-based, in the file) is for error messages.
    struct Rule {
        let left: String
        let right: String
        let line: Int
    }

    let vocabulary: [String: Int]
    private let tokens: [Int: String]
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    private let mergeTable: [UInt64: UInt64]
    private let byteIds: [Int32]
    private let byteEndIds: [Int32]
    private let cache = BPECache()

    init(vocabulary: [String: Int], rules: [Rule], vocabularyFile: String, mergesFile: String) throws {
        var tokens: [Int: String] = [:]
        tokens.reserveCapacity(vocabulary.count)
        for (token, id) in vocabulary {
            guard id >= 0, id <= Int(Int32.max) else {
                throw CLIPTokenizerError.invalidVocabulary(vocabularyFile, reason: "id \(id) of \"\(token)\" is out of range")
            }
            tokens[id] = token
        }
        func symbolId(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else {
                throw CLIPTokenizerError.invalidVocabulary(vocabularyFile, reason: "byte symbol \"\(token)\" is missing")
            }
            return Int32(id)
        }
        byteIds = try ByteUnicode.characters.map(symbolId)
        byteEndIds = try ByteUnicode.characters.map { try symbolId($0 + "</w>") }

        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(rules.count)
        for (rank, rule) in rules.enumerated() {
            guard let left = vocabulary[rule.left], let right = vocabulary[rule.right] else {
                let missing = vocabulary[rule.left] == nil ? rule.left : rule.right
                throw CLIPTokenizerError.invalidMerges(mergesFile, line: rule.line, reason: "\"\(missing)\" is not in the vocabulary")
            }
            guard let merged = vocabulary[rule.left + rule.right] else {
                throw CLIPTokenizerError.invalidMerges(mergesFile, line: rule.line,
                                                       reason: "merged token \"\(rule.left + rule.right)\" is not in the vocabulary")
            }
            // A repeated pair keeps its last rank, as tokenizers' hash map does.
            table[Self.key(left, right)] = UInt64(rank) << 32 | UInt64(merged)
        }
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.mergeTable = table
    }

    func token(for id: Int) -> String? { tokens[id] }

    @inline(__always)
    private static func key<T: BinaryInteger>(_ left: T, _ right: T) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: left)) << 32 | UInt64(UInt32(truncatingIfNeeded: right))
    }

    /// Appends the ids of one pre-tokenized word.
    func encode(word: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(word.count)
        for scalar in word { UTF8.encode(scalar) { bytes.append($0) } }
        if let cached = cache.ids(for: bytes) {
            ids.append(contentsOf: cached.lazy.map(Int.init))
            return
        }
        let merged = merge(bytes)
        cache.store(merged, for: bytes)
        ids.append(contentsOf: merged.lazy.map(Int.init))
    }

    private func merge(_ bytes: [UInt8]) -> [Int32] {
        let count = bytes.count
        guard count > 0 else { return [] }
        var symbols = bytes.map { byteIds[Int($0)] }
        symbols[count - 1] = byteEndIds[Int(bytes[count - 1])]
        guard count > 1 else { return symbols }
        var previous = (0..<count).map { Int32($0) - 1 }
        var next = (0..<count).map { $0 + 1 < count ? Int32($0 + 1) : -1 }
        var removed = [Bool](repeating: false, count: count)
        var queue = MergeQueue()
        queue.reserve(count)
        func enqueue(_ position: Int, _ left: Int32, _ right: Int32) {
            if let entry = mergeTable[Self.key(left, right)] {
                queue.push(.init(rank: Int32(truncatingIfNeeded: entry >> 32), position: Int32(position),
                                 newId: Int32(truncatingIfNeeded: entry)))
            }
        }
        for position in 0..<count - 1 { enqueue(position, symbols[position], symbols[position + 1]) }
        while let top = queue.pop() {
            let position = Int(top.position)
            guard !removed[position], next[position] >= 0 else { continue }
            let right = Int(next[position])
            // Skip entries made stale by an earlier merge at either side.
            guard let entry = mergeTable[Self.key(symbols[position], symbols[right])],
                  Int32(truncatingIfNeeded: entry) == top.newId else { continue }
            symbols[position] = top.newId
            removed[right] = true
            next[position] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = Int32(position) }
            if previous[position] >= 0 {
                let left = Int(previous[position])
                enqueue(left, symbols[left], symbols[position])
            }
            if next[position] >= 0 { enqueue(position, symbols[position], symbols[Int(next[position])]) }
        }
        var result: [Int32] = []
        result.reserveCapacity(count)
        for position in 0..<count where !removed[position] { result.append(symbols[position]) }
        return result
    }
}
