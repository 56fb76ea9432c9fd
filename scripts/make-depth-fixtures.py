#!/usr/bin/env python3
"""Fixtures for the Swift port of MiDaS DPT-Hybrid (transformers' DPTForDepthEstimation with
is_hybrid=True), the depth estimator of Stable Diffusion 2 depth, and of DPTImageProcessor.

Pinned versions (the fixtures were generated with exactly these, CPU, float32, one thread):
    torch==2.15.0  transformers==5.24.0  safetensors==0.8.0  numpy==2.4.6  pillow==13.0.0

Writes (and nothing else; scripts/make-fixtures.py owns the rest of Tests/Fixtures):
    Tests/Fixtures/models/dpt-hybrid/            tiny DPT-Hybrid as a transformers folder (config.json,
                                                 model.safetensors in float16) + the real SD2-depth
                                                 feature_extractor/preprocessor_config.json
    Tests/Fixtures/models/dpt-hybrid-variant/    the other config paths: BatchNorm in the fusion units,
                                                 a ConvTranspose reassemble (factor 2), global_padding
                                                 null (static padding + the stem's ConstantPad2d),
                                                 no dynamic max-pool padding, head_in_index 2
    Tests/Fixtures/models/dpt-hybrid-midas.pt    dpt-hybrid's weights under the original MiDaS (timm)
                                                 names, torch.save zip format, float32, plus the
                                                 ImageNet head MiDaS files carry (loaders drop it)
    Tests/Fixtures/models/dpt-hybrid-midas-structure.json
                                                 real-size names and shapes: the MiDaS release file's
                                                 tensors and transformers' DPTForDepthEstimation's,
                                                 and the Intel/dpt-hybrid-midas config
    Tests/Fixtures/reference/dpt-hybrid.safetensors
                                                 inputs and outputs (float32, NCHW as transformers)

Every parameter is rounded to a float16-representable value before anything is computed, so the
float16 files hold the float32 model exactly. Seeds are fixed; a second run rewrites identical files
(~6 s). scripts/make-fixtures.py replaces models/ and reference/ as a whole: run this one again after it.
Tolerances: the tiny model's float32 output is 1.6e-5 (3e-6 relative) from float64, so the Swift
tests use 1e-4 relative; the processor's values come from Pillow-identical bytes (1e-5 absolute).
Usage: python3 scripts/make-depth-fixtures.py
"""
import json
import re
import warnings
from pathlib import Path

import numpy as np
import PIL
import safetensors
import torch
import transformers
from PIL import Image
from safetensors.torch import load_file, save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
warnings.filterwarnings("ignore")

from transformers import DPTConfig, DPTForDepthEstimation, DPTImageProcessorPil  # noqa: E402
from transformers.utils import logging as transformers_logging  # noqa: E402

transformers_logging.set_verbosity_error()

assert torch.__version__.split("+")[0] == "2.15.0", torch.__version__
assert transformers.__version__ == "5.24.0", transformers.__version__
assert safetensors.__version__ == "0.8.0", safetensors.__version__
assert np.__version__ == "2.4.6", np.__version__
assert PIL.__version__ == "13.0.0", PIL.__version__

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
MODELS = FIXTURES / "models"
SOURCE_IMAGE = FIXTURES / "images" / "png" / "resize-source.png"

# stabilityai/stable-diffusion-2-depth feature_extractor/preprocessor_config.json, verbatim content.
SD2_DEPTH_PREPROCESSOR = {
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "ensure_multiple_of": 1,
    "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "DPTImageProcessor",
    "image_std": [0.5, 0.5, 0.5],
    "keep_aspect_ratio": False,
    "resample": 2,
    "rescale_factor": 0.00392156862745098,
    "size": {"height": 384, "width": 384},
}


def tiny_config(variant=False):
    backbone = dict(model_type="bit", global_padding="same", layer_type="bottleneck", depths=[2, 2, 2],
                    hidden_sizes=[16, 32, 64], embedding_size=8, num_groups=4,
                    out_features=["stage1", "stage2", "stage3"], embedding_dynamic_padding=True)
    extra = {}
    if variant:
        backbone.update(global_padding=None, embedding_dynamic_padding=False, depths=[1, 2, 1])
        extra = dict(use_batch_norm_in_fusion_residual=True, reassemble_factors=[1, 1, 2, 0.5], head_in_index=2,
                     backbone_out_indices=[0, 0, 2, 1], num_hidden_layers=3, layer_norm_eps=1e-6)
    settings = dict(is_hybrid=True, backbone_config=backbone, hidden_size=32, num_hidden_layers=4,
                    num_attention_heads=4, intermediate_size=64, hidden_act="gelu", image_size=64, patch_size=16,
                    backbone_out_indices=[0, 1, 1, 3], neck_hidden_sizes=[16, 32, 24, 40],
                    reassemble_factors=[1, 1, 1, 0.5], fusion_hidden_size=16, backbone_featmap_shape=[1, 64, 4, 4],
                    readout_type="project", layer_norm_eps=1e-12)
    settings.update(extra)
    return DPTConfig(**settings)


