import ArgumentParser

/// The `sd` command: subcommands for generation, inspection and benchmarking.

struct SDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sd",
        abstract: "Stable Diffusion 1.x/2.x on the CPU, numerically matching diffusers.",
        subcommands: [GenerateCommand.self, UpscaleCommand.self, DepthCommand.self, InspectCommand.self, TokenizeCommand.self, InfoCommand.self, SamplersCommand.self, BenchCommand.self],
        defaultSubcommand: nil)
}
