import SDCompute

/// How a pipeline trades memory for time.
public struct PipelineOptions: Sendable {
    /// Precision the convolution and matmul weights are kept in (computation is float32).
    public var weightStorage: WeightStorage = .f32
    /// Hold each model (text encoder, U-Net, VAE) only while its phase runs and hand activation
    /// buffers back between phases, so peak memory is that of the largest phase; a second image
    /// reloads the models from the memory-mapped checkpoint.
    public var lowMemory = false

    public init(weightStorage: WeightStorage = .f32, lowMemory: Bool = false) {
        self.weightStorage = weightStorage
        self.lowMemory = lowMemory
    }
}
