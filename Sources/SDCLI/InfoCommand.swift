import ArgumentParser
import Foundation
import SDPipelines

/// `sd info IMAGE`: the generation parameters stored in a PNG (A1111's `parameters` chunk).
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print the generation parameters stored in an image.")

    @Argument(help: "A PNG written by sd, A1111 or another tool that stores `parameters`.")
    var image: String

    func run() throws {
        let text = try CLIError.wrap { try ImageMetadata.read(URL(fileURLWithPath: image)) }
        if let parameters = text["parameters"] {
            print(parameters)
        } else if text.isEmpty {
            Terminal.status("error: \(image): no text metadata")
            throw ExitCode(1)
        } else {
            for (key, value) in text.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
        }
    }
}
