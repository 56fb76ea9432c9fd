import Foundation

/// Why a CLIP tokenizer could not be built; `description` names the file at fault.
public enum CLIPTokenizerError: Error, CustomStringConvertible, Equatable {
    /// A required tokenizer file (vocab.json, merges.txt) is absent.
    case missingFile(String)
    /// A file exists but could not be read or decoded as UTF-8.
    case unreadableFile(String, reason: String)
    /// vocab.json is not a JSON object of token -> non-negative integer id, or lacks byte symbols.
    case invalidVocabulary(String, reason: String)
    /// A merges.txt line is not two space-separated tokens of the vocabulary.
    case invalidMerges(String, line: Int, reason: String)
    /// tokenizer_config.json / special_tokens_map.json / added_tokens.json cannot be used.
    case invalidConfig(String, reason: String)
    /// The `<package>_SDModels` resource bundle holding clip-merges.txt was not found.
    case resourceBundleNotFound(searched: [String])

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "CLIP tokenizer: missing file \(path)"
        case .unreadableFile(let path, let reason):
            return "CLIP tokenizer: cannot read \(path): \(reason)"
        case .invalidVocabulary(let path, let reason):
            return "CLIP tokenizer: invalid vocabulary \(path): \(reason)"
        case .invalidMerges(let path, let line, let reason):
            return "CLIP tokenizer: invalid merges \(path) line \(line): \(reason)"
        case .invalidConfig(let path, let reason):
            return "CLIP tokenizer: invalid config \(path): \(reason)"
        case .resourceBundleNotFound(let searched):
            return "CLIP tokenizer: resource bundle with clip-merges.txt not found (searched \(searched.joined(separator: ", ")))"
        }
    }
}
