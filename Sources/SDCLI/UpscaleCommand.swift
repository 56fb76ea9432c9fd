import ArgumentParser
import Foundation
import SDPipelines
import SDSampling

/// `sd upscale`: the Stable Diffusion x4 upscaler, seed for seed as diffusers'
/// StableDiffusionUpscalePipeline (whose defaults it takes: 75 steps, guidance 9, DDIM, noise 20).
struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale", abstract: "Upscale an image 4x with the Stable Diffusion x4 upscaler.")

    /// Used when `--model` is not given: Stability's x4 upscaler in diffusers layout.
    static let defaultModel = "stabilityai/stable-diffusion-x4-upscaler"

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var memoryOptions: MemoryOptions

    @Argument(help: "The low-resolution image (PNG or JPEG).")
    var image: String

    @Option(name: [.short, .long], help: "What the image shows.")
    var prompt: String = ""

    @Option(name: [.customShort("n"), .long], help: "Negative prompt.")
    var negativePrompt: String = ""

    @Option(help: "Denoising steps.")
    var steps: Int = 75

    @Option(help: "Classifier-free guidance scale; 1 disables guidance.")
    var cfgScale: Float = 9

    @Option(help: "Sampler (see `sd samplers`).")
    var sampler: String = "ddim"

    @Option(name: [.short, .long], help: "Seed; -1 picks a random one.")
    var seed: Int64 = -1

    @Option(help: "Noise added to the input, 0 up to the model's max_noise_level (350).")
    var noiseLevel: Int = 20

    @Option(help: "U-Net tile side in input pixels for larger inputs (0: never tile).")
    var tile: Int = 128

    @Option(help: "Overlap between U-Net tiles, input pixels.")
    var tileOverlap: Int = 32

    @Flag(help: "Decode with the tiled VAE; automatic from 1024x1024 output.")
    var vaeTiling = false

    @Option(name: [.short, .long], help: "Output PNG (default: <input>-x4.png; never overwrites).")
    var output: String?

    @Option(help: "Threads (both cores by default).")
    var threads: Int?

    func validate() throws {
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be between 1 and 1000, got \(steps)") }
        guard cfgScale.isFinite, cfgScale >= 0 else { throw ValidationError("--cfg-scale must be a non-negative number") }
        guard noiseLevel >= 0 else { throw ValidationError("--noise-level must not be negative, got \(noiseLevel)") }
        guard tile == 0 || tile >= 8 else { throw ValidationError("--tile must be 0 or at least 8, got \(tile)") }
        guard tileOverlap >= 0, tile == 0 || tileOverlap < tile else {
            throw ValidationError("--tile-overlap must be between 0 and the tile size, got \(tileOverlap)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if SamplerKind(name: sampler) == nil {
            throw ValidationError("unknown --sampler '\(sampler)'; known: \(SamplerKind.allNames.joined(separator: ", "))")
        }
    }

    func run() throws {
        try CLIError.wrap {
            Interrupt.install()
            let inputURL = URL(fileURLWithPath: image)
            var input = try ImageFile.read(inputURL)
            // diffusers' image processor for this pipeline rounds the size down to multiples of 4.
            let (w, h) = (input.width / 4 * 4, input.height / 4 * 4)
            guard w >= 8, h >= 8, w * 4 <= 8192, h * 4 <= 8192 else {
                throw InputError("\(image) is \(input.width)x\(input.height); the upscaler takes 8x8 up to 2048x2048")
            }
            if w != input.width || h != input.height { input = try input.resized(width: w, height: h, filter: .bicubic) }
            var options = modelOptions
            if options.model == ModelOptions.defaultModel { options.model = Self.defaultModel }
            let checkpoint = try options.load()
            guard checkpoint.variant == .upscale else {
                throw InputError("\(checkpoint.url.lastPathComponent) is a \(checkpoint.variant.rawValue) model, not the x4 upscaler")
            }
            let pipeline = try StableDiffusionPipeline(checkpoint: checkpoint, options: memoryOptions.pipelineOptions(images: 1))
            if vaeTiling { pipeline.vaeTiling = true }
            var request = UpscaleRequest(image: input.normalizedTensor(), prompt: prompt)
            request.negativePrompt = negativePrompt
            request.steps = steps
            request.guidanceScale = cfgScale
            request.sampler = try SamplerKind.named(sampler)
            request.seed = seed >= 0 ? UInt64(seed) : UInt64.random(in: 0...UInt64(UInt32.max))
            request.noiseLevel = noiseLevel
            request.tile = tile == 0 ? nil : tile
            request.tileOverlap = tileOverlap
            let bar = ProgressBar(label: "seed \(request.seed)")
            let latents = try pipeline.upscaledLatents(for: request) { p in
                try Interrupt.check()
                bar.update(p)
            }
            bar.finish()
            let (outW, outH) = (w * pipeline.vaeScaleFactor, h * pipeline.vaeScaleFactor)
            let result = try RGBImage(width: outW, height: outH, pixels: pipeline.decode(latents: latents, width: outW, height: outH))
            let url = try OutputNaming.url(explicit: output ?? inputURL.deletingPathExtension().lastPathComponent + "-x4.png",
                                           prompt: prompt, seed: request.seed, index: 0, of: 1)
            var generation = GenerationRequest(prompt: prompt)
            generation.negativePrompt = negativePrompt
            generation.steps = steps
            generation.guidanceScale = cfgScale
            generation.sampler = request.sampler
            generation.seed = request.seed
            generation.width = outW
            generation.height = outH
            let parameters = GenerationParameters.text(for: generation, modelName: checkpoint.url.deletingPathExtension().lastPathComponent,
                                                       modelHash: options.modelHash(), extra: [("Noise level", "\(noiseLevel)")])
            try ImageFile.writePNG(result, to: url, text: [(key: "parameters", value: parameters)])
            print(url.path)
        }
    }
}
