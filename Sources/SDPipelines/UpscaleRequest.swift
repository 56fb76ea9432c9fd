import SDCompute
import SDSampling

/// One x4 upscale, with diffusers' StableDiffusionUpscalePipeline defaults.
public struct UpscaleRequest: Sendable {
    /// The low-resolution image, NHWC [1, h, w, 3] in [-1, 1]; the result is 4x its size.
    public var image: Tensor
    public var prompt: String
    public var negativePrompt = ""
    public var steps = 75
    public var guidanceScale: Float = 9
    /// diffusers' default for this model is its own scheduler, DDIM.
    public var sampler: SamplerKind = .ddim
    public var seed: UInt64 = 0
    /// Noise added to the low-resolution image (0...max_noise_level, 350 for the released model).
    public var noiseLevel = 20
    /// Tile side in low-resolution pixels for the U-Net (and VAE) when the image is larger;
    /// nil runs the whole image at once.
    public var tile: Int? = 128
    /// Overlap between tiles, low-resolution pixels.
    public var tileOverlap = 32

    public init(image: Tensor, prompt: String) {
        self.image = image
        self.prompt = prompt
    }
}
