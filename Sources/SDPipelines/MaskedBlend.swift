import SDSampling

/// Inpainting with a 4-channel model (diffusers' inpaint pipeline, A1111's masked img2img):
/// after each step the unmasked latents are replaced by the original's latents noised to the
/// next timestep's level (clean after the last step).
struct MaskedBlend {
    /// Scaled VAE sample of the init image, NCHW.
    let image: [Float]
    /// The noise the starting latents were made with, reused at every level.
    let noise: [Float]
    /// Binary mask on the latent grid (h * w), 1 = repaint.
    let mask: [Float]

    func apply(to x: [Float], after index: Int, scheduler: any Scheduler) throws -> [Float] {
        let proper = index + 1 < scheduler.timesteps.count
            ? try scheduler.addNoise(original: image, noise: noise, timestepIndex: index + 1) : image
        let plane = mask.count
        return (0..<x.count).map { i in
            let m = mask[i % plane]
            return (1 - m) * proper[i] + m * x[i]
        }
    }
}
