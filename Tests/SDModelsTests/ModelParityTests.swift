import Foundation
import SDCompute
import SDModels
import SDWeights
import XCTest

/// Text encoder, U-Net and VAE outputs against diffusers on the same tiny random weights,
/// within 1e-4 relative (max abs error / max abs value).
final class ModelParityTests: XCTestCase {
    let tolerance: Float = 1e-4

    private func checkTextEncoder(_ name: String) throws {
        let ref = try ModelFixtures.reference(name)
        let (config, store) = try ModelFixtures.component(name, "text_encoder", weights: "model.safetensors",
                                                          as: CLIPTextConfig.self)
        let model = try CLIPTextModel(config: config, weights: store)
        guard let idsTensor = ref["text.input_ids"] else { return XCTFail("no input ids") }
        let flat = try idsTensor.int64s().map(Int.init)
        let ids = stride(from: 0, to: flat.count, by: 77).map { Array(flat[$0..<($0 + 77)]) }
        let out = try model(ids)
        let err = ModelFixtures.relativeError(out, try ModelFixtures.tensor(ref, "text.last_hidden_state"))
        XCTAssertLessThan(err, tolerance, "\(name) text encoder relative error \(err)")
        if ref["text.clip_skip1"] != nil {
            let skipped = try model(ids, skipLastLayers: 1)
            let err = ModelFixtures.relativeError(skipped, try ModelFixtures.tensor(ref, "text.clip_skip1"))
            XCTAssertLessThan(err, tolerance, "\(name) clip skip relative error \(err)")
        }
    }

    private func checkUNet(_ name: String) throws {
        let ref = try ModelFixtures.reference(name)
        let (config, store) = try ModelFixtures.component(name, "unet", weights: "diffusion_pytorch_model.safetensors",
                                                          as: UNet2DConditionConfig.self)
        let model = try UNet2DConditionModel(config: config, weights: store)
        let sample = try ModelFixtures.tensor(ref, "unet.sample").nchwToNHWC()
        let labels = try ref["unet.class_labels"]?.int64s().map(Int.init)
        let out = try model(sample, timesteps: ModelFixtures.tensor(ref, "unet.timestep").array,
                            context: ModelFixtures.tensor(ref, "unet.encoder_hidden_states"), classLabels: labels)
        let err = ModelFixtures.relativeError(try out.nhwcToNCHW(), try ModelFixtures.tensor(ref, "unet.out"))
        XCTAssertLessThan(err, tolerance, "\(name) U-Net relative error \(err)")
    }

    private func checkVAE(_ name: String) throws {
        let ref = try ModelFixtures.reference(name)
        let (config, store) = try ModelFixtures.component(name, "vae", weights: "diffusion_pytorch_model.safetensors",
                                                          as: AutoencoderKLConfig.self)
        let vae = try AutoencoderKL(config: config, weights: store)
        let (mean, logvar) = try vae.encode(ModelFixtures.tensor(ref, "vae.image").nchwToNHWC())
        for (got, key) in [(mean, "vae.posterior_mean"), (logvar, "vae.posterior_logvar")] {
            let err = ModelFixtures.relativeError(try got.nhwcToNCHW(), try ModelFixtures.tensor(ref, key))
            XCTAssertLessThan(err, tolerance, "\(name) \(key) relative error \(err)")
        }
        let decoded = try vae.decode(ModelFixtures.tensor(ref, "vae.latents").nchwToNHWC())
        let err = ModelFixtures.relativeError(try decoded.nhwcToNCHW(), try ModelFixtures.tensor(ref, "vae.decoded"))
        XCTAssertLessThan(err, tolerance, "\(name) VAE decode relative error \(err)")
    }

    func testSD1TextEncoder() throws { try checkTextEncoder("sd1") }
    func testSD2TextEncoder() throws { try checkTextEncoder("sd2") }
    func testSD1UNet() throws { try checkUNet("sd1") }
    func testSD2UNetLinearProjectionsVPrediction() throws { try checkUNet("sd2") }
    func testInpaintingUNetNineChannels() throws { try checkUNet("sd2-inpaint") }
    func testDepthUNetFiveChannels() throws { try checkUNet("sd2-depth") }
    func testUpscalerUNetWithNoiseLevelEmbedding() throws { try checkUNet("x4-upscaler") }
    func testSD1VAE() throws { try checkVAE("sd1") }
    func testUpscalerVAE() throws { try checkVAE("x4-upscaler") }

    func testWrongShapeIsATypedError() throws {
        let (config, store) = try ModelFixtures.component("sd1", "unet", weights: "diffusion_pytorch_model.safetensors",
                                                          as: UNet2DConditionConfig.self)
        var wrong = config
        wrong.blockOutChannels[0] *= 2
        XCTAssertThrowsError(try UNet2DConditionModel(config: wrong, weights: store)) { error in
            XCTAssertTrue("\(error)".contains("conv_in.weight"), "\(error)")
        }
    }
}