def midas_hybrid_config():
    """Intel/dpt-hybrid-midas (= the SD2-depth depth_estimator): ViT-hybrid base, 384x384."""
    backbone = dict(model_type="bit", global_padding="same", layer_type="bottleneck", depths=[3, 4, 9],
                    out_features=["stage1", "stage2", "stage3"], embedding_dynamic_padding=True)
    return DPTConfig(is_hybrid=True, backbone_config=backbone, hidden_size=768, num_hidden_layers=12,
                     num_attention_heads=12, intermediate_size=3072, image_size=384, patch_size=16,
                     backbone_out_indices=[2, 5, 8, 11], neck_hidden_sizes=[256, 512, 768, 768],
                     reassemble_factors=[1, 1, 1, 0.5], fusion_hidden_size=256,
                     backbone_featmap_shape=[1, 1024, 24, 24], readout_type="project")


def randomize(model, seed, head_bias):
    """Seeded normal init that keeps a random DPT well conditioned, then rounding to float16."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("cls_token", "position_embeddings")):
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            elif p.ndim >= 2:
                p.copy_(torch.randn(p.shape, generator=g) / p[0].numel() ** 0.5)
            elif name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
        # A positive bias on the last conv keeps most of the ReLU'd depth map away from zero.
        model.head.head[4].bias.fill_(head_bias)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.2 * torch.randn(b.shape, generator=g))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))
        for p in list(model.parameters()) + [b for n, b in model.named_buffers() if n.endswith(("_mean", "_var"))]:
            p.copy_(p.half().float())
    return model.eval()


def save_folder(model, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        stale.unlink()
    model.config.save_pretrained(folder)
    state = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in model.state_dict().items()}
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})
    reloaded = DPTForDepthEstimation.from_pretrained(folder, dtype=torch.float32).eval()
    for k, v in model.state_dict().items():
        assert torch.equal(reloaded.state_dict()[k], v), k
    return reloaded


# MiDaS (isl-org/DPT, timm vit_base_resnet50_384) <-> transformers names, as data: prefix pairs where
# "#" is a layer index. The first "#" of a rule may be renumbered: "plus1" (MiDaS counts from 1:
# act_postprocess1 = reassemble 0, layer1_rn = convs.0) or "from4" (refinenet4 = fusion layer 0).
# Sources/SDModels/Depth/MiDaSNameMap.swift holds the same table (the Swift side maps the other way).
RULES = [
    ("pretrained.model.cls_token", "dpt.embeddings.cls_token", "same"),
    ("pretrained.model.pos_embed", "dpt.embeddings.position_embeddings", "same"),
    ("pretrained.model.patch_embed.proj.", "dpt.embeddings.projection.", "same"),
    ("pretrained.model.patch_embed.backbone.stem.conv.", "dpt.embeddings.backbone.bit.embedder.convolution.", "same"),
    ("pretrained.model.patch_embed.backbone.stem.norm.", "dpt.embeddings.backbone.bit.embedder.norm.", "same"),
    ("pretrained.model.patch_embed.backbone.stages.#.blocks.#.", "dpt.embeddings.backbone.bit.encoder.stages.#.layers.#.", "same"),
    ("pretrained.model.blocks.#.norm1.", "dpt.encoder.layer.#.layernorm_before.", "same"),
    ("pretrained.model.blocks.#.norm2.", "dpt.encoder.layer.#.layernorm_after.", "same"),
    ("pretrained.model.blocks.#.attn.proj.", "dpt.encoder.layer.#.attention.output.dense.", "same"),
    ("pretrained.model.blocks.#.mlp.fc1.", "dpt.encoder.layer.#.intermediate.dense.", "same"),
    ("pretrained.model.blocks.#.mlp.fc2.", "dpt.encoder.layer.#.output.dense.", "same"),
    ("pretrained.model.norm.", "dpt.layernorm.", "same"),
    ("pretrained.act_postprocess#.0.project.0.", "neck.reassemble_stage.readout_projects.#.0.", "plus1"),
    ("pretrained.act_postprocess#.3.", "neck.reassemble_stage.layers.#.projection.", "plus1"),
    ("pretrained.act_postprocess#.4.", "neck.reassemble_stage.layers.#.resize.", "plus1"),
    ("scratch.layer#_rn.", "neck.convs.#.", "plus1"),
    ("scratch.refinenet#.out_conv.", "neck.fusion_stage.layers.#.projection.", "from4"),
    ("scratch.refinenet#.resConfUnit#.conv#.", "neck.fusion_stage.layers.#.residual_layer#.convolution#.", "from4"),
    ("scratch.refinenet#.resConfUnit#.bn#.", "neck.fusion_stage.layers.#.residual_layer#.batch_norm#.", "from4"),
    ("scratch.output_conv.", "head.head.", "same"),
]
# q, k and v (transformers) are the rows of timm's fused qkv, in that order:
# pretrained.model.blocks.#.attn.qkv.{weight,bias} <-> dpt.encoder.layer.#.attention.attention.{query,key,value}.*


def template_regex(template):
    parts = [re.escape(p) for p in template.split("#")]
    return re.compile("^" + "(\\d+)".join(parts) + "(.*)$")


def fill(template, numbers, rest):
    parts = template.split("#")
    out = parts[0]
    for n, p in zip(numbers, parts[1:]):
        out += str(n) + p
    return out + rest


def to_midas_name(name):
    for midas, hf, relation in RULES:
        m = template_regex(hf).match(name)
        if m:
            numbers = [int(x) for x in m.groups()[:-1]]
            if numbers and relation == "plus1":
                numbers[0] += 1
            elif numbers and relation == "from4":
                numbers[0] = 4 - numbers[0]
            return fill(midas, numbers, m.groups()[-1])
    raise KeyError(name)


def midas_state_dict(state, hidden, head_classes, generator):
    """transformers state dict -> MiDaS names, q/k/v stacked into timm's qkv, plus the unused ImageNet head."""
    out = {}
    for name, value in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        m = re.match(r"^dpt\.encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias)$", name)
        if m:
            if m.group(2) == "query":
                layer, kind = m.group(1), m.group(3)
                parts = [state[f"dpt.encoder.layer.{layer}.attention.attention.{p}.{kind}"] for p in ("query", "key", "value")]
                out[f"pretrained.model.blocks.{layer}.attn.qkv.{kind}"] = torch.cat(parts, 0).clone()
            continue
        out[to_midas_name(name)] = value.clone()
    out["pretrained.model.head.weight"] = (torch.randn(head_classes, hidden, generator=generator) / hidden ** 0.5).half().float()
    out["pretrained.model.head.bias"] = torch.zeros(head_classes)
    return out


