/// Where a denoising run starts: the first index into the scheduler's timesteps, the latents
/// there (NCHW), the conditioning channels appended to the model input at every step (NCHW,
/// batch 1: the inpainting mask and masked-image latents, or the depth map), and for masked
/// img2img with a normal model the blend that restores the unmasked area.
struct DenoisingStart {
    var index: Int
    var latents: [Float]
    var conditioning: [Float] = []
    var blend: MaskedBlend?
}
