import SDCompute
import SDWeights

/// diffusers' AutoencoderKL: SD's VAE (4 levels, scaling 0.18215) and the x4 upscaler's
/// (3 levels, scaling 0.08333). NHWC in and out.
public final class AutoencoderKL {
    public let config: AutoencoderKLConfig
    let encoder: VAEEncoder
    let decoder: VAEDecoder
    let quantConv: Conv2D
    let postQuantConv: Conv2D

    /// `weights` nil builds the model with random parameters (for `sd bench`).
    public init(config: AutoencoderKLConfig, weights: WeightStore?, storage: WeightStorage = .f32) throws {
        self.config = config
        let p = ParameterLoader(store: weights, storage: storage)
        let latent = config.latentChannels
        encoder = try VAEEncoder(p.scoped("encoder"), inChannels: config.inChannels, latentChannels: latent,
                                 channels: config.blockOutChannels, layers: config.layersPerBlock, groups: config.normNumGroups)
        decoder = try VAEDecoder(p.scoped("decoder"), latentChannels: latent, outChannels: config.outChannels,
                                 channels: config.blockOutChannels, layers: config.layersPerBlock, groups: config.normNumGroups)
        quantConv = try p.conv("quant_conv", in: 2 * latent, out: 2 * latent, kernel: 1)
        postQuantConv = try p.conv("post_quant_conv", in: latent, out: latent, kernel: 1)
        try p.checkAllConsumed()
        // Weight tensors were copied into the layers; their staging buffers are not reused.
        BufferPool.shared.trim()
    }

    /// Spatial reduction factor between image and latents (8 for SD, 4 for the upscaler's VAE).
    public var downscale: Int { 1 << (config.blockOutChannels.count - 1) }

    /// The posterior's mean and log-variance (clamped to [-30, 20] as diffusers does) for an NHWC
    /// image in [-1, 1].
    public func encode(_ image: Tensor) throws -> (mean: Tensor, logvar: Tensor) {
        try posterior(moments: encodeMoments(image))
    }

    /// The encoder's raw output (mean and log-variance channels, NHWC): tiled encoding blends
    /// these before the posterior is formed, as diffusers does.
    public func encodeMoments(_ image: Tensor) throws -> Tensor { try quantConv(encoder(image)) }

    /// Splits moments into the posterior's mean and clamped log-variance.
    public func posterior(moments: Tensor) throws -> (mean: Tensor, logvar: Tensor) {
        let latent = config.latentChannels
        let logvar = try moments.channelSlice(latent..<(2 * latent))
        for i in 0..<logvar.count { logvar.data[i] = min(max(logvar.data[i], -30), 20) }
        return (try moments.channelSlice(0..<latent), logvar)
    }

    /// The image (NHWC, nominally [-1, 1], unclamped) for unscaled latents.
    public func decode(_ latents: Tensor) throws -> Tensor {
        try decoder(postQuantConv(latents))
    }
}
