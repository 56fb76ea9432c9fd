/// How a model was stored on disk.
public enum CheckpointFormat: String, Sendable {
    /// A diffusers pipeline folder (model_index.json, unet/, vae/, text_encoder/, ...).
    case diffusers
    /// One original-layout `.safetensors` file.
    case singleFileSafetensors
    /// One original-layout torch pickle (`.ckpt`, `.pt`, `.pth`, `.bin`).
    case singleFileCkpt
}
