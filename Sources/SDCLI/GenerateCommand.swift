import ArgumentParser
import Foundation
import SDCompute
import SDPipelines
import SDSampling
import SDWeights

/// `sd generate`: txt2img, or img2img with --init-image, seed for seed as diffusers.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate images from a prompt (and optionally an initial image).")

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The prompt (or use --prompt).")
    var positionalPrompt: String?

    @Option(name: [.short, .long], help: "The prompt.")
    var prompt: String?

    @Option(name: [.customShort("n"), .long], help: "Negative prompt (default: empty, as diffusers).")
    var negativePrompt: String = ""

    @Option(help: "Denoising steps.")
    var steps: Int = 20

    @Option(help: "Classifier-free guidance scale; 1 disables guidance.")
    var cfgScale: Float = 7.5

    @Option(help: "Sampler: A1111, stable-diffusion.cpp or snake-case name (see `sd samplers`).")
    var sampler: String = "euler_a"

    @Option(name: [.short, .long], help: "Seed; -1 picks a random one.")
    var seed: Int64 = -1

    @Option(name: [.customShort("W"), .long], help: "Width in pixels (multiple of 8; default: the model's).")
    var width: Int?

    @Option(name: [.customShort("H"), .long], help: "Height in pixels (multiple of 8; default: the model's).")
    var height: Int?

    @Option(name: [.short, .long], help: "img2img: the initial image (PNG or JPEG).")
    var initImage: String?

    @Option(help: "img2img: how much of the image to repaint, 0...1.")
    var strength: Double = 0.75

    @Option(help: "Images to make, with seeds seed, seed+1, ... (A1111's batch count).")
    var batchCount: Int = 1

    @Option(help: "A1111 clip skip: 1 uses the last layer, 2 the penultimate, ...")
    var clipSkip: Int = 1

    @Option(name: [.short, .long], help: "Output PNG (default: <seed>-<prompt>.png; never overwrites).")
    var output: String?

    @Option(help: "Also write the final latents (before decoding) to this .safetensors file.")
    var saveLatents: String?

    @Option(help: "Threads (both cores by default).")
    var threads: Int?

    func validate() throws {
        guard positionalPrompt != nil || prompt != nil else { throw ValidationError("give a prompt (positional or --prompt)") }
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be between 1 and 1000, got \(steps)") }
        guard strength.isFinite, (0...1).contains(strength) else { throw ValidationError("--strength must be in [0, 1], got \(strength)") }
        guard (1...10000).contains(batchCount) else { throw ValidationError("--batch-count must be at least 1") }
        guard (1...12).contains(clipSkip) else { throw ValidationError("--clip-skip must be between 1 and 12") }
        guard cfgScale.isFinite, cfgScale >= 0 else { throw ValidationError("--cfg-scale must be a non-negative number") }
        for (name, value) in [("--width", width), ("--height", height)] {
            if let value, value <= 0 || value % 8 != 0 { throw ValidationError("\(name) must be a positive multiple of 8, got \(value)") }
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if SamplerKind(name: sampler) == nil {
            throw ValidationError("unknown --sampler '\(sampler)'; known: \(SamplerKind.allNames.joined(separator: ", "))")
        }
        if initImage == nil, strength != 0.75 { throw ValidationError("--strength needs --init-image") }
    }

    func run() throws {
        try CLIError.wrap {
            Interrupt.install()
            let checkpoint = try modelOptions.load()
            let pipeline = try StableDiffusionPipeline(checkpoint: checkpoint)
            var request = GenerationRequest(prompt: prompt ?? positionalPrompt ?? "")
            request.negativePrompt = negativePrompt
            request.steps = steps
            request.guidanceScale = cfgScale
            request.sampler = try SamplerKind.named(sampler)
            request.width = width ?? pipeline.defaultImageSize
            request.height = height ?? pipeline.defaultImageSize
            request.strength = strength
            request.clipSkip = clipSkip - 1
            if let initImage {
                request.initImage = try InitImage.load(URL(fileURLWithPath: initImage), width: request.width, height: request.height)
            }
            let firstSeed = seed >= 0 ? UInt64(seed) : UInt64.random(in: 0...UInt64(UInt32.max))
            let modelName = checkpoint.url.deletingPathExtension().lastPathComponent
            for index in 0..<batchCount {
                request.seed = firstSeed &+ UInt64(index)
                let label = batchCount > 1 ? "image \(index + 1)/\(batchCount), seed \(request.seed)" : "seed \(request.seed)"
                let bar = ProgressBar(label: label)
                let latents = try pipeline.latents(for: request) { p in
                    try Interrupt.check()
                    bar.update(p)
                }
                bar.finish()
                if let saveLatents {
                    try LatentsFile.write(latents, width: request.width / pipeline.vae.downscale,
                                          height: request.height / pipeline.vae.downscale,
                                          to: OutputNaming.numbered(URL(fileURLWithPath: saveLatents), index: index, of: batchCount))
                }
                let pixels = try pipeline.decode(latents: latents, width: request.width, height: request.height)
                let url = try OutputNaming.url(explicit: output, prompt: request.prompt, seed: request.seed,
                                               index: index, of: batchCount)
                try ImageOutput.writePNG(pixels: pixels, width: request.width, height: request.height,
                                         parameters: GenerationParameters.text(for: request, modelName: modelName), to: url)
                print(url.path)
            }
        }
    }
}
