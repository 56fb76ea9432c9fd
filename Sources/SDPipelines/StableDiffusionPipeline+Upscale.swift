import Foundation
import SDCompute
import SDSampling

extension StableDiffusionPipeline {
    /// diffusers' StableDiffusionUpscalePipeline: the low-resolution image, noised to
    /// `noiseLevel` by the low-res scheduler (first draw), is concatenated to the latents (second
    /// draw, the low-res size) at every step, and the noise level is the U-Net's class label.
    /// Images larger than `request.tile` run the U-Net on overlapping tiles whose predictions
    /// are blended before each scheduler step (so the sampler sees one seamless image).
    /// Returns NCHW latents [1, 4, h, w]; `decode(latents:width:height:)` with 4x sizes makes the image.
    public func upscaledLatents(for request: UpscaleRequest,
                                progress: (GenerationProgress) throws -> Void = { _ in }) throws -> [Float] {
        guard checkpoint.variant == .upscale, let lowResConfig = checkpoint.lowResSchedulerConfig else {
            throw PipelineError.unsupportedModel("\(checkpoint.url.lastPathComponent) is not an x4 upscaler")
        }
        let shape = request.image.shape
        guard shape.count == 4, shape[0] == 1, shape[3] == 3, shape[1] >= 8, shape[2] >= 8 else {
            throw PipelineError.invalidOption(option: "image", value: "\(shape)", reason: "must be an RGB image of at least 8x8")
        }
        let maxNoise = checkpoint.maxNoiseLevel ?? 350
        guard (0...maxNoise).contains(request.noiseLevel) else {
            throw PipelineError.invalidOption(option: "noise-level", value: "\(request.noiseLevel)",
                                              reason: "must be between 0 and \(maxNoise)")
        }
        guard (1...1000).contains(request.steps) else {
            throw PipelineError.invalidOption(option: "steps", value: "\(request.steps)", reason: "must be between 1 and 1000")
        }
        if let tile = request.tile, tile < 8 || request.tileOverlap < 0 || request.tileOverlap >= tile {
            throw PipelineError.invalidOption(option: "tile", value: "\(tile)",
                                              reason: "needs at least 8 pixels and an overlap smaller than the tile")
        }
        let (h, w) = (shape[1], shape[2])
        let guided = request.guidanceScale > 1
        let context = try encodePrompts(request.prompt, negative: request.negativePrompt, clipSkip: 0, guided: guided)
        let unet = try unetModel()
        defer { finishedWithUNet() }
        var scheduler = try makeScheduler(request.sampler)
        try scheduler.setTimesteps(request.steps)
        let lowRes = try DDPMScheduler(parameters: SchedulerParameters(json: JSONEncoder().encode(lowResConfig)))

        var generator = TorchGenerator(seed: request.seed)
        let image = try request.image.nhwcToNCHW().array
        let noisy = lowRes.addNoise(original: image, noise: generator.randn(image.count), trainingTimestep: request.noiseLevel)
        let latents = scheduler.initialLatents(count: 4 * h * w, generator: &generator)

        let tiles = TiledPlanes(height: h, width: w, tile: request.tile ?? max(h, w), overlap: request.tileOverlap)
        var optionalGenerator: TorchGenerator? = generator
        let began = DispatchTime.now().uptimeNanoseconds
        var done = 0
        let total = scheduler.timesteps.count
        return try scheduler.sample(latents: latents, generator: &optionalGenerator) { input, t in
            let guidance = guided ? request.guidanceScale : nil
            let prediction = try tiles.map(input + noisy, channels: 7, outChannels: 4, scale: 1) { tile, th, tw in
                try self.predictNoise(unet, tile, timestep: Float(t), context: context, height: th, width: tw,
                                      guidance: guidance, classLabel: request.noiseLevel)
            }
            done += 1
            try progress(GenerationProgress(step: done, totalSteps: total,
                                            elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9))
            return prediction
        }
    }
}