# Every tensor name the MiDaS DPT-Hybrid model (DPTDepthModel(backbone="vitb_rn50_384")) has, written
# from the isl-org/DPT modules (dpt/vit.py, dpt/blocks.py, dpt/models.py) and timm's ResNetV2/ViT names.
MIDAS_NAME_PATTERNS = [
    r"pretrained\.model\.(cls_token|pos_embed)",
    r"pretrained\.model\.patch_embed\.proj\.(weight|bias)",
    r"pretrained\.model\.patch_embed\.backbone\.stem\.conv\.weight",
    r"pretrained\.model\.patch_embed\.backbone\.stem\.norm\.(weight|bias)",
    r"pretrained\.model\.patch_embed\.backbone\.stages\.\d+\.blocks\.\d+\.conv[123]\.weight",
    r"pretrained\.model\.patch_embed\.backbone\.stages\.\d+\.blocks\.\d+\.norm[123]\.(weight|bias)",
    r"pretrained\.model\.patch_embed\.backbone\.stages\.\d+\.blocks\.0\.downsample\.conv\.weight",
    r"pretrained\.model\.patch_embed\.backbone\.stages\.\d+\.blocks\.0\.downsample\.norm\.(weight|bias)",
    r"pretrained\.model\.blocks\.\d+\.(norm1|norm2|attn\.qkv|attn\.proj|mlp\.fc1|mlp\.fc2)\.(weight|bias)",
    r"pretrained\.model\.(norm|head)\.(weight|bias)",
    r"pretrained\.act_postprocess[34]\.0\.project\.0\.(weight|bias)",
    r"pretrained\.act_postprocess[1-4]\.[34]\.(weight|bias)",
    r"scratch\.layer[1-4]_rn\.weight",
    r"scratch\.refinenet[1-4]\.out_conv\.(weight|bias)",
    r"scratch\.refinenet[1-4]\.resConfUnit[12]\.conv[12]\.(weight|bias)",
    r"scratch\.refinenet[1-4]\.resConfUnit[12]\.bn[12]\.(weight|bias|running_mean|running_var)",
    r"scratch\.output_conv\.[024]\.(weight|bias)",
]


