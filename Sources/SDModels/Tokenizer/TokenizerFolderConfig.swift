import Foundation

/// The special and added tokens transformers 5.24 registers when `CLIPTokenizer.from_pretrained`
/// loads a folder, reproduced from its loading code (and checked against it for the SD 1/2 folders):
/// - with `added_tokens_decoder` in tokenizer_config.json, those entries, then any special token
///   whose content they lack;
/// - without it (every SD 1.x/2.x hub folder), special_tokens_map.json overrides the config's
///   special tokens and added_tokens.json (textual inversion) adds entries; the special tokens
///   are registered in the order bos, eos, unk, sep, pad, cls, mask, a later entry with the same
///   content replacing an earlier one. That is why SD 1.x's `<|endoftext|>` ends up matched in
///   the raw text (pad_token is a plain string) while SD 2.x's is matched after lowercasing.
struct TokenizerFolderConfig {
    struct Special {
        let content: String
        let normalized: Bool
    }

    static let attributes = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
    /// CLIPTokenizer's `__init__` defaults.
    static let defaults = ["bos_token": CLIPTokenizer.startOfText, "eos_token": CLIPTokenizer.endOfText,
                           "unk_token": CLIPTokenizer.endOfText, "pad_token": CLIPTokenizer.endOfText]

    var specials: [String: Special] = [:]
    var addedTokens: [CLIPAddedToken] = []
    var modelMaxLength = 77

    init(folder: URL, vocabulary: [String: Int]) throws {
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        let config = try Self.jsonObject(configURL) ?? [:]
        for key in Self.attributes {
            if let value = config[key], !(value is NSNull) { specials[key] = try Self.special(value, configURL) }
        }
        if let length = config["model_max_length"] as? NSNumber, let exact = Int(exactly: length.doubleValue), exact > 0 {
            modelMaxLength = exact
        }
        // `normalized: nil` means tokenizers' default, decided once all special tokens are known.
        var declared: [(content: String, id: Int, normalized: Bool?, special: Bool)] = []
        let usesDecoder = config["added_tokens_decoder"] != nil
        if usesDecoder {
            guard let decoder = config["added_tokens_decoder"] as? [String: Any] else {
                throw CLIPTokenizerError.invalidConfig(configURL.path, reason: "added_tokens_decoder is not an object")
            }
            for (key, value) in decoder {
                guard let id = Int(key), id >= 0, let entry = value as? [String: Any], let content = entry["content"] as? String else {
                    throw CLIPTokenizerError.invalidConfig(configURL.path, reason: "bad added_tokens_decoder entry \"\(key)\"")
                }
                try Self.rejectUnsupported(entry, content, configURL)
                declared.append((content, id, entry["normalized"] as? Bool, (entry["special"] as? Bool) ?? false))
            }
        } else {
            let mapURL = folder.appendingPathComponent("special_tokens_map.json")
            for (key, value) in try Self.jsonObject(mapURL) ?? [:] where Self.attributes.contains(key) && !(value is NSNull) {
                specials[key] = try Self.special(value, mapURL)
            }
            let addedURL = folder.appendingPathComponent("added_tokens.json")
            if let added = try Self.jsonObject(addedURL) {
                let specialContents = Set(specials.values.map { Array($0.content.utf8) })
                for (content, value) in added {
                    guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0 else {
                        throw CLIPTokenizerError.invalidConfig(addedURL.path, reason: "id of \"\(content)\" is not a non-negative integer")
                    }
                    let special = specialContents.contains(Array(content.utf8))
                    declared.append((content, id, !special, special))
                }
            }
        }
        for (key, content) in Self.defaults where specials[key] == nil {
            specials[key] = Special(content: content, normalized: false)
        }
        // An AddedToken without explicit `normalized` is normalized unless special, and transformers
        // marks every token equal to a named special token as special.
        let namedContents = Set(specials.values.map { Array($0.content.utf8) })
        declared.sort { $0.id < $1.id }
        var nextId = max(vocabulary.values.max() ?? -1, declared.map(\.id).max() ?? -1) + 1
        // An added token already in the vocabulary keeps its vocabulary id (tokenizers' token_to_id).
        addedTokens = declared.map {
            let normalized = $0.normalized ?? !($0.special || namedContents.contains(Array($0.content.utf8)))
            return CLIPAddedToken(content: $0.content, id: Self.vocabularyId($0.content, vocabulary) ?? $0.id, normalized: normalized)
        }
        let declaredContents = Set(declared.map { Array($0.content.utf8) })
        for key in Self.attributes {
            guard let special = specials[key] else { continue }
            if usesDecoder && declaredContents.contains(Array(special.content.utf8)) { continue }
            let id: Int
            if let known = Self.vocabularyId(special.content, vocabulary) ?? Self.lastId(of: special.content, in: addedTokens) {
                id = known
            } else {
                id = nextId
                nextId += 1
            }
            addedTokens.append(CLIPAddedToken(content: special.content, id: id, normalized: special.normalized))
        }
    }

    /// Id of a special token's content (the last registration wins, as for matching).
    func id(of key: String) -> Int? {
        guard let content = specials[key]?.content else { return nil }
        return Self.lastId(of: content, in: addedTokens)
    }

    // Token contents compare byte for byte, as in tokenizers: Swift's String equality (canonical
    // equivalence) would identify tokens that tokenizers keeps apart.

    private static func lastId(of content: String, in tokens: [CLIPAddedToken]) -> Int? {
        tokens.last(where: { $0.content.utf8.elementsEqual(content.utf8) })?.id
    }

    private static func vocabularyId(_ content: String, _ vocabulary: [String: Int]) -> Int? {
        guard let index = vocabulary.index(forKey: content) else { return nil }
        let entry = vocabulary[index]
        return entry.key.utf8.elementsEqual(content.utf8) ? entry.value : nil
    }

    /// A special token value: a string, or an AddedToken dict (special, so not normalized unless
    /// it says so).
    private static func special(_ value: Any, _ url: URL) throws -> Special {
        if let content = value as? String { return Special(content: content, normalized: false) }
        if let entry = value as? [String: Any], let content = entry["content"] as? String {
            try rejectUnsupported(entry, content, url)
            return Special(content: content, normalized: (entry["normalized"] as? Bool) ?? false)
        }
        throw CLIPTokenizerError.invalidConfig(url.path, reason: "a special token is neither a string nor an AddedToken object")
    }

    /// lstrip / rstrip / single_word change where a token matches; no CLIP tokenizer uses them.
    private static func rejectUnsupported(_ entry: [String: Any], _ content: String, _ url: URL) throws {
        for flag in ["lstrip", "rstrip", "single_word"] where (entry[flag] as? Bool) == true {
            throw CLIPTokenizerError.invalidConfig(url.path, reason: "added token \"\(content)\" sets \(flag), which is not supported")
        }
    }

    /// The file's top-level JSON object, or nil when the file does not exist.
    static func jsonObject(_ url: URL) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CLIPTokenizerError.unreadableFile(url.path, reason: error.localizedDescription)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dictionary = object as? [String: Any] else {
            throw CLIPTokenizerError.invalidConfig(url.path, reason: "not a JSON object")
        }
        return dictionary
    }
}
