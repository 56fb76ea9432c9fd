import Foundation
import SDCompute
import SDPipelines
import SDSampling
import SDWeights
import XCTest

/// End-to-end txt2img / img2img against diffusers' pipelines on the tiny models, seeded with
/// torch.Generator("cpu").manual_seed(42) (scripts/make-pipeline-fixtures.py). Final latents
/// must agree within 1e-4 (deterministic samplers) or 1e-3 (stochastic) max abs error per unit of
/// latent magnitude: real SD latents are O(1), where that is the plain max abs error, but the
/// tiny SD1 model's guided latents reach |x| ~ 43, and float32 rounding scales with them.
final class PipelineParityTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func pipeline(_ model: String) throws -> StableDiffusionPipeline {
        try StableDiffusionPipeline(checkpoint: ModelCheckpoint.load(path: Self.fixtures.appendingPathComponent("models/\(model)")))
    }

    private func reference(_ model: String) throws -> SafetensorsFile {
        try SafetensorsFile(url: Self.fixtures.appendingPathComponent("reference/pipeline-\(model).safetensors"))
    }

    private func request(_ ref: SafetensorsFile, sampler: SamplerKind) -> GenerationRequest {
        var r = GenerationRequest(prompt: ref.metadata["prompt"] ?? "a photograph of an astronaut riding a horse")
        r.negativePrompt = ref.metadata["negative_prompt"] ?? "blurry"
        r.steps = Int(ref.metadata["steps"] ?? "") ?? 8
        r.guidanceScale = Float(ref.metadata["guidance_scale"] ?? "") ?? 7.5
        r.seed = UInt64(ref.metadata["seed"] ?? "") ?? 42
        r.width = 64
        r.height = 64
        r.sampler = sampler
        return r
    }

    /// max |a - b| / max(1, max |b| / 4), 4 being a generous magnitude for real SD latents.
    private func maxError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(1, (b.map(abs).max() ?? 0) / 4)
        return (zip(a, b).map { abs($0 - $1) }.max() ?? .infinity) / scale
    }

    private func check(_ model: String, prefix: String, samplers: [SamplerKind], initImage: Bool) throws {
        let pipe = try pipeline(model)
        let ref = try reference(model)
        var image: Tensor?
        if initImage, let pixels = ref.tensors["img2img.init_uint8"] {
            let bytes = Array(pixels.bytes)
            image = Tensor(shape: [1, 64, 64, 3], values: bytes.map { 2 * (Float($0) / 255) - 1 })
        }
        for sampler in samplers {
            guard let expected = ref.tensors["\(prefix).\(sampler.snakeName)"] else {
                XCTFail("no reference for \(prefix).\(sampler.snakeName)")
                continue
            }
            var r = request(ref, sampler: sampler)
            r.initImage = image
            r.strength = Double(ref.metadata["strength"] ?? "") ?? 0.6
            let latents = try pipe.latents(for: r)
            let err = maxError(latents, try expected.floats())
            let stochastic = try sampler.makeScheduler(parameters: SchedulerParameters()).isStochastic
            XCTAssertLessThan(err, stochastic ? 1e-3 : 1e-4, "\(model) \(prefix) \(sampler.snakeName): max abs error \(err)")
        }
    }

    static let txt2imgSamplers: [SamplerKind] = [
        .ddim, .pndm, .euler, .eulerAncestral, .lms, .heun, .dpm2, .dpm2Ancestral, .dpmpp2m, .dpmpp2mKarras,
        .dpmpp2mSDE, .dpmpp2mSDEKarras, .unipc, .ddpm, .lcm, .eulerKarras, .lmsKarras,
    ]
    static let img2imgSamplers: [SamplerKind] = [.ddim, .euler, .eulerAncestral, .dpmpp2m, .heun, .lms, .pndm]

    func testTxt2ImgEpsilonModelEverySampler() throws {
        try check("sd1", prefix: "txt2img", samplers: Self.txt2imgSamplers, initImage: false)
    }

    func testTxt2ImgVPredictionModelEverySampler() throws {
        try check("sd2", prefix: "txt2img", samplers: Self.txt2imgSamplers, initImage: false)
    }

    func testImg2Img() throws {
        for model in ["sd1", "sd2"] {
            try check(model, prefix: "img2img", samplers: Self.img2imgSamplers, initImage: true)
        }
    }

    func testNoGuidanceAndSeedsAndDecodedPixels() throws {
        let pipe = try pipeline("sd1")
        let ref = try reference("sd1")
        var r = request(ref, sampler: .eulerAncestral)
        r.guidanceScale = 1
        r.width = Int(ref.metadata["nocfg_width"] ?? "") ?? 64
        r.height = Int(ref.metadata["nocfg_height"] ?? "") ?? 64
        XCTAssertLessThan(maxError(try pipe.latents(for: r), try XCTUnwrap(ref.tensors["txt2img_nocfg.euler_a"]).floats()), 1e-3)
        r = request(ref, sampler: .eulerAncestral)
        r.seed = 7
        XCTAssertLessThan(maxError(try pipe.latents(for: r), try XCTUnwrap(ref.tensors["txt2img_seed7.euler_a"]).floats()), 1e-3)
        r.seed = 42
        let pixels = try pipe.decode(latents: try pipe.latents(for: r), width: 64, height: 64)
        let expected = try XCTUnwrap(ref.tensors["txt2img.euler_a.image"]).floats().map { UInt8(($0 * 255).rounded()) }
        let worst = zip(pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 255
        XCTAssertLessThanOrEqual(worst, 1, "decoded pixels differ by \(worst)/255")
    }

    func testBadRequestsAreTypedErrors() throws {
        let pipe = try pipeline("sd1")
        var r = GenerationRequest(prompt: "x")
        r.width = 60
        XCTAssertThrowsError(try pipe.latents(for: r)) { XCTAssertTrue("\($0)".contains("width"), "\($0)") }
        r = GenerationRequest(prompt: "x")
        r.width = 64
        r.height = 64
        r.steps = 0
        XCTAssertThrowsError(try pipe.latents(for: r)) { XCTAssertTrue("\($0)".contains("steps"), "\($0)") }
        r.steps = 4
        r.initImage = Tensor(zeros: [1, 64, 64, 3])
        r.strength = 1.5
        XCTAssertThrowsError(try pipe.latents(for: r)) { XCTAssertTrue("\($0)".contains("strength"), "\($0)") }
    }
}
