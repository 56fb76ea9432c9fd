import Foundation
import SDCompute
import SDModels
import SDSampling
import SDWeights

/// Every Stable Diffusion 1.x/2.x job, step for step as diffusers' pipelines with a CPU
/// `torch.Generator` seeded the same way: txt2img and img2img (StableDiffusionPipeline,
/// StableDiffusionImg2ImgPipeline), inpainting (StableDiffusionInpaintPipeline), depth-to-image
/// (StableDiffusionDepth2ImgPipeline) and, for the x4 upscaler, `upscaledLatents`
/// (StableDiffusionUpscalePipeline).
public final class StableDiffusionPipeline {
    /// The checkpoint, its prediction type settled (by A1111's probe if nothing else told it).
    public let checkpoint: ModelCheckpoint
    public let tokenizer: CLIPTokenizer
    public let options: PipelineOptions
    // Models, each loaded when first needed; with `options.lowMemory` each is dropped again
    // once its phase is over (see StableDiffusionPipeline+Models.swift).
    var loadedTextEncoder: CLIPTextModel?
    var loadedUNet: UNet2DConditionModel?
    var loadedVAE: AutoencoderKL?
    /// Pixels per latent: 8, or 4 for the x4 upscaler's VAE.
    public let vaeScaleFactor: Int
    /// diffusers' tiled VAE for encoding and decoding: true, false, or nil for automatic (from
    /// `autoTileArea`); the same picture as diffusers' `enable_tiling()` gives.
    public var vaeTiling: Bool?
    /// Tile side in pixels (diffusers: the VAE config's `sample_size`, 512 for SD).
    public var vaeTileSize: Int

    public init(checkpoint: ModelCheckpoint, options: PipelineOptions = PipelineOptions()) throws {
        self.options = options
        tokenizer = try TokenizerLoader.tokenizer(for: checkpoint)
        vaeScaleFactor = 1 << max(checkpoint.vaeConfig.blockOutChannels.count - 1, 0)
        vaeTileSize = max(checkpoint.vaeConfig.sampleSize, 8 * vaeScaleFactor)
        if checkpoint.predictionNeedsProbe || !options.lowMemory {
            let unet = try UNet2DConditionModel(config: checkpoint.unetConfig, weights: checkpoint.unet,
                                                storage: options.weightStorage)
            self.checkpoint = try PredictionProbe.resolve(checkpoint, unet: unet)
            loadedUNet = unet
        } else {
            self.checkpoint = checkpoint
        }
        if !options.lowMemory {
            _ = try textEncoderModel()
            _ = try vaeModel()
        }
    }

    /// Native resolution: the U-Net's sample size times the VAE's downscale (512, or 768 for 768-v).
    public var defaultImageSize: Int { (checkpoint.unetConfig.sampleSize ?? 64) * vaeScaleFactor }

    /// The final latents (NCHW, [1, 4, h/8, w/8], before VAE scaling is undone) for one request:
    /// txt2img, img2img, inpainting (either kind of model) or depth-to-image, in diffusers' order
    /// of random draws.
    public func latents(for request: GenerationRequest,
                        progress: (GenerationProgress) throws -> Void = { _ in }) throws -> [Float] {
        guard checkpoint.variant != .upscale else {
            throw PipelineError.unsupportedModel("the x4 upscaler takes a low-resolution image: use `sd upscale`")
        }
        try validate(request)
        var scheduler = try makeScheduler(request.sampler)
        try scheduler.setTimesteps(request.steps)
        let factor = vaeScaleFactor
        let (h, w) = (request.height / factor, request.width / factor)
        let guided = request.guidanceScale > 1
        let context = try encodePrompts(request.prompt, negative: request.negativePrompt, clipSkip: request.clipSkip,
                                        guided: guided)
        let unet = try unetModel()
        defer { finishedWithUNet() }
        var generator = TorchGenerator(seed: request.seed)
        let start = try setup(request, scheduler: scheduler, latentSize: (h, w), generator: &generator)

        var optionalGenerator: TorchGenerator? = generator
        let began = DispatchTime.now().uptimeNanoseconds
        let total = scheduler.timesteps.count - start.index
        var done = 0
        let noiser = scheduler
        return try scheduler.sample(latents: start.latents, startIndex: start.index, generator: &optionalGenerator,
                                    model: { input, t in
            let prediction = try self.predictNoise(unet, input + start.conditioning, timestep: Float(t), context: context,
                                                   height: h, width: w, guidance: guided ? request.guidanceScale : nil)
            done += 1
            try progress(GenerationProgress(step: done, totalSteps: total,
                                            elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9))
            return prediction
        }, afterStep: start.blend.map { blend in
            { index, x in try blend.apply(to: x, after: index, scheduler: noiser) }
        })
    }

