import Foundation

/// The normalizer of transformers 5's `CLIPTokenizer` (tokenizers 0.23): NFC, each `\s+` run -> " ",
/// lowercase. (Collapsing whitespace only matters to added tokens: the pre-tokenizer drops it.)
enum CLIPTextNormalizer {
    static func normalize(_ text: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        // Scalars below U+0300 are all NFC and never combine: NFC leaves such text unchanged.
        if text.contains(where: { $0.value >= 0x300 }) {
            return collapseAndLowercase(nfc(text))
        }
        return collapseAndLowercase(text)
    }

    private static func collapseAndLowercase<S: Sequence<Unicode.Scalar>>(_ text: S) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.underestimatedCount)
        var inSpaceRun = false
        for scalar in text {
            if CLIPCharacterClass.of(scalar) == .space {
                if !inSpaceRun { out.append(" ") }
                inSpaceRun = true
                continue
            }
            inSpaceRun = false
            if scalar.value < 0x80 {
                out.append(lowercasedASCII(scalar))
            } else if scalar.properties.changesWhenLowercased {
                // Per scalar, as Rust's `char::to_lowercase`: no final-sigma context rule.
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return out
    }

    @inline(__always)
    static func lowercasedASCII(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) | 0x20) : scalar
    }

    /// NFC as tokenizers computes it: its normalization tables are Unicode 9.0, so a scalar assigned
    /// later is an opaque starter (never reordered, decomposed or composed). The text is cut at such
    /// scalars and each run is composed with Foundation's (newer) NFC, which agrees on 9.0 scalars.
    /// Hangul is cut out too and composed here: Foundation composes jamo outside the L/V/T ranges
    /// (even to U+FFFD) and leaves an LV syllable followed by a T jamo uncomposed.
    static func nfc(_ text: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var run = String.UnicodeScalarView()
        var runLength = 0
        func flush() {
            guard runLength > 0 else { return }
            out.append(contentsOf: String(run).precomposedStringWithCanonicalMapping.unicodeScalars)
            run = String.UnicodeScalarView()
            runLength = 0
        }
        for scalar in text {
            if isHangul(scalar) {
                flush()
                appendComposingHangul(scalar, to: &out)
            } else if isInUnicode9(scalar) {
                // Foundation's NFC is quadratic in the string length: keep runs short.
                if runLength >= maxRunLength, isStableStarter(scalar) { flush() }
                run.append(scalar)
                runLength += 1
            } else {
                flush()
                out.append(scalar)
            }
        }
        flush()
        return out
    }

    private static let maxRunLength = 128

    /// NFC never changes, moves or composes this scalar with what precedes it (ccc 0, NFC_QC=Yes),
    /// so text may be composed in pieces cut before it. The starters that may compose with a
    /// preceding scalar (NFC_QC=Maybe) are vowel-sign marks or Hangul jamo, both excluded.
    private static func isStableStarter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return true }
        let properties = scalar.properties
        guard properties.canonicalCombiningClass == .notReordered else { return false }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return false
        default: break
        }
        var alone = String.UnicodeScalarView()
        alone.append(scalar)
        return String(alone).precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(CollectionOfOne(scalar))
    }

    static func isInUnicode9(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 9 || (age.major == 9 && age.minor == 0)
    }

    /// Conjoining jamo (with the extended blocks) and precomposed syllables: all starters that
    /// compose with nothing but each other.
    private static func isHangul(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x11FF, 0xA960...0xA97F, 0xAC00...0xD7FF: return true
        default: return false
        }
    }

    /// Unicode's algorithmic Hangul composition: L + V -> LV, LV + T -> LVT for adjacent scalars.
    private static func appendComposingHangul(_ scalar: Unicode.Scalar, to out: inout [Unicode.Scalar]) {
        let value = scalar.value
        if let last = out.last?.value {
            if (0x1100...0x1112).contains(last), (0x1161...0x1175).contains(value),
               let syllable = Unicode.Scalar(0xAC00 + ((last - 0x1100) * 21 + (value - 0x1161)) * 28) {
                out[out.count - 1] = syllable
                return
            }
            if (0xAC00...0xD7A3).contains(last), (last - 0xAC00) % 28 == 0, (0x11A8...0x11C2).contains(value),
               let syllable = Unicode.Scalar(last + (value - 0x11A7)) {
                out[out.count - 1] = syllable
                return
            }
        }
        out.append(scalar)
    }
}
