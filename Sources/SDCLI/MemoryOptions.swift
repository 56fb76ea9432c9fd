import ArgumentParser
import SDCompute
import SDPipelines

/// `--weights-type` and `--low-memory`, shared by the commands that run a pipeline.
struct MemoryOptions: ParsableArguments {
    @Option(help: "Precision weights are kept in: f32, f16 or bf16 (half the memory; compute stays f32).")
    var weightsType: String = "f32"

    @Flag(help: "Keep the text encoder and U-Net in memory only while they run (slower per image, smaller peak).")
    var lowMemory = false

    func validate() throws {
        guard WeightStorage(rawValue: weightsType) != nil else {
            throw ValidationError("unknown --weights-type '\(weightsType)'; known: f32, f16, bf16")
        }
    }

    var pipelineOptions: PipelineOptions {
        PipelineOptions(weightStorage: WeightStorage(rawValue: weightsType) ?? .f32, lowMemory: lowMemory)
    }
}
