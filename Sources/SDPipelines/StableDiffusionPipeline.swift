import Foundation
import SDCompute
import SDModels
import SDSampling
import SDWeights

/// Text-to-image and image-to-image, step for step as diffusers' StableDiffusionPipeline and
/// StableDiffusionImg2ImgPipeline with a CPU `torch.Generator` seeded the same way.
public final class StableDiffusionPipeline {
    /// The checkpoint, its prediction type settled (by A1111's probe if nothing else told it).
    public let checkpoint: ModelCheckpoint
    public let tokenizer: CLIPTokenizer
    let textEncoder: CLIPTextModel
    let unet: UNet2DConditionModel
    public let vae: AutoencoderKL

    public init(checkpoint: ModelCheckpoint) throws {
        guard checkpoint.variant == .base else {
            throw PipelineError.unsupportedModel("\(checkpoint.variant.rawValue) checkpoints need their own pipeline")
        }
        tokenizer = try TokenizerLoader.tokenizer(for: checkpoint)
        textEncoder = try CLIPTextModel(config: checkpoint.textEncoderConfig, weights: checkpoint.textEncoder)
        unet = try UNet2DConditionModel(config: checkpoint.unetConfig, weights: checkpoint.unet)
        self.checkpoint = try PredictionProbe.resolve(checkpoint, unet: unet)
        vae = try AutoencoderKL(config: checkpoint.vaeConfig, weights: checkpoint.vae)
    }

    /// Native resolution: the U-Net's sample size times the VAE's downscale (512, or 768 for 768-v).
    public var defaultImageSize: Int { (checkpoint.unetConfig.sampleSize ?? 64) * vae.downscale }

    /// The final latents (NCHW, [1, 4, h/8, w/8], before VAE scaling is undone) for one request.
    public func latents(for request: GenerationRequest,
                        progress: (GenerationProgress) throws -> Void = { _ in }) throws -> [Float] {
        try validate(request)
        var scheduler = try makeScheduler(request.sampler)
        try scheduler.setTimesteps(request.steps)
        let factor = vae.downscale
        let (h, w) = (request.height / factor, request.width / factor)
        let latentCount = 4 * h * w
        let guided = request.guidanceScale > 1
        let context = try encodePrompts(request, guided: guided)
        var generator = TorchGenerator(seed: request.seed)

        var start = 0
        var latents: [Float]
        if let image = request.initImage {
            start = try scheduler.img2imgStartIndex(strength: request.strength)
            // diffusers' order: the posterior sample draws from the generator first, then the noise.
            let (mean, logvar) = try vae.encode(image)
            let eps = generator.randn(latentCount)
            let meanNCHW = try mean.nhwcToNCHW(), logvarNCHW = try logvar.nhwcToNCHW()
            let scale = Float(checkpoint.vaeConfig.scalingFactor)
            var clean = [Float](repeating: 0, count: latentCount)
            for i in 0..<latentCount {
                let std = Foundation.exp(0.5 * logvarNCHW.data[i])
                clean[i] = (meanNCHW.data[i] + std * eps[i]) * scale
            }
            let noise = generator.randn(latentCount)
            latents = try scheduler.addNoise(original: clean, noise: noise, timestepIndex: start)
        } else {
            latents = scheduler.initialLatents(count: latentCount, generator: &generator)
        }

        var optionalGenerator: TorchGenerator? = generator
        let began = DispatchTime.now().uptimeNanoseconds
        let total = scheduler.timesteps.count - start
        var done = 0
        latents = try scheduler.sample(latents: latents, startIndex: start, generator: &optionalGenerator) { input, t in
            let prediction = try self.predictNoise(input, timestep: Float(t), context: context, height: h, width: w,
                                                   guidance: guided ? request.guidanceScale : nil)
            done += 1
            try progress(GenerationProgress(step: done, totalSteps: total,
                                        elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9))
            return prediction
        }
        return latents
    }

    /// Decodes final latents (NCHW) to 8-bit RGB pixels, as diffusers' image processor does:
    /// x / scaling, VAE decode, (x / 2 + 0.5) clamped to [0, 1], times 255, rounded.
    public func decode(latents: [Float], width: Int, height: Int) throws -> [UInt8] {
        let factor = vae.downscale
        let scale = 1 / Float(checkpoint.vaeConfig.scalingFactor)
        let z = try Tensor(shape: [1, 4, height / factor, width / factor], values: latents.map { $0 * scale }).nchwToNHWC()
        let image = try vae.decode(z)
        return (0..<image.count).map { i in
            let v = min(max(image.data[i] / 2 + 0.5, 0), 1)
            return UInt8((v * 255).rounded(.toNearestOrEven))
        }
    }

    private func validate(_ request: GenerationRequest) throws {
        let factor = vae.downscale
        for (name, value) in [("width", request.width), ("height", request.height)]
        where value < factor * 8 || value > 4096 || value % 8 != 0 {
            throw PipelineError.invalidOption(option: name, value: "\(value)", reason: "must be a multiple of 8 between 64 and 4096")
        }
        let levels = checkpoint.unetConfig.blockOutChannels.count - 1
        for (name, value) in [("width", request.width), ("height", request.height)]
        where (value / factor) % (1 << levels) != 0 {
            throw PipelineError.invalidOption(option: name, value: "\(value)",
                                              reason: "must be a multiple of \(factor << levels) for this U-Net")
        }
        guard (1...1000).contains(request.steps) else {
            throw PipelineError.invalidOption(option: "steps", value: "\(request.steps)", reason: "must be between 1 and 1000")
        }
        guard request.guidanceScale.isFinite else {
            throw PipelineError.invalidOption(option: "cfg-scale", value: "\(request.guidanceScale)", reason: "must be a number")
        }
        if let image = request.initImage, image.shape != [1, request.height, request.width, 3] {
            throw PipelineError.invalidOption(option: "init-image", value: "\(image.shape)",
                                              reason: "must be resized to \(request.width)x\(request.height)")
        }
    }

    func makeScheduler(_ kind: SamplerKind) throws -> any Scheduler {
        let json = try JSONEncoder().encode(checkpoint.schedulerConfig)
        return try kind.makeScheduler(parameters: SchedulerParameters(json: json))
    }

    /// [uncond; cond] (diffusers' order) or just cond when guidance is off.
    private func encodePrompts(_ request: GenerationRequest, guided: Bool) throws -> Tensor {
        let prompts = guided ? [request.negativePrompt, request.prompt] : [request.prompt]
        let ids = prompts.map { tokenizer.tokenize($0, maxLength: textEncoder.config.maxPositionEmbeddings).ids }
        return try textEncoder(ids, skipLastLayers: request.clipSkip)
    }

    /// The (guided) model output for NCHW latents `input`.
    private func predictNoise(_ input: [Float], timestep: Float, context: Tensor, height: Int, width: Int,
                              guidance: Float?) throws -> [Float] {
        let batch = context.shape[0]
        let x = try Tensor(shape: [1, 4, height, width], values: input).nchwToNHWC()
        let sample = batch == 1 ? x : try Tensor.concatenatingBatches(Array(repeating: x, count: batch))
        let out = try unet(sample, timesteps: Array(repeating: timestep, count: batch), context: context).nhwcToNCHW()
        let n = input.count
        guard let g = guidance else { return Array(UnsafeBufferPointer(start: out.data, count: n)) }
        let uncond = out.data, cond = out.data + n
        return (0..<n).map { uncond[$0] + g * (cond[$0] - uncond[$0]) }
    }
}
