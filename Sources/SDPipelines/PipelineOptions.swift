import SDCompute

/// How a pipeline trades memory for time.
public struct PipelineOptions: Sendable {
    /// Precision the convolution and matmul weights are kept in (computation is float32).
    public var weightStorage: WeightStorage = .f32
    /// Keep the text encoder and U-Net only while they run (reloaded from the memory-mapped
    /// checkpoint for each image) and hand activation buffers back between phases.
    public var lowMemory = false

    public init(weightStorage: WeightStorage = .f32, lowMemory: Bool = false) {
        self.weightStorage = weightStorage
        self.lowMemory = lowMemory
    }
}
