import Foundation

/// A weight file name taken apart the way diffusers names them: `{base}[.{variant}].{ext}`,
/// shards `{base}[.{variant}]-00001-of-00002.{ext}` and their index
/// `{base}.{ext}.index[.{variant}].json`.
struct WeightFileName: Equatable {
    /// `safetensors` or `bin`.
    let format: String
    let variant: String?
    let isIndex: Bool

    init(format: String, variant: String?, isIndex: Bool) {
        self.format = format
        self.variant = variant
        self.isIndex = isIndex
    }

    init?(_ fileName: String) {
        let parts = fileName.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return nil }
        if let index = parts.lastIndex(of: "index"), parts.last == "json", index >= 2,
           Self.formats.contains(parts[index - 1]), index >= parts.count - 3 {
            // model.safetensors.index.json, model.safetensors.index.fp16.json
            format = parts[index - 1]
            variant = index == parts.count - 3 ? parts[parts.count - 2] : nil
            isIndex = true
            return
        }
        guard let ext = parts.last, Self.formats.contains(ext) else { return nil }
        var stem = parts.dropLast().joined(separator: ".")
        if let range = stem.range(of: #"-[0-9]+-of-[0-9]+$"#, options: .regularExpression) {
            stem.removeSubrange(range)
        }
        let stemParts = stem.split(separator: ".", omittingEmptySubsequences: false)
        format = ext
        variant = stemParts.count >= 2 ? stemParts.last.map(String.init) : nil
        isIndex = false
    }

    /// Weight formats we load; everything else (onnx, flax msgpack, openvino, ...) is never fetched.
    static let formats: Set<String> = ["safetensors", "bin"]
}
