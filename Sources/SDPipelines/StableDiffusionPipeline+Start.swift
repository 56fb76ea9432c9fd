import Foundation
import SDCompute
import SDSampling

extension StableDiffusionPipeline {
    /// The starting latents for txt2img, img2img, inpainting or depth-to-image, drawing from the
    /// generator in the order diffusers' pipelines do.
    func setup(_ request: GenerationRequest, scheduler: any Scheduler, latentSize: (height: Int, width: Int),
               generator: inout TorchGenerator) throws -> DenoisingStart {
        let (h, w) = latentSize
        guard let image = request.initImage else {
            return DenoisingStart(index: 0, latents: scheduler.initialLatents(count: 4 * h * w, generator: &generator))
        }
        let start = try scheduler.img2imgStartIndex(strength: request.strength)
        if let mask = request.mask {
            return try inpaintingStart(image: image, mask: mask, strength: request.strength, index: start,
                                       scheduler: scheduler, latentSize: latentSize, generator: &generator)
        }
        let clean = try encodeSample(image, generator: &generator)
        let noise = generator.randn(clean.count)
        var result = DenoisingStart(index: start, latents: try scheduler.addNoise(original: clean, noise: noise, timestepIndex: start))
        if checkpoint.variant == .depth, let depth = request.depthMap {
            result.conditioning = try depth.conditioning(width: w, height: h)
        }
        return result
    }

    /// diffusers' StableDiffusionInpaintPipeline: image latents (when the model is not an
    /// inpainting one, or strength < 1), noise, then the masked image's latents; the mask is
    /// binarized and downsampled by nearest neighbour.
    private func inpaintingStart(image: Tensor, mask: PixelMask, strength: Double, index: Int, scheduler: any Scheduler,
                                 latentSize: (height: Int, width: Int), generator: inout TorchGenerator) throws -> DenoisingStart {
        let inpaintingModel = checkpoint.variant == .inpaint
        let strengthMax = strength == 1
        let imageLatents = !inpaintingModel || !strengthMax ? try encodeSample(image, generator: &generator) : nil
        let noise = generator.randn(4 * latentSize.height * latentSize.width)
        var latents = noise.map { $0 * scheduler.initNoiseSigma }
        if !strengthMax, let imageLatents {
            latents = try scheduler.addNoise(original: imageLatents, noise: noise, timestepIndex: index)
        }
        let binary = mask.binarized()
        let masked = image.copy()
        for (p, m) in binary.values.enumerated() where m >= 0.5 {
            for c in 0..<3 { masked.data[3 * p + c] = 0 }
        }
        let maskedLatents = try encodeSample(masked, generator: &generator)
        let latentMask = try binary.nearest(width: latentSize.width, height: latentSize.height)
        var result = DenoisingStart(index: index, latents: latents)
        if inpaintingModel {
            result.conditioning = latentMask + maskedLatents
        } else if let imageLatents {
            result.blend = MaskedBlend(image: imageLatents, noise: noise, mask: latentMask)
        }
        return result
    }

    /// A scaled sample of the VAE posterior for an NHWC image in [-1, 1], NCHW: the mean plus
    /// the standard deviation times one draw from the generator, times the scaling factor.
    func encodeSample(_ image: Tensor, generator: inout TorchGenerator) throws -> [Float] {
        let (mean, logvar) = try vaeModel().posterior(moments: encodeMoments(image))
        let meanNCHW = try mean.nhwcToNCHW(), logvarNCHW = try logvar.nhwcToNCHW()
        let eps = generator.randn(meanNCHW.count)
        let scale = Float(checkpoint.vaeConfig.scalingFactor)
        return (0..<eps.count).map { i in
            (meanNCHW.data[i] + Foundation.exp(0.5 * logvarNCHW.data[i]) * eps[i]) * scale
        }
    }

    /// The encoder's moments (NHWC), through diffusers' tiled encoder when tiling applies.
    public func encodeMoments(_ image: Tensor) throws -> Tensor {
        let (height, width) = (image.shape[1], image.shape[2])
        let vae = try vaeModel()
        let tiling = VAETiling(inputTile: vaeTileSize, outputTile: vaeTileSize / vaeScaleFactor)
        guard tilesVAE(width: width, height: height), tiling.applies(height: height, width: width) else {
            return try vae.encodeMoments(image)
        }
        let pixels = Planes(channels: 3, height: height, width: width, values: try image.nhwcToNCHW().array)
        let moments = try tiling.run(pixels) { tile in
            let out = try vae.encodeMoments(Tensor(shape: [1, 3, tile.height, tile.width], values: tile.values).nchwToNHWC())
            return Planes(channels: out.shape[3], height: out.shape[1], width: out.shape[2], values: try out.nhwcToNCHW().array)
        }
        return try Tensor(shape: [1, moments.channels, moments.height, moments.width], values: moments.values).nchwToNHWC()
    }
}
