import Foundation
import SDCompute
import SDPipelines
import SDSampling
import SDWeights
import XCTest

/// Inpainting (9-channel model and masked img2img with a 4-channel one), depth-to-image with an
/// explicit depth map, the x4 upscaler and txt2img at sizes that are not multiples of 64, against
/// diffusers' pipelines on the tiny models (scripts/make-editing-fixtures.py), seed 42. Final
/// latents within 1e-4 (deterministic samplers) or 1e-3 (stochastic) max abs error per unit of
/// latent magnitude, as PipelineParityTests measures it.
final class EditingParityTests: XCTestCase {
    static let fixtures = PipelineParityTests.fixtures

    private static let loaded = Result { () throws -> SafetensorsFile in
        try SafetensorsFile(url: fixtures.appendingPathComponent("reference/pipeline-editing.safetensors"))
    }

    private func pipeline(_ model: String) throws -> StableDiffusionPipeline {
        try StableDiffusionPipeline(checkpoint: ModelCheckpoint.load(path: Self.fixtures.appendingPathComponent("models/\(model)")))
    }

    private func bytes(_ name: String) throws -> [UInt8] {
        guard let tensor = try Self.loaded.get().tensors[name] else { throw XCTSkip("fixture has no \(name)") }
        return Array(tensor.bytes)
    }

    private func image(_ name: String, side: Int) throws -> Tensor {
        let pixels = try bytes(name)
        guard pixels.count == side * side * 3 else { throw XCTSkip("\(name) is not \(side)x\(side)") }
        return Tensor(shape: [1, side, side, 3], values: pixels.map { 2 * (Float($0) / 255) - 1 })
    }

    private func request(_ sampler: SamplerKind, width: Int = 64, height: Int = 64) -> GenerationRequest {
        var r = GenerationRequest(prompt: "a photograph of an astronaut riding a horse")
        r.negativePrompt = "blurry"
        r.steps = 8
        r.seed = 42
        r.width = width
        r.height = height
        r.sampler = sampler
        return r
    }

    private func assertClose(_ latents: [Float], _ name: String, _ sampler: SamplerKind,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        guard let expected = try Self.loaded.get().tensors[name] else { return XCTFail("no reference \(name)", file: file, line: line) }
        let ref = try expected.floats()
        XCTAssertEqual(latents.count, ref.count, name, file: file, line: line)
        let scale = max(1, (ref.map(abs).max() ?? 0) / 4)
        let err = (zip(latents, ref).map { abs($0 - $1) }.max() ?? .infinity) / scale
        let stochastic = try sampler.makeScheduler(parameters: SchedulerParameters()).isStochastic
        XCTAssertLessThan(err, stochastic ? 1e-3 : 1e-4, "\(name): max abs error \(err)", file: file, line: line)
    }

    private func mask() throws -> PixelMask {
        try PixelMask(width: 64, height: 64, values: try bytes("mask_uint8").map { Float($0) / 255 })
    }

    func testInpaintingModel() throws {
        let pipe = try pipeline("sd2-inpaint")
        for (sampler, strength) in [(SamplerKind.eulerAncestral, 1.0), (.ddim, 1.0), (.dpmpp2m, 1.0), (.euler, 0.75)] {
            var r = request(sampler)
            r.initImage = try image("image_uint8", side: 64)
            r.mask = try mask()
            r.strength = strength
            try assertClose(try pipe.latents(for: r), "inpaint9.\(sampler.snakeName).strength\(strength)", sampler)
        }
    }

    func testMaskedImg2ImgWithNormalModel() throws {
        let pipe = try pipeline("sd1")
        for (sampler, strength) in [(SamplerKind.eulerAncestral, 0.75), (.ddim, 0.75), (.heun, 0.75), (.euler, 1.0)] {
            var r = request(sampler)
            r.initImage = try image("image_uint8", side: 64)
            r.mask = try mask()
            r.strength = strength
            try assertClose(try pipe.latents(for: r), "inpaint4.\(sampler.snakeName).strength\(strength)", sampler)
        }
    }

    func testDepthToImageWithDepthMap() throws {
        let pipe = try pipeline("sd2-depth")
        let depth = try DepthMap(width: 48, height: 40, values: try bytes("depth_uint8").map { Float($0) / 255 })
        for sampler in [SamplerKind.eulerAncestral, .ddim, .dpmpp2m] {
            var r = request(sampler)
            r.initImage = try image("image_uint8", side: 64)
            r.depthMap = depth
            r.strength = 0.8
            try assertClose(try pipe.latents(for: r), "depth.\(sampler.snakeName)", sampler)
        }
    }

    func testUpscaler() throws {
        let pipe = try pipeline("x4-upscaler")
        for sampler in [SamplerKind.eulerAncestral, .ddim] {
            var r = UpscaleRequest(image: try image("low_res_uint8", side: 16), prompt: "a photograph of an astronaut riding a horse")
            r.negativePrompt = "blurry"
            r.steps = 8
            r.guidanceScale = 7.5
            r.seed = 42
            r.sampler = sampler
            try assertClose(try pipe.upscaledLatents(for: r), "upscale.\(sampler.snakeName)", sampler)
        }
    }

