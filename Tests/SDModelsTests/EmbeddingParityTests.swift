import Foundation
import SDCompute
import SDModels
import SDWeights
import XCTest

/// The U-Net's timestep and class-label (noise level) embeddings against diffusers, on a tiny
/// model with 4 channels per GroupNorm group (scripts/make-embedding-fixtures.py): the other
/// fixtures have one channel per group, which cancels both embeddings, so only this model shows
/// a wrong timestep or label. Within 1e-4 relative; swapping the two items' timesteps and labels
/// moves the output by far more than that.
final class EmbeddingParityTests: XCTestCase {
    func testTimestepAndClassLabelEmbeddings() throws {
        let ref = try ModelFixtures.reference("unet-embeddings")
        let (config, store) = try ModelFixtures.component("unet-embeddings", "unet", weights: "diffusion_pytorch_model.safetensors",
                                                          as: UNet2DConditionConfig.self)
        let model = try UNet2DConditionModel(config: config, weights: store)
        let sample = try ModelFixtures.tensor(ref, "unet.sample").nchwToNHWC()
        let context = try ModelFixtures.tensor(ref, "unet.encoder_hidden_states")
        for (suffix, prefix) in [("", "unet."), ("_swapped", "unet.swapped_")] {
            let timesteps = try ModelFixtures.tensor(ref, prefix + "timestep").array
            let labels = try XCTUnwrap(ref[prefix + "class_labels"]).int64s().map(Int.init)
            let out = try model(sample, timesteps: timesteps, context: context, classLabels: labels).nhwcToNCHW()
            let expected = try ModelFixtures.tensor(ref, "unet.out" + suffix)
            let err = ModelFixtures.relativeError(out, expected)
            XCTAssertLessThan(err, 1e-4, "timesteps \(timesteps), labels \(labels): relative error \(err)")
        }
        let change = ModelFixtures.relativeError(try ModelFixtures.tensor(ref, "unet.out"),
                                                 try ModelFixtures.tensor(ref, "unet.out_swapped"))
        XCTAssertGreaterThan(change, 1e-2, "the fixture must be sensitive to timesteps and labels")
    }
}
