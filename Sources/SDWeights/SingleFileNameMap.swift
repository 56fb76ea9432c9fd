/// The whole LDM/CompVis -> diffusers tensor-name mapping, as data. It follows diffusers'
/// `loaders/single_file_utils.py` (convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint,
/// convert_ldm_clip_checkpoint, convert_open_clip_checkpoint). Rules are tried in order; the
/// first whose pattern matches the start of a name wins, and the rest of the name (the tail)
/// is kept after the tail renames of that rule are applied.
public enum SingleFileNameMap {
    /// How a rule's captured number `#` becomes the numbers in the diffusers name.
    public enum Index: Sendable {
        /// No number in the pattern.
        case none
        /// `{i}` = the captured number.
        case same
        /// U-Net `input_blocks.i`: `{block}` = (i-1) / (layers+1), `{layer}` = (i-1) % (layers+1).
        case downBlock
        /// U-Net `output_blocks.i`: `{block}` = i / (layers+1), `{layer}` = i % (layers+1).
        case upBlock
        /// VAE decoder `up.i` runs in the opposite order: `{i}` = levels-1-i.
        case reversed
        /// `{i}` = the captured number, but the highest-numbered layer is dropped (SD2's text
        /// encoder ends at the penultimate OpenCLIP layer).
        case penultimate
    }

    /// What happens to the tensor itself.
    public enum Action: Sendable {
        case keep
        /// 1x1 convolution kernel [C, C, 1, 1] (or [C, C, 1]) used as a linear weight [C, C].
        case squeezeToLinear
        /// OpenCLIP fused `in_proj` [3C, ...] split into q/k/v projections.
        case splitQKV
        /// Not part of the diffusers model (e.g. OpenCLIP `text_projection`, `logit_scale`).
        case drop
    }

    public struct Rule: Sendable {
        /// Name prefix; `#` stands for a decimal number.
        public let pattern: String
        /// Diffusers prefix with `{i}`, `{block}`, `{layer}` placeholders.
        public let template: String
        public let index: Index
        /// Renames of one dotted component of the tail (the first that matches is applied).
        public let tail: [(String, String)]
        /// Tails (after renaming) that need an action; others are kept as they are.
        public let actions: [(tail: String, action: Action)]

        init(_ pattern: String, _ template: String, _ index: Index = .none,
             tail: [(String, String)] = [], actions: [(tail: String, action: Action)] = []) {
            self.pattern = pattern
            self.template = template
            self.index = index
            self.tail = tail
            self.actions = actions
        }
    }

    /// A component of a single-file checkpoint: the LDM prefix and the rules below it.
    public struct Component: Sendable {
        public let prefixes: [String]
        public let rules: [Rule]
    }

    static let unetResnet: [(String, String)] = [
        ("in_layers.0.", "norm1."), ("in_layers.2.", "conv1."), ("out_layers.0.", "norm2."),
        ("out_layers.3.", "conv2."), ("emb_layers.1.", "time_emb_proj."), ("skip_connection.", "conv_shortcut."),
    ]

    static let vaeResnet: [(String, String)] = [("nin_shortcut.", "conv_shortcut.")]

    static let vaeAttention: [(String, String)] = [
        ("norm.", "group_norm."), ("q.", "to_q."), ("k.", "to_k."), ("v.", "to_v."), ("proj_out.", "to_out.0."),
    ]

    static let vaeAttentionActions: [(tail: String, action: Action)] = [
        ("to_q.weight", .squeezeToLinear), ("to_k.weight", .squeezeToLinear),
        ("to_v.weight", .squeezeToLinear), ("to_out.0.weight", .squeezeToLinear),
    ]

    static let openClipLayer: [(String, String)] = [
        ("ln_1.", "layer_norm1."), ("ln_2.", "layer_norm2."), ("mlp.c_fc.", "mlp.fc1."),
        ("mlp.c_proj.", "mlp.fc2."), ("attn.out_proj.", "self_attn.out_proj."),
        ("attn.in_proj_weight", "self_attn.in_proj_weight"), ("attn.in_proj_bias", "self_attn.in_proj_bias"),
    ]

    /// `model.diffusion_model.*` -> `UNet2DConditionModel`.
    public static let unet = Component(prefixes: ["model.diffusion_model."], rules: [
        Rule("time_embed.0.", "time_embedding.linear_1."),
        Rule("time_embed.2.", "time_embedding.linear_2."),
        Rule("label_emb.0.0.", "class_embedding.linear_1."),
        Rule("label_emb.0.2.", "class_embedding.linear_2."),
        Rule("label_emb.", "class_embedding."),
        Rule("input_blocks.0.0.", "conv_in."),
        Rule("input_blocks.#.0.op.", "down_blocks.{block}.downsamplers.0.conv.", .downBlock),
        Rule("input_blocks.#.0.", "down_blocks.{block}.resnets.{layer}.", .downBlock, tail: unetResnet),
        Rule("input_blocks.#.1.", "down_blocks.{block}.attentions.{layer}.", .downBlock),
        Rule("middle_block.0.", "mid_block.resnets.0.", tail: unetResnet),
        Rule("middle_block.1.", "mid_block.attentions.0."),
        Rule("middle_block.2.", "mid_block.resnets.1.", tail: unetResnet),
        Rule("output_blocks.#.0.", "up_blocks.{block}.resnets.{layer}.", .upBlock, tail: unetResnet),
        Rule("output_blocks.#.1.conv.", "up_blocks.{block}.upsamplers.0.conv.", .upBlock),
        Rule("output_blocks.#.2.conv.", "up_blocks.{block}.upsamplers.0.conv.", .upBlock),
        Rule("output_blocks.#.1.", "up_blocks.{block}.attentions.{layer}.", .upBlock),
        Rule("out.0.", "conv_norm_out."),
        Rule("out.2.", "conv_out."),
    ])

