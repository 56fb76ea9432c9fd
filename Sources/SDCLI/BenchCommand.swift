import ArgumentParser
import Foundation
import SDCompute
import SDModels
import SDPipelines

/// `sd bench`: per-component speed on real-size random-weight models.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time the U-Net, VAE and text encoder at real model sizes (random weights).")

    @Option(help: "Architecture: \(ArchitecturePreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: String = "sd15"

    @Option(help: "Component: unet, vae, text, all, or attention (SD 1.5's attention shapes; not part of all).")
    var component: String = "all"

    @Option(help: "Timed passes after one warm-up pass (the median is reported).")
    var steps: Int = 3

    @Option(help: "Precision weights are kept in: f32, f16 or bf16.")
    var weightsType: String = "f32"

    @Flag(help: "Also print the time per kind of kernel (convolution, matmul, attention, norms, ...).")
    var profile = false

    func validate() throws {
        guard ArchitecturePreset(rawValue: preset) != nil else {
            throw ValidationError("unknown --preset '\(preset)'; known: \(ArchitecturePreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Benchmark.Component(rawValue: component) != nil else {
            throw ValidationError("unknown --component '\(component)'; known: unet, vae, text, all, attention")
        }
        guard (1...100).contains(steps) else { throw ValidationError("--steps must be between 1 and 100") }
        guard WeightStorage(rawValue: weightsType) != nil else {
            throw ValidationError("unknown --weights-type '\(weightsType)'; known: f32, f16, bf16")
        }
    }

    func run() throws {
        guard let preset = ArchitecturePreset(rawValue: preset), let component = Benchmark.Component(rawValue: component) else {
            return
        }
        let result = try CLIError.wrap {
            try Benchmark.run(preset: preset, component: component, steps: steps, profile: profile,
                              storage: WeightStorage(rawValue: weightsType) ?? .f32) { Terminal.status($0) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
