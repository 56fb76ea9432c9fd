import SDCompute
import SDModels

extension StableDiffusionPipeline {
    /// The text encoder, loaded from the (memory-mapped) checkpoint if not held.
    func textEncoderModel() throws -> CLIPTextModel {
        try held(\.loadedTextEncoder) {
            try CLIPTextModel(config: checkpoint.textEncoderConfig, weights: checkpoint.textEncoder, storage: options.weightStorage)
        }
    }

    func unetModel() throws -> UNet2DConditionModel {
        try held(\.loadedUNet) {
            try UNet2DConditionModel(config: checkpoint.unetConfig, weights: checkpoint.unet, storage: options.weightStorage)
        }
    }

    /// The VAE (public so callers can encode or decode outside a generation).
    public func vaeModel() throws -> AutoencoderKL {
        try held(\.loadedVAE) {
            try AutoencoderKL(config: checkpoint.vaeConfig, weights: checkpoint.vae, storage: options.weightStorage)
        }
    }

    // With `lowMemory` each phase lets go of its model and of the activation buffers pooled for
    // it, so peak memory is that of the largest phase, not of all models together.

    func finishedWithTextEncoder() { release(\.loadedTextEncoder) }

    func finishedWithUNet() { release(\.loadedUNet) }

    func finishedWithVAE() { release(\.loadedVAE) }

    private func held<Model>(_ slot: ReferenceWritableKeyPath<StableDiffusionPipeline, Model?>,
                             load: () throws -> Model) rethrows -> Model {
        if let model = self[keyPath: slot] { return model }
        let model = try load()
        self[keyPath: slot] = model
        return model
    }

    private func release<Model>(_ slot: ReferenceWritableKeyPath<StableDiffusionPipeline, Model?>) {
        guard options.lowMemory else { return }
        self[keyPath: slot] = nil
        BufferPool.shared.trim()
    }
}