    /// `first_stage_model.*` -> `AutoencoderKL`.
    public static let vae = Component(prefixes: ["first_stage_model.", "vae."], rules: [
        Rule("encoder.norm_out.", "encoder.conv_norm_out."),
        Rule("decoder.norm_out.", "decoder.conv_norm_out."),
        Rule("encoder.down.#.block.", "encoder.down_blocks.{i}.resnets.", .same, tail: vaeResnet),
        Rule("encoder.down.#.downsample.conv.", "encoder.down_blocks.{i}.downsamplers.0.conv.", .same),
        Rule("encoder.mid.block_1.", "encoder.mid_block.resnets.0.", tail: vaeResnet),
        Rule("encoder.mid.block_2.", "encoder.mid_block.resnets.1.", tail: vaeResnet),
        Rule("encoder.mid.attn_1.", "encoder.mid_block.attentions.0.", tail: vaeAttention, actions: vaeAttentionActions),
        Rule("decoder.up.#.block.", "decoder.up_blocks.{i}.resnets.", .reversed, tail: vaeResnet),
        Rule("decoder.up.#.upsample.conv.", "decoder.up_blocks.{i}.upsamplers.0.conv.", .reversed),
        Rule("decoder.mid.block_1.", "decoder.mid_block.resnets.0.", tail: vaeResnet),
        Rule("decoder.mid.block_2.", "decoder.mid_block.resnets.1.", tail: vaeResnet),
        Rule("decoder.mid.attn_1.", "decoder.mid_block.attentions.0.", tail: vaeAttention, actions: vaeAttentionActions),
        Rule("encoder.conv_in.", "encoder.conv_in."),
        Rule("encoder.conv_out.", "encoder.conv_out."),
        Rule("decoder.conv_in.", "decoder.conv_in."),
        Rule("decoder.conv_out.", "decoder.conv_out."),
        Rule("quant_conv.", "quant_conv."),
        Rule("post_quant_conv.", "post_quant_conv."),
    ])

    /// SD1 `cond_stage_model.transformer.*`: already Hugging Face CLIP names (older exports
    /// lack the `text_model.` level).
    public static let clip = Component(prefixes: ["cond_stage_model.transformer."], rules: [
        Rule("text_model.embeddings.position_ids", "", actions: [("", .drop)]),
        Rule("embeddings.position_ids", "", actions: [("", .drop)]),
        Rule("text_model.", "text_model."),
        Rule("embeddings.", "text_model.embeddings."),
        Rule("encoder.", "text_model.encoder."),
        Rule("final_layer_norm.", "text_model.final_layer_norm."),
    ])

    /// SD2 `cond_stage_model.model.*` (OpenCLIP ViT-H text tower). The last resblock is not
    /// mapped: SD2 conditions on the penultimate layer, and diffusers' encoder stops there.
    public static let openClip = Component(prefixes: ["cond_stage_model.model."], rules: [
        Rule("positional_embedding", "text_model.embeddings.position_embedding.weight"),
        Rule("token_embedding.weight", "text_model.embeddings.token_embedding.weight"),
        Rule("ln_final.", "text_model.final_layer_norm."),
        Rule("transformer.resblocks.#.", "text_model.encoder.layers.{i}.", .penultimate, tail: openClipLayer, actions: [
            ("self_attn.in_proj_weight", .splitQKV), ("self_attn.in_proj_bias", .splitQKV),
        ]),
        Rule("text_projection", "", actions: [("", .drop)]),
        Rule("logit_scale", "", actions: [("", .drop)]),
        Rule("attn_mask", "", actions: [("", .drop)]),
    ])

    /// Diffusers folders written before diffusers 0.14 name the VAE attention differently.
    public static let legacyDiffusersVAE: [(String, String)] = [
        ("attentions.0.query.", "attentions.0.to_q."), ("attentions.0.key.", "attentions.0.to_k."),
        ("attentions.0.value.", "attentions.0.to_v."), ("attentions.0.proj_attn.", "attentions.0.to_out.0."),
    ]

    /// Top-level prefix of the depth model (MiDaS) inside depth checkpoints: kept with its own names.
    public static let depthModelPrefix = "depth_model."
    /// EMA copy of the U-Net in training checkpoints: names are the U-Net's with the dots removed.
    public static let emaPrefix = "model_ema."
}