    /// Decodes final latents (NCHW) to 8-bit RGB pixels (interleaved), as diffusers' image
    /// processor does: x / scaling, VAE decode, (x / 2 + 0.5) clamped to [0, 1], times 255, rounded.
    public func decode(latents: [Float], width: Int, height: Int) throws -> [UInt8] {
        let factor = vaeScaleFactor
        let (h, w) = (height / factor, width / factor)
        guard latents.count == 4 * h * w else {
            throw PipelineError.invalidOption(option: "latents", value: "\(latents.count) values",
                                              reason: "expected 4x\(h)x\(w) for \(width)x\(height)")
        }
        let scale = 1 / Float(checkpoint.vaeConfig.scalingFactor)
        let z = Planes(channels: 4, height: h, width: w, values: latents.map { $0 * scale })
        let vae = try vaeModel()
        defer { finishedWithVAE() }
        let decodeTile: (Planes) throws -> Planes = { tile in
            let image = try vae.decode(Tensor(shape: [1, 4, tile.height, tile.width], values: tile.values).nchwToNHWC())
            return Planes(channels: 3, height: image.shape[1], width: image.shape[2], values: try image.nhwcToNCHW().array)
        }
        let tiling = VAETiling(inputTile: vaeTileSize / factor, outputTile: vaeTileSize)
        let image = try tilesVAE(width: width, height: height) && tiling.applies(height: h, width: w)
            ? tiling.run(z, decodeTile) : decodeTile(z)
        let plane = width * height
        return (0..<3 * plane).map { i in
            let v = min(max(image.values[(i % 3) * plane + i / 3] / 2 + 0.5, 0), 1)
            return UInt8((v * 255).rounded(.toNearestOrEven))
        }
    }

    /// Whether the VAE runs in tiles for an image of this size: `vaeTiling`, or when that is nil,
    /// from `autoTileArea` pixels on.
    func tilesVAE(width: Int, height: Int) -> Bool { vaeTiling ?? (width * height >= Self.autoTileArea) }

    /// Images of this many pixels or more (1024x1024 and up) use the tiled VAE by default.
    public static let autoTileArea = 1024 * 1024

    private func validate(_ request: GenerationRequest) throws {
        let factor = vaeScaleFactor
        for (name, value) in [("width", request.width), ("height", request.height)]
        where value < factor * 4 || value > 4096 || value % factor != 0 {
            throw PipelineError.invalidOption(option: name, value: "\(value)",
                                              reason: "must be a multiple of \(factor) between \(factor * 4) and 4096")
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
        if let mask = request.mask {
            guard request.initImage != nil else {
                throw PipelineError.invalidOption(option: "mask", value: "given", reason: "inpainting needs an init image")
            }
            guard mask.width == request.width, mask.height == request.height else {
                throw PipelineError.invalidOption(option: "mask", value: "\(mask.width)x\(mask.height)",
                                                  reason: "must match the image size \(request.width)x\(request.height)")
            }
        }
        switch checkpoint.variant {
        case .inpaint where request.mask == nil:
            throw PipelineError.invalidOption(option: "mask", value: "none",
                                              reason: "this is a 9-channel inpainting model: give an init image and a mask")
        case .depth where request.initImage == nil || request.depthMap == nil:
            throw PipelineError.invalidOption(option: "depth-map", value: "none",
                                              reason: "a depth model needs an init image and a depth map (or a depth estimator)")
        case .depth where request.mask != nil, .base where request.depthMap != nil, .inpaint where request.depthMap != nil:
            throw PipelineError.invalidOption(option: request.mask != nil ? "mask" : "depth-map", value: "given",
                                              reason: "not supported by a \(checkpoint.variant.rawValue) model")
        default: break
        }
    }

    func makeScheduler(_ kind: SamplerKind) throws -> any Scheduler {
        let json = try JSONEncoder().encode(checkpoint.schedulerConfig)
        return try kind.makeScheduler(parameters: SchedulerParameters(json: json))
    }

    /// [uncond; cond] (diffusers' order) or just cond when guidance is off.
    func encodePrompts(_ prompt: String, negative: String, clipSkip: Int, guided: Bool) throws -> Tensor {
        let prompts = guided ? [negative, prompt] : [prompt]
        let ids = prompts.map { tokenizer.tokenize($0, maxLength: checkpoint.textEncoderConfig.maxPositionEmbeddings).ids }
        let encoder = try textEncoderModel()
        defer { finishedWithTextEncoder() }
        return try encoder(ids, skipLastLayers: clipSkip)
    }

    /// The (guided) model output for NCHW latents `input` (with any conditioning channels after
    /// the four latent ones); `classLabel` is the upscaler's noise level.
    func predictNoise(_ unet: UNet2DConditionModel, _ input: [Float], timestep: Float, context: Tensor, height: Int, width: Int,
                      guidance: Float?, classLabel: Int? = nil) throws -> [Float] {
        let batch = context.shape[0]
        let x = try Tensor(shape: [1, input.count / (height * width), height, width], values: input).nchwToNHWC()
        let sample = batch == 1 ? x : try Tensor.concatenatingBatches(Array(repeating: x, count: batch))
        let out = try unet(sample, timesteps: Array(repeating: timestep, count: batch), context: context,
                           classLabels: classLabel.map { Array(repeating: $0, count: batch) }).nhwcToNCHW()
        let n = out.count / batch
        guard let g = guidance else { return Array(UnsafeBufferPointer(start: out.data, count: n)) }
        let uncond = out.data, cond = out.data + n
        return (0..<n).map { uncond[$0] + g * (cond[$0] - uncond[$0]) }
    }
}
