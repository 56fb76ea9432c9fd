import Foundation

extension CLIPTokenizer {
    /// Loads a diffusers `tokenizer/` folder: vocab.json, merges.txt and the special tokens of
    /// tokenizer_config.json / special_tokens_map.json / added_tokens.json (see `TokenizerFolderConfig`).
    public init(folder: URL) throws {
        let vocabURL = folder.appendingPathComponent("vocab.json")
        let mergesURL = folder.appendingPathComponent("merges.txt")
        let vocabulary = try Self.readVocabulary(vocabURL)
        let rules = try Self.readMerges(mergesURL)
        let encoder = try BytePairEncoder(vocabulary: vocabulary, rules: rules, vocabularyFile: vocabURL.path,
                                          mergesFile: mergesURL.path)
        let config = try TokenizerFolderConfig(folder: folder, vocabulary: vocabulary)
        guard let bos = config.id(of: "bos_token"), let eos = config.id(of: "eos_token"), let pad = config.id(of: "pad_token") else {
            throw CLIPTokenizerError.invalidConfig(folder.path, reason: "no bos, eos or pad token")
        }
        self.init(encoder: encoder, addedTokens: config.addedTokens, bosTokenId: bos, eosTokenId: eos, padTokenId: pad,
                  modelMaxLength: config.modelMaxLength)
    }

    /// Builds the tokenizer from a merges.txt alone, deriving the vocabulary as CLIP does: the 256
    /// byte characters, the same with `</w>`, one token per merge, `<|startoftext|>`, `<|endoftext|>`.
    /// The special tokens are those of the SD 1.x (`.endOfText`) or SD 2.x (`.exclamation`) folder.
    public init(mergesFile: URL, pad: PadStyle) throws {
        let rules = try Self.readMerges(mergesFile)
        var vocabulary: [String: Int] = [:]
        let tokens = ByteUnicode.baseVocabulary + rules.map { $0.left + $0.right } + [Self.startOfText, Self.endOfText]
        vocabulary.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { vocabulary[token] = id }
        let encoder = try BytePairEncoder(vocabulary: vocabulary, rules: rules, vocabularyFile: mergesFile.path,
                                          mergesFile: mergesFile.path)
        let bos = tokens.count - 2, eos = tokens.count - 1
        let added: [CLIPAddedToken]
        let padId: Int
        switch pad {
        case .endOfText:
            added = [CLIPAddedToken(content: Self.startOfText, id: bos, normalized: true),
                     CLIPAddedToken(content: Self.endOfText, id: eos, normalized: false)]
            padId = eos
        case .exclamation:
            padId = vocabulary["!"] ?? 0
            added = [CLIPAddedToken(content: "!", id: padId, normalized: false),
                     CLIPAddedToken(content: Self.startOfText, id: bos, normalized: true),
                     CLIPAddedToken(content: Self.endOfText, id: eos, normalized: true)]
        }
        self.init(encoder: encoder, addedTokens: added, bosTokenId: bos, eosTokenId: eos, padTokenId: padId,
                  modelMaxLength: 77)
    }

    /// The tokenizer built from the clip-merges.txt resource shipped with SDModels.
    public static func bundled(pad: PadStyle) throws -> CLIPTokenizer {
        try CLIPTokenizer(mergesFile: SDModelsResources.url(of: "clip-merges.txt"), pad: pad)
    }

    static func readText(_ url: URL) throws -> String {
        guard FileManager.default.fileExists(atPath: url.path) else { throw CLIPTokenizerError.missingFile(url.path) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CLIPTokenizerError.unreadableFile(url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIPTokenizerError.unreadableFile(url.path, reason: "not UTF-8")
        }
        return text
    }

    static func readVocabulary(_ url: URL) throws -> [String: Int] {
        let text = try readText(url)
        let vocabulary: [String: Int]
        do {
            vocabulary = try JSONDecoder().decode([String: Int].self, from: Data(text.utf8))
        } catch {
            throw CLIPTokenizerError.invalidVocabulary(url.path, reason: "not a JSON object of token -> integer id")
        }
        return vocabulary
    }

    /// merges.txt as tokenizers reads it: `#version` lines skipped, every other line exactly two
    /// tokens separated by one space, rank = order of appearance.
    static func readMerges(_ url: URL) throws -> [BytePairEncoder.Rule] {
        let text = try readText(url)
        var rules: [BytePairEncoder.Rule] = []
        rules.reserveCapacity(50_000)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            if line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CLIPTokenizerError.invalidMerges(url.path, line: index + 1, reason: "expected two tokens separated by one space")
            }
            rules.append(.init(left: String(parts[0]), right: String(parts[1]), line: index + 1))
        }
        return rules
    }
}
