/// Task of the U-Net, told apart by its input channels: 4 latent channels plus the
/// conditioning each variant concatenates (mask + masked image, depth, low-res image).
public enum ModelVariant: String, Sendable, CaseIterable {
    case base
    case inpaint
    case depth
    case upscale

    /// U-Net input channels of the real models.
    public init?(unetInputChannels: Int) {
        switch unetInputChannels {
        case 4: self = .base
        case 9: self = .inpaint
        case 5: self = .depth
        case 7: self = .upscale
        default: return nil
        }
    }
}
