import ArgumentParser
import SDCompute
import SDPipelines

/// `--weights-type` and `--low-memory`, shared by the commands that run a pipeline.
struct MemoryOptions: ParsableArguments {
    @Option(help: "Precision weights are kept in: f32, f16 or bf16 (half the memory; compute stays f32).")
    var weightsType: String = "f32"

    @Flag(help: "Keep each model in memory only while it runs, for every image of a batch (reloads cost time); a single image always works this way.")
    var lowMemory = false

    func validate() throws {
        guard WeightStorage(rawValue: weightsType) != nil else {
            throw ValidationError("unknown --weights-type '\(weightsType)'; known: f32, f16, bf16")
        }
    }

    /// For one image, holding each model only during its phase costs nothing (each is loaded
    /// once anyway), so it is the default there; batches keep models loaded unless --low-memory.
    func pipelineOptions(images: Int) -> PipelineOptions {
        PipelineOptions(weightStorage: WeightStorage(rawValue: weightsType) ?? .f32, lowMemory: lowMemory || images == 1)
    }
}
