import Foundation
import XCTest
@testable import SDWeights

final class YAMLReaderTests: XCTestCase {
    /// The syntax of the published LDM configs: flow lists with odd spacing, comments after
    /// values and on their own lines, quoted scalars, sequences at the key's indentation.
    let sample = """
    model:
      base_learning_rate: 1.0e-04
      target: ldm.models.diffusion.ddpm.LatentUpscaleDiffusion
      params:
        parameterization: "v"
        low_scale_key: 'lr'
        scale_factor: 0.08333
        use_ema: False

        scheduler_config: # 10000 warmup steps
          params:
            warm_up_steps: [ 10000 ]
            f_start: [ 1.e-6 ]
        unet_config:
          params:
            num_classes: 1000  # timesteps for noise conditioning
            attention_resolutions: [ 2,4,8]
            disable_self_attentions: [True, True, True, False]
            num_head_channels: 64 # need to fix for flash-attn
            channel_mult:
            - 1
            - 2
            list_of_maps:
              - name: a
                value: 1
              - name: b
            flow_map: {a: 1, b: [x, y]}
            empty: []
            nothing: null
    """

    func testParsesLDMConfigSyntax() throws {
        let root = try YAMLReader.parse(sample, path: "sample.yaml")
        XCTAssertEqual(root.at("model.target")?.string, "ldm.models.diffusion.ddpm.LatentUpscaleDiffusion")
        XCTAssertEqual(root.at("model.base_learning_rate")?.double, 1.0e-4)
        XCTAssertEqual(root.at("model.params.parameterization")?.string, "v")
        XCTAssertEqual(root.at("model.params.low_scale_key")?.string, "lr")
        XCTAssertEqual(root.at("model.params.use_ema")?.bool, false)
        XCTAssertEqual(root.at("model.params.scheduler_config.params.warm_up_steps")?.ints, [10000])
        let unet = try XCTUnwrap(root.at("model.params.unet_config.params"))
        XCTAssertEqual(unet["num_classes"]?.int, 1000)
        XCTAssertEqual(unet["attention_resolutions"]?.ints, [2, 4, 8])
        XCTAssertEqual(unet["disable_self_attentions"]?.array?.compactMap(\.bool), [true, true, true, false])
        XCTAssertEqual(unet["num_head_channels"]?.int, 64)
        XCTAssertEqual(unet["channel_mult"]?.ints, [1, 2])
        XCTAssertEqual(unet["list_of_maps"]?.array?.count, 2)
        XCTAssertEqual(unet["list_of_maps"]?.array?.first?["value"]?.int, 1)
        XCTAssertEqual(unet["list_of_maps"]?.array?.last?["name"]?.string, "b")
        XCTAssertEqual(unet["flow_map"]?["b"]?.array?.compactMap(\.string), ["x", "y"])
        XCTAssertEqual(unet["empty"], .sequence([]))
        XCTAssertEqual(unet["nothing"], .null)
    }

    func testLDMConfigFields() throws {
        let config = try LDMConfig(yaml: sample, path: "sample.yaml")
        XCTAssertEqual(config.variant, .upscale)
        XCTAssertEqual(config.prediction, .v)
        XCTAssertEqual(config.scaleFactor, 0.08333)
        XCTAssertEqual(config.unet?["num_head_channels"]?.int, 64)
    }

    func testFixtureConfigs() throws {
        let sd1 = try LDMConfig(contentsOf: TestFiles.models.appendingPathComponent("sd1.yaml"))
        XCTAssertEqual(sd1.prediction, .epsilon)
        XCTAssertEqual(sd1.variant, .base)
        XCTAssertEqual(sd1.unet?["num_heads"]?.int, 8)
        XCTAssertEqual(sd1.vae?["ch_mult"]?.ints, [1, 1, 1, 1])
        XCTAssertEqual(sd1.conditionTarget, "ldm.modules.encoders.modules.FrozenCLIPEmbedder")
        let sd2 = try LDMConfig(contentsOf: TestFiles.models.appendingPathComponent("sd2.yaml"))
        XCTAssertEqual(sd2.prediction, .v)
        XCTAssertEqual(sd2.conditionLayer, "penultimate")
        XCTAssertEqual(sd2.unet?["use_linear_in_transformer"]?.bool, true)
    }

    func testErrorsNameTheFile() {
        for text in ["model:\n  a: 1\n b: 2\n", "model:\n  a: [1, 2\n", "model:\n  anchor: &x 1\n", "just text\n", "other: 1\n"] {
            XCTAssertThrowsError(try LDMConfig(yaml: text, path: "bad.yaml"), text) { error in
                guard case .badConfig(path: "bad.yaml", _)? = error as? WeightsError else {
                    return XCTFail("unexpected \(error) for \(text)")
                }
            }
        }
    }
}
