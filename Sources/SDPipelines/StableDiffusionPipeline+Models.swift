import SDCompute
import SDModels

extension StableDiffusionPipeline {
    /// The text encoder, loaded from the (memory-mapped) checkpoint if not held.
    func textEncoderModel() throws -> CLIPTextModel {
        if let loadedTextEncoder { return loadedTextEncoder }
        let model = try CLIPTextModel(config: checkpoint.textEncoderConfig, weights: checkpoint.textEncoder,
                                      storage: options.weightStorage)
        loadedTextEncoder = model
        return model
    }

    func unetModel() throws -> UNet2DConditionModel {
        if let loadedUNet { return loadedUNet }
        let model = try UNet2DConditionModel(config: checkpoint.unetConfig, weights: checkpoint.unet,
                                             storage: options.weightStorage)
        loadedUNet = model
        return model
    }

    /// The VAE (public so callers can encode or decode outside a generation).
    public func vaeModel() throws -> AutoencoderKL {
        if let loadedVAE { return loadedVAE }
        let model = try AutoencoderKL(config: checkpoint.vaeConfig, weights: checkpoint.vae, storage: options.weightStorage)
        loadedVAE = model
        return model
    }

    // With `lowMemory` each phase lets go of its model and of the activation buffers pooled for
    // it, so peak memory is that of the largest phase, not of all models together.

    func finishedWithTextEncoder() {
        guard options.lowMemory else { return }
        loadedTextEncoder = nil
        BufferPool.shared.trim()
    }

    func finishedWithUNet() {
        guard options.lowMemory else { return }
        loadedUNet = nil
        BufferPool.shared.trim()
    }

    func finishedWithVAE() {
        guard options.lowMemory else { return }
        loadedVAE = nil
        BufferPool.shared.trim()
    }
}
