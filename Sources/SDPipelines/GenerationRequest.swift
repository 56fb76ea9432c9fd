import SDCompute
import SDSampling

/// One image's worth of settings, with diffusers' and A1111's defaults.
public struct GenerationRequest: Sendable {
    public var prompt: String
    /// Empty when not given, as diffusers does (an empty string is still encoded).
    public var negativePrompt = ""
    public var steps = 20
    /// Classifier-free guidance scale; 1 or less skips the unconditional pass (diffusers' rule).
    public var guidanceScale: Float = 7.5
    public var sampler: SamplerKind = .eulerAncestral
    public var seed: UInt64 = 0
    public var width = 512
    public var height = 512
    /// img2img: the starting image, NHWC [1, height, width, 3] in [-1, 1].
    public var initImage: Tensor?
    public var strength: Double = 0.75
    /// Inpainting: white = repaint, at the request's size (needs `initImage`). With a 9-channel
    /// inpainting U-Net it conditions the model; with a normal one the unmasked area is restored
    /// from the noised original after every step (diffusers' inpaint pipeline either way).
    public var mask: PixelMask?
    /// Depth-to-image models: the depth conditioning (any size; needs `initImage`).
    public var depthMap: DepthMap?
    /// diffusers' `clip_skip` (A1111 "Clip skip" minus one).
    public var clipSkip = 0

    public init(prompt: String) { self.prompt = prompt }
}
