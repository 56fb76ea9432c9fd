/// GPT-2/CLIP's reversible byte -> printable character table (`bytes_to_unicode`): BPE works on
/// these characters so that every UTF-8 byte is a vocabulary symbol and whitespace never appears.
enum ByteUnicode {
    /// Bytes in the order CLIP enumerates them: printable Latin-1 first, then the remaining bytes.
    static let orderedBytes: [UInt8] = {
        var printable = Array(UInt8(ascii: "!")...UInt8(ascii: "~")) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        let kept = Set(printable)
        printable += (0...255).map { UInt8($0) }.filter { !kept.contains($0) }
        return printable
    }()

    /// `characters[b]` is the printable character standing for byte `b`.
    static let characters: [String] = {
        var table = [String](repeating: "", count: 256)
        var shifted: UInt32 = 256
        for byte in orderedBytes {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            var code = UInt32(byte)
            if !printable {
                code = shifted
                shifted += 1
            }
            // Every code here is below 0x144, a valid scalar, so the fallback is never taken.
            table[Int(byte)] = String(Unicode.Scalar(code).map(Character.init) ?? "?")
        }
        return table
    }()

    /// CLIP's base vocabulary: the 256 byte characters in CLIP order, then the same with `</w>`.
    static var baseVocabulary: [String] {
        let chars = orderedBytes.map { characters[Int($0)] }
        return chars + chars.map { $0 + "</w>" }
    }
}