def check_midas_names(names):
    for name in names:
        assert any(re.fullmatch(p, name) for p in MIDAS_NAME_PATTERNS), f"not a MiDaS name: {name}"


def run(model, pixel_values):
    with torch.no_grad():
        return model(pixel_values).predicted_depth.contiguous()


def run_any_size(model, pixel_values):
    """predicted_depth for an input size other than config.image_size, as MiDaS computes it: the
    position embedding resized to the token grid (transformers' _resize_pos_embed), the tokens
    reshaped to that grid. transformers' hybrid path refuses such sizes (and reshapes tokens to a
    square), so this runs its own modules step by step with the grid given explicitly."""
    config = model.config
    embeddings = model.dpt.embeddings
    saved = embeddings.image_size
    embeddings.image_size = tuple(pixel_values.shape[-2:])
    try:
        with torch.no_grad():
            outputs = model.dpt(pixel_values, output_hidden_states=True)
            features = list(outputs.intermediate_activations)
            features += [h for i, h in enumerate(outputs.hidden_states[1:]) if i in config.backbone_out_indices[2:]]
            grid = [s // config.patch_size for s in pixel_values.shape[-2:]]
            return model.head(model.neck(features, grid[0], grid[1])).contiguous()
    finally:
        embeddings.image_size = saved


def processor_cases():
    base = dict(SD2_DEPTH_PREPROCESSOR)
    cases = {
        "sd2_depth_48x40": dict(base, size={"height": 40, "width": 48}),
        "bilinear_up": dict(base, size={"height": 80, "width": 96}),
        "bicubic_down": dict(base, resample=3, size={"height": 24, "width": 32}),
        "bicubic_up": dict(base, resample=3, size={"height": 80, "width": 96}),
        "lanczos_down": dict(base, resample=1, size={"height": 24, "width": 32}),
        "aspect_multiple_imagenet": dict(base, resample=3, keep_aspect_ratio=True, ensure_multiple_of=8,
                                         size={"height": 64, "width": 64}, image_mean=[0.485, 0.456, 0.406],
                                         image_std=[0.229, 0.224, 0.225]),
        "legacy_int_size": {"do_normalize": True, "do_resize": True, "feature_extractor_type": "DPTFeatureExtractor",
                            "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "size": 32},
        "padded_to_32": dict(base, resample=3, size={"height": 40, "width": 50}, do_pad=True, size_divisor=32),
        "tiny_model": dict(base, size={"height": 64, "width": 64}),
    }
    return cases


def processor_kwargs(config):
    keys = ["do_normalize", "do_pad", "do_rescale", "do_resize", "ensure_multiple_of", "image_mean", "image_std",
            "keep_aspect_ratio", "resample", "rescale_factor", "size", "size_divisor"]
    kwargs = {k: config[k] for k in keys if k in config}
    if isinstance(kwargs.get("size"), int):
        kwargs["size"] = {"height": kwargs["size"], "width": kwargs["size"]}
    return kwargs


def main():
    tensors, metadata = {}, {}

    # Tiny DPT-Hybrid (the MiDaS structure at small widths) as a transformers folder.
    model = save_folder(randomize(DPTForDepthEstimation(tiny_config()), seed=0, head_bias=0.5), MODELS / "dpt-hybrid")
    (MODELS / "dpt-hybrid" / "preprocessor_config.json").write_text(json.dumps(SD2_DEPTH_PREPROCESSOR, indent=2) + "\n")
    g = torch.Generator().manual_seed(1)
    pixels = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    tensors["model.pixel_values"] = pixels
    tensors["model.predicted_depth"] = run(model, pixels)
    assert torch.equal(run_any_size(model, pixels), tensors["model.predicted_depth"])
    # Other input sizes: odd BiT feature sizes, 3x3 and 3x5 token grids from the 4x4 position grid,
    # fusion residuals resized with align_corners=False.
    for h, w in [(48, 48), (48, 80)]:
        odd = torch.rand(1, 3, h, w, generator=g) * 2 - 1
        tensors[f"model_{h}x{w}.pixel_values"] = odd
        tensors[f"model_{h}x{w}.predicted_depth"] = run_any_size(model, odd)

    # The variant config paths.
    variant = save_folder(randomize(DPTForDepthEstimation(tiny_config(variant=True)), seed=2, head_bias=2.5),
                          MODELS / "dpt-hybrid-variant")
    tensors["variant.predicted_depth"] = run(variant, pixels)

    # The same tiny weights under the MiDaS release file's names.
    midas = midas_state_dict(model.state_dict(), 32, 10, torch.Generator().manual_seed(3))
    check_midas_names(midas)
    torch.save(midas, MODELS / "dpt-hybrid-midas.pt")
    assert set(torch.load(MODELS / "dpt-hybrid-midas.pt", weights_only=True)) == set(midas)

    # Real-size names and shapes (meta tensors: nothing is allocated).
    real_config = midas_hybrid_config()
    with torch.device("meta"):
        real = DPTForDepthEstimation(real_config)
    real_state = real.state_dict()
    real_midas = midas_state_dict(real_state, 768, 1000, torch.Generator().manual_seed(4))
    check_midas_names(real_midas)
    structure = {
        "transformers_config": json.loads(real_config.to_json_string()),
        "transformers": {k: list(v.shape) for k, v in real_state.items()},
        "midas": {k: list(v.shape) for k, v in real_midas.items()},
    }
    (MODELS / "dpt-hybrid-midas-structure.json").write_text(json.dumps(structure, indent=1, sort_keys=True) + "\n")

    # DPTImageProcessor (PIL backend: what transformers runs without torchvision, and what the
    # original DPTFeatureExtractor did) on a PNG of the image fixtures.
    image = Image.open(SOURCE_IMAGE).convert("RGB")
    configs = processor_cases()
    for name, config in configs.items():
        processor = DPTImageProcessorPil(**processor_kwargs(config))
        tensors[f"processor.{name}"] = processor(image, return_tensors="pt").pixel_values.contiguous()
    metadata["processor_configs"] = configs
    metadata["processor_image"] = str(SOURCE_IMAGE.relative_to(FIXTURES))

    # estimateDepth end to end: the tiny model on the processed PNG.
    tensors["estimate.predicted_depth"] = run(model, tensors["processor.tiny_model"])

    # torch interpolation (the depth2img pipeline resizes the depth map with bicubic, align_corners=False).
    source = torch.rand(1, 3, 5, 7, generator=g) * 4 - 2
    tensors["interp.source"] = source
    F = torch.nn.functional
    tensors["interp.bilinear_9x4"] = F.interpolate(source, size=(9, 4), mode="bilinear", align_corners=False)
    tensors["interp.bilinear_corners_9x13"] = F.interpolate(source, size=(9, 13), mode="bilinear", align_corners=True)
    tensors["interp.bicubic_9x13"] = F.interpolate(source, size=(9, 13), mode="bicubic", align_corners=False)
    tensors["interp.bicubic_3x4"] = F.interpolate(source, size=(3, 4), mode="bicubic", align_corners=False)
    tensors["interp.bicubic_corners_9x13"] = F.interpolate(source, size=(9, 13), mode="bicubic", align_corners=True)
    depth = tensors["model.predicted_depth"].unsqueeze(1)
    tensors["interp.depth_bicubic_8x8"] = F.interpolate(depth, size=(8, 8), mode="bicubic", align_corners=False)

    # Sensitivity: the same computation in float64.
    model64 = DPTForDepthEstimation.from_pretrained(MODELS / "dpt-hybrid", dtype=torch.float64).eval()
    ref = tensors["model.predicted_depth"]
    diff = (run(model64, pixels.double()).float() - ref).abs().max().item()
    metadata["float64_max_abs_difference"] = f"{diff:.3e}"
    metadata["max_abs_predicted_depth"] = f"{ref.abs().max().item():.4f}"
    metadata["versions"] = (f"torch {torch.__version__}, transformers {transformers.__version__}, "
                            f"pillow {PIL.__version__}")

    out = FIXTURES / "reference" / "dpt-hybrid.safetensors"
    # One metadata entry: safetensors writes several in no fixed order.
    save_file({k: v.contiguous() for k, v in tensors.items()}, out, metadata={"fixture": json.dumps(metadata, sort_keys=True)})
    assert set(load_file(out)) == set(tensors)
    for k, v in sorted(tensors.items()):
        print(f"{k:40s} {list(v.shape)}  max|x| {v.abs().max().item():.4f}")
    print("float64 vs float32 predicted_depth:", metadata["float64_max_abs_difference"],
          "max|depth|", metadata["max_abs_predicted_depth"])


if __name__ == "__main__":
    main()
