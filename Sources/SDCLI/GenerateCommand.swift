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
    @OptionGroup var memoryOptions: MemoryOptions

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

    @Option(help: "img2img: how much of the image to repaint, 0...1 (default 0.75; 1 for inpainting models and --outpaint, 0.8 for depth models).")
    var strength: Double?

    @Option(help: "Inpainting: mask image of the init image's size, white = repaint.")
    var mask: String?

    @Option(help: "Inpainting: Gaussian blur (pixels) of the mask used to paste the result over the original.")
    var maskBlur: Double = 4

    @Flag(help: "Inpainting: repaint the black part of the mask instead of the white.")
    var invertMask = false

    @Option(help: "Outpainting: extend the init image by LEFT,TOP,RIGHT,BOTTOM pixels (multiples of 8) and paint the border.")
    var outpaint: String?

    @Option(help: "Depth models: depth map image (white = near); any size.")
    var depthMap: String?

    @Option(help: "Depth models without --depth-map: MiDaS DPT-Hybrid weights (transformers folder or dpt_hybrid-midas-501f0c75.pt); default: the model's depth_estimator folder.")
    var depthModel: String?

    @Flag(help: "Decode (and encode) with the tiled VAE; automatic from 1024x1024.")
    var vaeTiling = false

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
        if let strength, !strength.isFinite || !(0...1).contains(strength) {
            throw ValidationError("--strength must be in [0, 1], got \(strength)")
        }
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
        if initImage == nil {
            for (flag, given) in [("--strength", strength != nil), ("--mask", mask != nil), ("--outpaint", outpaint != nil),
                                  ("--invert-mask", invertMask)] where given {
                throw ValidationError("\(flag) needs --init-image")
            }
        }
        if mask != nil, outpaint != nil { throw ValidationError("give --mask or --outpaint, not both") }
        guard maskBlur.isFinite, (0...64).contains(maskBlur) else { throw ValidationError("--mask-blur must be between 0 and 64") }
        if let outpaint { _ = try Self.outpaintMargins(outpaint) }
    }

    /// `--outpaint L,T,R,B`: four non-negative multiples of 8, not all zero.
    static func outpaintMargins(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--outpaint takes LEFT,TOP,RIGHT,BOTTOM pixels, e.g. 0,0,128,0; got '\(text)'")
        }
        let margins = parts.compactMap { $0 }
        guard margins.allSatisfy({ $0 >= 0 && $0 % 8 == 0 && $0 <= 4096 }), margins.contains(where: { $0 > 0 }) else {
            throw ValidationError("--outpaint margins must be multiples of 8 between 0 and 4096, not all 0; got '\(text)'")
        }
        return margins
    }

    func run() throws {
        try CLIError.wrap {
            Interrupt.install()
            let checkpoint = try modelOptions.load()
            let pipeline = try StableDiffusionPipeline(checkpoint: checkpoint, options: memoryOptions.pipelineOptions(images: batchCount))
            if vaeTiling { pipeline.vaeTiling = true }
            var request = GenerationRequest(prompt: prompt ?? positionalPrompt ?? "")
            request.negativePrompt = negativePrompt
            request.steps = steps
            request.guidanceScale = cfgScale
            request.sampler = try SamplerKind.named(sampler)
            request.width = width ?? pipeline.defaultImageSize
            request.height = height ?? pipeline.defaultImageSize
            request.clipSkip = clipSkip - 1
            let editing = try EditInputs.load(initImage: initImage, mask: mask, invertMask: invertMask,
                                              outpaint: try outpaint.map(Self.outpaintMargins), width: width, height: height,
                                              defaultSize: pipeline.defaultImageSize)
            if let editing {
                request.width = editing.image.width
                request.height = editing.image.height
                request.initImage = editing.image.normalizedTensor()
                request.mask = editing.mask
            }
            if checkpoint.variant == .depth {
                if let depthMap {
                    request.depthMap = try DepthMap(image: ImageFile.read(URL(fileURLWithPath: depthMap)))
                } else if let editing {
                    guard let estimator = try DepthEstimation.estimator(explicit: depthModel, model: checkpoint) else {
                        throw InputError("a depth model needs --depth-map IMAGE or --depth-model (MiDaS DPT-Hybrid weights)")
                    }
                    request.depthMap = try DepthEstimation.depthMap(of: editing.image, with: estimator)
                }
            } else if depthMap != nil || depthModel != nil {
                throw InputError("\(depthMap != nil ? "--depth-map" : "--depth-model") needs a depth model (this is a \(checkpoint.variant.rawValue) model)")
            }
            request.strength = strength ?? Self.defaultStrength(checkpoint.variant, outpainting: outpaint != nil)
            let overlayMask = editing?.mask.map { $0.blurred(sigma: maskBlur) }
            let firstSeed = seed >= 0 ? UInt64(seed) : UInt64.random(in: 0...UInt64(UInt32.max))
            let modelName = checkpoint.url.deletingPathExtension().lastPathComponent
            let extra = editing?.mask != nil ? [("Mask blur", GenerationParameters.format(Float(maskBlur)))] : []
            let modelHash = modelOptions.modelHash()
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
                    try LatentsFile.write(latents, width: request.width / pipeline.vaeScaleFactor,
                                          height: request.height / pipeline.vaeScaleFactor,
                                          to: OutputNaming.numbered(URL(fileURLWithPath: saveLatents), index: index, of: batchCount))
                }
                var image = try RGBImage(width: request.width, height: request.height,
                                         pixels: pipeline.decode(latents: latents, width: request.width, height: request.height))
                if let editing, let overlayMask { image = try image.overlaid(on: editing.image, mask: overlayMask) }
                let url = try OutputNaming.url(explicit: output, prompt: request.prompt, seed: request.seed,
                                               index: index, of: batchCount)
                let parameters = GenerationParameters.text(for: request, modelName: modelName, modelHash: modelHash, extra: extra)
                try ImageFile.writePNG(image, to: url, text: [(key: "parameters", value: parameters)])
                print(url.path)
            }
        }
    }

    /// A1111's 0.75, except where diffusers' pipeline for the model defaults otherwise:
    /// inpainting models (and outpainting, which starts from no picture) 1.0, depth models 0.8.
    static func defaultStrength(_ variant: ModelVariant, outpainting: Bool) -> Double {
        if variant == .inpaint || outpainting { return 1 }
        return variant == .depth ? 0.8 : 0.75
    }
}
