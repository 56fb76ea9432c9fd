import Foundation
import XCTest
@testable import SDWeights

final class ConfigDecodingTests: XCTestCase {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    func testMissingKeysTakeDiffusersDefaultsAndUnknownKeysAreIgnored() throws {
        let unet = try decode(UNet2DConditionConfig.self, #"{"_class_name": "UNet2DConditionModel", "some_future_key": [1, {"x": 2}]}"#)
        XCTAssertEqual(unet, UNet2DConditionConfig())
        XCTAssertEqual(unet.blockOutChannels, [320, 640, 1280, 1280])
        XCTAssertEqual(unet.attentionHeads, [8, 8, 8, 8])
        XCTAssertEqual(unet.midBlockType, "UNetMidBlock2DCrossAttn")
        let vae = try decode(AutoencoderKLConfig.self, "{}")
        XCTAssertEqual(vae.scalingFactor, 0.18215)
        XCTAssertEqual(vae.blockOutChannels, [64])
        let text = try decode(CLIPTextConfig.self, #"{"hidden_size": 1024}"#)
        XCTAssertEqual(text.hiddenSize, 1024)
        XCTAssertEqual(text.hiddenAct, "quick_gelu")
        XCTAssertEqual(text.numAttentionHeads, 8)
    }

    func testScalarOrListFields() throws {
        let sd2 = try decode(UNet2DConditionConfig.self, #"""
        {"attention_head_dim": [5, 10, 20, 20], "only_cross_attention": [true, true, true, false],
         "num_attention_heads": null, "mid_block_type": null, "norm_num_groups": null}
        """#)
        XCTAssertEqual(sd2.attentionHeads, [5, 10, 20, 20])
        XCTAssertEqual(sd2.onlyCrossAttention.values(count: 4), [true, true, true, false])
        XCTAssertNil(sd2.midBlockType, "an explicit null is kept")
        XCTAssertNil(sd2.normNumGroups)
        let heads = try decode(UNet2DConditionConfig.self, #"{"attention_head_dim": 64, "num_attention_heads": [2, 4, 8, 8]}"#)
        XCTAssertEqual(heads.attentionHeads, [2, 4, 8, 8], "num_attention_heads wins, as in diffusers")
        XCTAssertNil(try decode(UNet2DConditionConfig.self, #"{"attention_head_dim": [8, 8]}"#).attentionHeads,
                     "a list of the wrong length is not silently stretched")
    }

    func testSchedulerAndModelIndex() throws {
        let scheduler = try decode(SchedulerConfig.self, #"""
        {"_class_name": "PNDMScheduler", "beta_start": 0.00085, "trained_betas": null, "prediction_type": "epsilon",
         "skip_prk_steps": true, "steps_offset": 1, "unknown": 3}
        """#)
        XCTAssertEqual(scheduler.className, "PNDMScheduler")
        XCTAssertEqual(scheduler.betaStart, 0.00085)
        XCTAssertNil(scheduler.trainedBetas)
        XCTAssertEqual(scheduler.skipPrkSteps, true)
        XCTAssertNil(scheduler.betaEnd)
        let index = try decode(ModelIndex.self, #"""
        {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.6.0", "requires_safety_checker": true,
         "safety_checker": [null, null], "unet": ["diffusers", "UNet2DConditionModel"], "max_noise_level": 350}
        """#)
        XCTAssertEqual(index.className, "StableDiffusionPipeline")
        XCTAssertEqual(index.components["unet"], .init(library: "diffusers", className: "UNet2DConditionModel"))
        XCTAssertEqual(index.components["safety_checker"], .init(library: nil, className: nil))
        XCTAssertNil(index.components["_diffusers_version"])
        XCTAssertEqual(index.maxNoiseLevel, 350)
    }

    func testWrongTypeNamesFileAndKey() throws {
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("config.json")
        try Data(#"{"block_out_channels": "wide"}"#.utf8).write(to: url)
        XCTAssertThrowsError(try ModelCheckpoint.decodeConfig(UNet2DConditionConfig.self, at: url)) { error in
            XCTAssertEqual(error as? WeightsError, .badConfig(path: url.path, detail: "unexpected value for 'block_out_channels'"))
        }
        try Data("{not json".utf8).write(to: url)
        XCTAssertThrowsError(try ModelCheckpoint.decodeConfig(UNet2DConditionConfig.self, at: url)) { error in
            XCTAssertEqual(error as? WeightsError, .badConfig(path: url.path, detail: "not valid JSON"))
        }
    }
}
