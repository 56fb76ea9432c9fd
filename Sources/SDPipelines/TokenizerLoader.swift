import SDModels
import SDWeights

/// The tokenizer a checkpoint was trained with: its own `tokenizer/` folder when it has one,
/// else the bundled CLIP vocabulary padded the way its family pads (SD1 with <|endoftext|>,
/// SD2 with "!").
public enum TokenizerLoader {
    public static func tokenizer(for checkpoint: ModelCheckpoint) throws -> CLIPTokenizer {
        if let folder = checkpoint.tokenizerURL { return try CLIPTokenizer(folder: folder) }
        return try CLIPTokenizer.bundled(pad: checkpoint.family == .sd1 ? .endOfText : .exclamation)
    }
}
