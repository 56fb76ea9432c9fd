/// How one U-Net level builds its transformers: diffusers' per-block attention settings.
struct UNetAttentionSpec {
    let heads: Int
    let contextDim: Int
    let layers: Int
    let onlyCrossAttention: Bool

    func make(_ p: ParameterLoader, channels: Int, groups: Int) throws -> Transformer2DModel {
        try Transformer2DModel(p, channels: channels, heads: heads, contextDim: contextDim, layers: layers,
                               groups: groups, onlyCrossAttention: onlyCrossAttention)
    }
}
