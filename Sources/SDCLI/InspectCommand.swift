import ArgumentParser
import Foundation
import SDPipelines

/// `sd inspect MODEL`: what the checkpoint is, as JSON.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Describe a checkpoint as JSON.")

    @Argument(help: "Diffusers folder or single .safetensors/.ckpt checkpoint.")
    var model: String

    func run() throws {
        let description = try CLIError.wrap {
            let options = try ModelOptions.parse(["--model", model])
            return ModelDescription(try options.load())
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try encoder.encode(description), as: UTF8.self))
    }
}
