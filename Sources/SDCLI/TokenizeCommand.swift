import ArgumentParser
import Foundation
import SDPipelines

/// `sd tokenize --model MODEL TEXT`: the 77 token ids the model's text encoder receives.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Show the token ids of a prompt.")

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The prompt.")
    var text: String

    private struct Output: Encodable {
        let input_ids: [Int]
        let tokens: [String]
    }

    func run() throws {
        let output = try CLIError.wrap {
            let tokenizer = try TokenizerLoader.tokenizer(for: modelOptions.load())
            let (ids, tokens) = tokenizer.tokenize(text)
            return Output(input_ids: ids, tokens: tokens)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(output), as: UTF8.self))
    }
}