    /// Tiles as large as the image change nothing; small tiles blend into one image of the same
    /// size without seams, close to the untiled result on this smooth input.
    func testUpscalerTiles() throws {
        let pipe = try pipeline("x4-upscaler")
        var r = UpscaleRequest(image: try image("low_res_uint8", side: 16), prompt: "a photograph of an astronaut riding a horse")
        r.steps = 4
        r.seed = 42
        r.tile = nil
        let whole = try pipe.upscaledLatents(for: r)
        r.tile = 16
        r.tileOverlap = 4
        XCTAssertEqual(try pipe.upscaledLatents(for: r), whole)
        r.tile = 12
        r.tileOverlap = 6
        let tiled = try pipe.upscaledLatents(for: r)
        XCTAssertEqual(tiled.count, whole.count)
        XCTAssertTrue(tiled.allSatisfy(\.isFinite))
        XCTAssertNotEqual(tiled, whole)
    }

    /// diffusers' tiled VAE (enable_tiling, 64-pixel tiles here so 128x96 takes 3x2 tiles):
    /// decoded pixels and the encoded posterior match; untiled differs (it is a real change).
    func testTiledVAEMatchesDiffusers() throws {
        let pipe = try pipeline("sd1")
        pipe.vaeTiling = true
        pipe.vaeTileSize = 64
        let ref = try Self.loaded.get()
        guard let latents = ref.tensors["tiled.latents"], let decoded = ref.tensors["tiled.decoded"],
              let mean = ref.tensors["tiled.mean"], let logvar = ref.tensors["tiled.logvar"] else {
            return XCTFail("no tiled VAE reference")
        }
        let scale = Float(pipe.checkpoint.vaeConfig.scalingFactor)
        let pixels = try pipe.decode(latents: try latents.floats().map { $0 * scale }, width: 128, height: 96)
        let expected = try decoded.floats()
        var worst = 0
        for (i, p) in pixels.enumerated() {
            let (c, pixel) = (i % 3, i / 3)
            let v = min(max(expected[c * 96 * 128 + pixel] / 2 + 0.5, 0), 1)
            worst = max(worst, abs(Int(p) - Int((v * 255).rounded(.toNearestOrEven))))
        }
        XCTAssertLessThanOrEqual(worst, 1, "tiled decode differs by \(worst)/255")
        pipe.vaeTiling = false
        let untiled = try pipe.decode(latents: try latents.floats().map { $0 * scale }, width: 128, height: 96)
        XCTAssertGreaterThan(zip(untiled, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0, 1)

        pipe.vaeTiling = true
        let wide = try bytes("tiled.image_uint8")
        XCTAssertEqual(wide.count, 96 * 128 * 3)
        let image = Tensor(shape: [1, 96, 128, 3], values: wide.map { 2 * (Float($0) / 255) - 1 })
        let (m, l) = try pipe.vaeModel().posterior(moments: try pipe.encodeMoments(image))
        for (name, got, want) in [("mean", try m.nhwcToNCHW().array, try mean.floats()), ("logvar", try l.nhwcToNCHW().array, try logvar.floats())] {
            let err = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(err, 1e-4, "tiled encode \(name): max abs error \(err)")
        }
    }

    /// The tiny models' weights are float16 values, so float16 storage changes nothing at all;
    /// --low-memory reloads the models per image and gives the same latents too.
    func testHalfPrecisionStorageAndLowMemory() throws {
        let checkpoint = try ModelCheckpoint.load(path: Self.fixtures.appendingPathComponent("models/sd2"))
        var r = request(.eulerAncestral)
        r.initImage = try image("image_uint8", side: 64)
        let full = try StableDiffusionPipeline(checkpoint: checkpoint).latents(for: r)
        let half = try StableDiffusionPipeline(checkpoint: checkpoint, options: PipelineOptions(weightStorage: .f16))
        XCTAssertEqual(try half.latents(for: r), full)
        let lean = try StableDiffusionPipeline(checkpoint: checkpoint, options: PipelineOptions(lowMemory: true))
        XCTAssertEqual(try lean.latents(for: r), full)
        XCTAssertEqual(try lean.latents(for: r), full)
        let brain = try StableDiffusionPipeline(checkpoint: checkpoint, options: PipelineOptions(weightStorage: .bf16))
        let bf16 = try brain.latents(for: r)
        XCTAssertNotEqual(bf16, full)
        XCTAssertTrue(bf16.allSatisfy(\.isFinite))
    }

    func testSizesNotMultipleOf64() throws {
        for (model, sampler) in [("sd1", SamplerKind.euler), ("sd2", .eulerAncestral)] {
            let pipe = try pipeline(model)
            for (w, h) in [(72, 88), (48, 40)] {
                try assertClose(try pipe.latents(for: request(sampler, width: w, height: h)),
                                "odd.\(model).\(sampler.snakeName).\(w)x\(h)", sampler)
            }
        }
    }

    func testRequestsTheModelCannotRun() throws {
        let inpaint = try pipeline("sd2-inpaint")
        XCTAssertThrowsError(try inpaint.latents(for: request(.euler))) { error in
            XCTAssertTrue("\(error)".contains("mask"), "\(error)")
        }
        let depth = try pipeline("sd2-depth")
        var r = request(.euler)
        r.initImage = try image("image_uint8", side: 64)
        XCTAssertThrowsError(try depth.latents(for: r)) { XCTAssertTrue("\($0)".contains("depth"), "\($0)") }
        let base = try pipeline("sd1")
        r.mask = try PixelMask(width: 32, height: 32, values: Array(repeating: 1, count: 32 * 32))
        XCTAssertThrowsError(try base.latents(for: r)) { XCTAssertTrue("\($0)".contains("size"), "\($0)") }
        XCTAssertThrowsError(try DepthMap(width: 2, height: 2, values: [1, 1, 1, 1]).conditioning(width: 4, height: 4))
        XCTAssertThrowsError(try base.upscaledLatents(for: UpscaleRequest(image: try image("image_uint8", side: 64), prompt: "x")))
    }
}
