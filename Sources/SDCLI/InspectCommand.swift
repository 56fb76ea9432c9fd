import ArgumentParser
import Foundation
import SDModels
import SDPipelines

/// `sd inspect MODEL`: what the checkpoint is, as JSON.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Describe a checkpoint as JSON.")

    @Argument(help: "Diffusers folder or single .safetensors/.ckpt checkpoint.")
    var model: String

    func run() throws {
        let description = try CLIError.wrap {
            let options = try ModelOptions.parse(["--model", model])
            var checkpoint = try options.load()
            if checkpoint.predictionNeedsProbe {
                let unet = try UNet2DConditionModel(config: checkpoint.unetConfig, weights: checkpoint.unet)
                checkpoint = try PredictionProbe.resolve(checkpoint, unet: unet)
            }
            return ModelDescription(checkpoint)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try encoder.encode(description), as: UTF8.self))
    }
}
