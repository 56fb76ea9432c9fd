/// Stable Diffusion generation: SD1 (CLIP ViT-L text encoder) or SD2 (OpenCLIP ViT-H).
public enum ModelFamily: String, Sendable, CaseIterable {
    case sd1
    case sd2
}
