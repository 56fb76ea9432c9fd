import ArgumentParser

/// The `sd` command: subcommands for generation, inspection and benchmarking.
@main
struct SDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sd",
        abstract: "Stable Diffusion 1.x/2.x on the CPU, numerically matching diffusers.",
        subcommands: [BenchCommand.self])
}
