import Foundation

/// Output file names: A1111-like `<seed>-<prompt words>.png` by default, never overwriting an
/// existing file silently (a numeric suffix is added instead).
enum OutputNaming {
    static func url(explicit: String?, prompt: String, seed: UInt64, index: Int, of count: Int) throws -> URL {
        if let explicit {
            let url = numbered(URL(fileURLWithPath: explicit), index: index, of: count)
            guard !FileManager.default.fileExists(atPath: url.path) else {
                throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: url.path])
            }
            return url
        }
        let words = prompt.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(8).joined(separator: "_")
        let stem = words.isEmpty ? "\(seed)" : "\(seed)-\(String(words.prefix(60)))"
        var candidate = URL(fileURLWithPath: stem + ".png")
        var n = 1
        while FileManager.default.fileExists(atPath: candidate.path) {
            candidate = URL(fileURLWithPath: "\(stem)-\(n).png")
            n += 1
        }
        return candidate
    }

    /// `out.png` -> `out-2.png` for the second image of a batch.
    static func numbered(_ url: URL, index: Int, of count: Int) -> URL {
        guard count > 1, index > 0 else { return url }
        let ext = url.pathExtension
        return url.deletingPathExtension().appendingPathExtension("").deletingPathExtension()
            .deletingLastPathComponent()
            .appendingPathComponent("\(url.deletingPathExtension().lastPathComponent)-\(index + 1)")
            .appendingPathExtension(ext)
    }
}
