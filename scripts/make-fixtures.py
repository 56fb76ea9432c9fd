#!/usr/bin/env python3
"""Builds the tiny random-weight Stable Diffusion fixture models and their reference outputs.

Writes Tests/Fixtures/models/ (diffusers folders, LDM single files, LDM yaml) and
Tests/Fixtures/reference/ (float32 outputs of diffusers/transformers on fixed inputs).
Everything is derived from fixed seeds; running the script twice gives byte-identical files.
Versions: scripts/requirements-fixtures.txt. Layout and shapes: Tests/Fixtures/README.md.

Usage: python3 scripts/make-fixtures.py [--bpe path/to/bpe_simple_vocab_16e6.txt.gz]
"""

import argparse
import copy
import filecmp
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import torch
import yaml
from safetensors.torch import load_file, save_file
from torch import nn

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
warnings.filterwarnings("ignore")

from diffusers import (  # noqa: E402  (import after torch settings)
    AutoencoderKL,
    DDIMScheduler,
    DDPMScheduler,
    PNDMScheduler,
    StableDiffusionDepth2ImgPipeline,
    StableDiffusionInpaintPipeline,
    StableDiffusionPipeline,
    StableDiffusionUpscalePipeline,
    UNet2DConditionModel,
)
from diffusers.loaders import single_file_utils as sfu  # noqa: E402
from diffusers.utils import logging as diffusers_logging  # noqa: E402
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer  # noqa: E402
from transformers.utils import logging as transformers_logging  # noqa: E402

diffusers_logging.set_verbosity_error()
transformers_logging.set_verbosity_error()

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
OPEN_CLIP_VERSION = "3.3.0"
BPE_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"
PROMPTS = ["a photograph of an astronaut riding a horse", ""]
TIMESTEPS = [999.0, 261.0]
NOISE_LEVELS = [20, 350]
LATENT_SIZE = 16
IMAGE_SIZE = 64
RESIDUAL_SCALE = 0.15
F16_METADATA = {"format": "pt"}

# ---------------------------------------------------------------------------------------------
# Model configurations (tiny widths, real structure). Width 32 everywhere because GroupNorm
# uses 32 groups; the text encoder is 16 wide so that every single-file checkpoint stays < 4 MB
# (its 49408-row token embedding dominates the size).
# ---------------------------------------------------------------------------------------------

TEXT_COMMON = dict(
    vocab_size=49408,
    hidden_size=16,
    intermediate_size=64,
    num_attention_heads=4,
    max_position_embeddings=77,
    layer_norm_eps=1e-5,
    bos_token_id=0,
    eos_token_id=2,
    pad_token_id=1,
    projection_dim=16,
)
TEXT_SD1 = dict(TEXT_COMMON, hidden_act="quick_gelu", num_hidden_layers=3)
TEXT_OPENCLIP_LAYERS = 3  # the OpenCLIP encoder stored in sd2.safetensors
TEXT_SD2 = dict(TEXT_COMMON, hidden_act="gelu", num_hidden_layers=TEXT_OPENCLIP_LAYERS - 1)

CA, D, UA, U = "CrossAttnDownBlock2D", "DownBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"
UNET_COMMON = dict(
    out_channels=4,
    block_out_channels=[32, 32, 32, 32],
    layers_per_block=1,
    norm_num_groups=32,
    cross_attention_dim=16,
)
UNET_SD1 = dict(
    UNET_COMMON,
    sample_size=64,
    in_channels=4,
    down_block_types=[CA, CA, CA, D],
    up_block_types=[U, UA, UA, UA],
    attention_head_dim=8,
    use_linear_projection=False,
    upcast_attention=False,
)
UNET_SD2 = dict(
    UNET_SD1,
    sample_size=96,
    attention_head_dim=[4, 4, 4, 4],  # = model_channels / num_head_channels(8) * channel_mult
    use_linear_projection=True,
    upcast_attention=True,
)
UNET_SD2_INPAINT = dict(UNET_SD2, sample_size=64, in_channels=9, upcast_attention=False)
UNET_SD2_DEPTH = dict(UNET_SD2, sample_size=32, in_channels=5, upcast_attention=False)
UNET_X4 = dict(
    UNET_COMMON,
    sample_size=128,
    in_channels=7,
    down_block_types=[D, CA, CA, CA],
    up_block_types=[UA, UA, UA, U],
    attention_head_dim=8,
    use_linear_projection=True,
    num_class_embeds=1000,
    only_cross_attention=[True, True, True, False],
)

VAE_SD = dict(
    sample_size=512,
    in_channels=3,
    out_channels=3,
    down_block_types=["DownEncoderBlock2D"] * 4,
    up_block_types=["UpDecoderBlock2D"] * 4,
    block_out_channels=[32, 32, 32, 32],
    layers_per_block=1,
    latent_channels=4,
    norm_num_groups=32,
    scaling_factor=0.18215,
)
VAE_X4 = dict(
    VAE_SD,
    sample_size=256,
    down_block_types=["DownEncoderBlock2D"] * 3,
    up_block_types=["UpDecoderBlock2D"] * 3,
    block_out_channels=[32, 32, 64],
    scaling_factor=0.08333,
)

# Scheduler configs copied from the real repositories' scheduler_config.json files.
PNDM_SD = {
    "_class_name": "PNDMScheduler",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}
DDIM_SD2_V = {
    "_class_name": "DDIMScheduler",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}
PNDM_SD2_DEPTH = dict(PNDM_SD, prediction_type="epsilon")
DDIM_X4 = dict(DDIM_SD2_V, beta_start=0.0001, beta_end=0.02)
DDPM_X4_LOW_RES = {
    "_class_name": "DDPMScheduler",
    "beta_end": 0.02,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.0001,
    "clip_sample": True,
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "trained_betas": None,
    "variance_type": "fixed_small",
}
SCHEDULER_CLASSES = {"PNDMScheduler": PNDMScheduler, "DDIMScheduler": DDIMScheduler, "DDPMScheduler": DDPMScheduler}


# ---------------------------------------------------------------------------------------------
# Tokenizer files (HF CLIPTokenizer layout, built from the OpenCLIP/OpenAI BPE file).
# ---------------------------------------------------------------------------------------------


def fetch_bpe(explicit):
    """Returns the bytes of bpe_simple_vocab_16e6.txt.gz, downloading the open_clip wheel if needed."""
    if explicit:
        data = Path(explicit).read_bytes()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 f"open_clip_torch=={OPEN_CLIP_VERSION}", "-d", tmp],
                check=True,
            )
            wheel = next(Path(tmp).glob("open_clip_torch-*.whl"))
            data = zipfile.ZipFile(wheel).read("open_clip/bpe_simple_vocab_16e6.txt.gz")
    digest = hashlib.sha256(data).hexdigest()
    if digest != BPE_SHA256:
        sys.exit(f"error: bpe_simple_vocab_16e6.txt.gz has sha256 {digest}, expected {BPE_SHA256}")
    return data


def bytes_to_unicode():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    codes = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return [chr(c) for c in codes]


def write_tokenizer(directory, bpe_gz, pad_token, shared_from=None):
    """Writes vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json like the real SD repos."""
    directory.mkdir(parents=True)
    if shared_from is None:
        lines = gzip.decompress(bpe_gz).decode("utf-8").split("\n")
        merges = lines[1 : 49152 - 256 - 2 + 1]
        byte_chars = bytes_to_unicode()
        vocab = byte_chars + [c + "</w>" for c in byte_chars] + ["".join(m.split()) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        encoder = {token: i for i, token in enumerate(vocab)}
        assert len(encoder) == 49408
        (directory / "vocab.json").write_text(json.dumps(encoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        (directory / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    else:
        for name in ("vocab.json", "merges.txt"):
            os.symlink(os.path.relpath(shared_from / name, directory), directory / name)

    def added(content, typed):
        token = {"content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
        return {"__type": "AddedToken", **token} if typed else token

    config = {
        "add_prefix_space": False,
        "bos_token": added("<|startoftext|>", True),
        "do_lower_case": True,
        "eos_token": added("<|endoftext|>", True),
        "errors": "replace",
        "model_max_length": 77,
        "name_or_path": "openai/clip-vit-large-patch14",
        "pad_token": "<|endoftext|>",
        "special_tokens_map_file": "./special_tokens_map.json",
        "tokenizer_class": "CLIPTokenizer",
        "unk_token": added("<|endoftext|>", True),
    }
    special = {
        "bos_token": added("<|startoftext|>", False),
        "eos_token": added("<|endoftext|>", False),
        "pad_token": pad_token,
        "unk_token": added("<|endoftext|>", False),
    }
    (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (directory / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")


# ---------------------------------------------------------------------------------------------
# Weights: seeded init, damped residual branches, float16-representable values.
# ---------------------------------------------------------------------------------------------

RESIDUAL_PATTERN = re.compile(r"(resnets\.\d+\.conv2|\.to_out\.0|\.ff\.net\.2)\.(weight|bias)$")


def init_weights(model, seed, damp_residuals):
    """Seeded normal init with O(1) activations; norms get non-trivial affine parameters."""
    gen = torch.Generator().manual_seed(seed)
    norm_params, embeddings = set(), set()
    for module_name, module in model.named_modules():
        prefix = f"{module_name}." if module_name else ""
        if isinstance(module, (nn.GroupNorm, nn.LayerNorm)):
            norm_params.update(prefix + n for n, _ in module.named_parameters(recurse=False))
        elif isinstance(module, nn.Embedding):
            embeddings.add(prefix + "weight")
    with torch.no_grad():
        for name, param in model.named_parameters():
            z = torch.randn(param.shape, generator=gen, dtype=torch.float32)
            if name in norm_params:
                value = 1.0 + 0.1 * z if name.endswith("weight") else 0.1 * z
            elif name in embeddings:
                value = (0.5 if "position" in name else 1.0) * z
            elif param.ndim >= 2:
                value = z / math.sqrt(param[0].numel())
            else:
                value = 0.1 * z
            if damp_residuals and RESIDUAL_PATTERN.search(name):
                value = value * RESIDUAL_SCALE
            param.copy_(value.half().float())
    model.eval()
    return model


def make_text_encoder(config, seed):
    torch.manual_seed(seed)
    return init_weights(CLIPTextModel(CLIPTextConfig(**config)), seed, damp_residuals=False)


def make_unet(config, seed):
    torch.manual_seed(seed)
    return init_weights(UNet2DConditionModel(**config), seed, damp_residuals=True)


def make_vae(config, seed):
    torch.manual_seed(seed)
    return init_weights(AutoencoderKL(**config), seed, damp_residuals=True)


def truncated_text_encoder(full, config):
    """The diffusers SD2 text encoder: the OpenCLIP encoder without its last layer (penultimate output)."""
    small = CLIPTextModel(CLIPTextConfig(**config)).eval()
    state = {k: v for k, v in full.state_dict().items() if k in small.state_dict()}
    small.load_state_dict(state, strict=True)
    return small


def make_scheduler(config):
    return SCHEDULER_CLASSES[config["_class_name"]].from_config({k: v for k, v in config.items() if k != "_class_name"})


# ---------------------------------------------------------------------------------------------
# Diffusers folder.
# ---------------------------------------------------------------------------------------------


def f16_state(state):
    return {k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}


def text_encoder_state(te):
    """Checkpoint names as real repos store them (transformers >= 5.6 saves without `text_model.`)."""
    return {k if k.startswith("text_model.") else f"text_model.{k}": v for k, v in te.state_dict().items()}


def save_diffusers_folder(pipe, directory, schedulers, links):
    """save_pretrained, then f16 weights, real-style text encoder names, tokenizer and scheduler files.

    `links` maps component names to folders (of another fixture) they are symlinked to.
    """
    pipe.save_pretrained(directory, safe_serialization=True)
    for name in ("unet", "vae"):
        path = directory / name / "diffusion_pytorch_model.safetensors"
        if path.exists():
            save_file(f16_state(getattr(pipe, name).state_dict()), path, metadata=F16_METADATA)
    te_path = directory / "text_encoder" / "model.safetensors"
    if te_path.exists():
        save_file(f16_state(text_encoder_state(pipe.text_encoder)), te_path, metadata=F16_METADATA)
    shutil.rmtree(directory / "tokenizer")
    for name, config in schedulers.items():
        path = directory / name / "scheduler_config.json"
        written = json.loads(path.read_text())
        written.update({k: v for k, v in config.items() if k != "_class_name"})
        path.write_text(json.dumps(written, indent=2, sort_keys=True) + "\n")
    index_path = directory / "model_index.json"
    index = json.loads(index_path.read_text())
    index["tokenizer"] = ["transformers", "CLIPTokenizer"]
    index_path.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    for name, target in links.items():
        if (directory / name).exists():
            written = sorted(p.name for p in (directory / name).iterdir())
            if written != sorted(p.name for p in target.iterdir()) or any(
                    not filecmp.cmp(directory / name / f, target / f, shallow=False) for f in written):
                raise AssertionError(f"{directory.name}/{name} differs from the folder it should link to")
            shutil.rmtree(directory / name)
        os.symlink(os.path.relpath(target, directory), directory / name)


# ---------------------------------------------------------------------------------------------
# LDM (CompVis / Stability) single-file names. Inverse of diffusers' convert_ldm_* functions.
# ---------------------------------------------------------------------------------------------

UNET_RESNET_PARTS = {"norm1": "in_layers.0", "conv1": "in_layers.2", "norm2": "out_layers.0",
                     "conv2": "out_layers.3", "time_emb_proj": "emb_layers.1", "conv_shortcut": "skip_connection"}
VAE_ATTENTION_PARTS = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}


def rename_by_prefix(state, prefixes, resnet_prefixes, resnet_parts, attention_prefixes=()):
    out = {}
    ordered = sorted(prefixes, key=len, reverse=True)
    for key, value in state.items():
        src = next((p for p in ordered if key.startswith(p)), None)
        if src is None:
            raise KeyError(f"no LDM name for {key}")
        rest = key[len(src):]
        if src in resnet_prefixes:
            part, leaf = rest.rsplit(".", 1)
            rest = f"{resnet_parts[part]}.{leaf}"
        if src in attention_prefixes:
            part, leaf = rest.rsplit(".", 1)
            rest = f"{VAE_ATTENTION_PARTS[part]}.{leaf}"
            if leaf == "weight" and value.ndim == 2:
                value = value[:, :, None, None]
        name = prefixes[src] + rest
        if name in out:
            raise KeyError(f"duplicate LDM name {name}")
        out[name] = value
    return out


def unet_to_ldm(state, config):
    lpb, levels = config["layers_per_block"], len(config["block_out_channels"])
    prefixes = {
        "time_embedding.linear_1.": "time_embed.0.", "time_embedding.linear_2.": "time_embed.2.",
        "conv_in.": "input_blocks.0.0.", "conv_norm_out.": "out.0.", "conv_out.": "out.2.",
        "class_embedding.": "label_emb.",
        "mid_block.resnets.0.": "middle_block.0.", "mid_block.attentions.0.": "middle_block.1.",
        "mid_block.resnets.1.": "middle_block.2.",
    }
    resnets = {"mid_block.resnets.0.", "mid_block.resnets.1."}
    for i in range(levels):
        for j in range(lpb):
            k = (lpb + 1) * i + j + 1
            prefixes[f"down_blocks.{i}.resnets.{j}."] = f"input_blocks.{k}.0."
            prefixes[f"down_blocks.{i}.attentions.{j}."] = f"input_blocks.{k}.1."
            resnets.add(f"down_blocks.{i}.resnets.{j}.")
        if i < levels - 1:
            prefixes[f"down_blocks.{i}.downsamplers.0.conv."] = f"input_blocks.{(lpb + 1) * (i + 1)}.0.op."
        for j in range(lpb + 1):
            k = (lpb + 1) * i + j
            prefixes[f"up_blocks.{i}.resnets.{j}."] = f"output_blocks.{k}.0."
            prefixes[f"up_blocks.{i}.attentions.{j}."] = f"output_blocks.{k}.1."
            resnets.add(f"up_blocks.{i}.resnets.{j}.")
        if i < levels - 1:
            slot = 2 if config["up_block_types"][i].startswith("CrossAttn") else 1
            prefixes[f"up_blocks.{i}.upsamplers.0."] = f"output_blocks.{(lpb + 1) * i + lpb}.{slot}."
    ldm = rename_by_prefix(state, prefixes, resnets, UNET_RESNET_PARTS)
    return {f"model.diffusion_model.{k}": v for k, v in ldm.items()}


def vae_to_ldm(state, config):
    lpb, levels = config["layers_per_block"], len(config["block_out_channels"])
    prefixes = {"quant_conv.": "quant_conv.", "post_quant_conv.": "post_quant_conv."}
    resnets, attentions = set(), set()
    for part in ("encoder", "decoder"):
        prefixes.update({f"{part}.conv_in.": f"{part}.conv_in.", f"{part}.conv_out.": f"{part}.conv_out.",
                         f"{part}.conv_norm_out.": f"{part}.norm_out.",
                         f"{part}.mid_block.attentions.0.": f"{part}.mid.attn_1."})
        attentions.add(f"{part}.mid_block.attentions.0.")
        for j in range(2):
            prefixes[f"{part}.mid_block.resnets.{j}."] = f"{part}.mid.block_{j + 1}."
            resnets.add(f"{part}.mid_block.resnets.{j}.")
    for i in range(levels):
        for j in range(lpb):
            prefixes[f"encoder.down_blocks.{i}.resnets.{j}."] = f"encoder.down.{i}.block.{j}."
            resnets.add(f"encoder.down_blocks.{i}.resnets.{j}.")
        prefixes[f"encoder.down_blocks.{i}.downsamplers.0."] = f"encoder.down.{i}.downsample."
        for j in range(lpb + 1):
            prefixes[f"decoder.up_blocks.{i}.resnets.{j}."] = f"decoder.up.{levels - 1 - i}.block.{j}."
            resnets.add(f"decoder.up_blocks.{i}.resnets.{j}.")
        prefixes[f"decoder.up_blocks.{i}.upsamplers.0."] = f"decoder.up.{levels - 1 - i}.upsample."
    parts = {"norm1": "norm1", "conv1": "conv1", "norm2": "norm2", "conv2": "conv2", "conv_shortcut": "nin_shortcut"}
    ldm = rename_by_prefix(state, prefixes, resnets, parts, attentions)
    return {f"first_stage_model.{k}": v for k, v in ldm.items()}


def clip_to_ldm(te):
    out = {f"cond_stage_model.transformer.{k}": v for k, v in text_encoder_state(te).items()}
    # Real SD1 checkpoints carry the position_ids buffer (int64) from older transformers.
    out["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64)[None]
    return out


def open_clip_to_ldm(te, text_projection):
    s = te.state_dict()
    p = "cond_stage_model.model."
    out = {
        p + "token_embedding.weight": s["embeddings.token_embedding.weight"],
        p + "positional_embedding": s["embeddings.position_embedding.weight"],
        p + "ln_final.weight": s["final_layer_norm.weight"],
        p + "ln_final.bias": s["final_layer_norm.bias"],
        p + "text_projection": text_projection,
        p + "logit_scale": torch.tensor(math.log(1 / 0.07)).half().float(),
    }
    for i in range(te.config.num_hidden_layers):
        src, dst = f"encoder.layers.{i}.", f"{p}transformer.resblocks.{i}."
        for leaf in ("weight", "bias"):
            out[f"{dst}attn.in_proj_{leaf}"] = torch.cat([s[f"{src}self_attn.{q}_proj.{leaf}"] for q in "qkv"])
            out[f"{dst}attn.out_proj.{leaf}"] = s[f"{src}self_attn.out_proj.{leaf}"]
            out[f"{dst}ln_1.{leaf}"] = s[f"{src}layer_norm1.{leaf}"]
            out[f"{dst}ln_2.{leaf}"] = s[f"{src}layer_norm2.{leaf}"]
            out[f"{dst}mlp.c_fc.{leaf}"] = s[f"{src}mlp.fc1.{leaf}"]
            out[f"{dst}mlp.c_proj.{leaf}"] = s[f"{src}mlp.fc2.{leaf}"]
    return out


def ddpm_buffers(linear_start=0.00085, linear_end=0.012, timesteps=1000, v_posterior=0.0):
    """The schedule buffers LatentDiffusion registers (present in real checkpoints, float32)."""
    betas = (torch.linspace(linear_start ** 0.5, linear_end ** 0.5, timesteps, dtype=torch.float64) ** 2)
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
    prev = torch.cat([torch.ones(1, dtype=torch.float64), alphas_cumprod[:-1]])
    posterior_variance = (1 - v_posterior) * betas * (1.0 - prev) / (1.0 - alphas_cumprod) + v_posterior * betas
    buffers = {
        "betas": betas,
        "alphas_cumprod": alphas_cumprod,
        "alphas_cumprod_prev": prev,
        "sqrt_alphas_cumprod": alphas_cumprod.sqrt(),
        "sqrt_one_minus_alphas_cumprod": (1.0 - alphas_cumprod).sqrt(),
        "log_one_minus_alphas_cumprod": (1.0 - alphas_cumprod).log(),
        "sqrt_recip_alphas_cumprod": (1.0 / alphas_cumprod).sqrt(),
        "sqrt_recipm1_alphas_cumprod": (1.0 / alphas_cumprod - 1).sqrt(),
        "posterior_variance": posterior_variance,
        "posterior_log_variance_clipped": posterior_variance.clamp(min=1e-20).log(),
        "posterior_mean_coef1": betas * prev.sqrt() / (1.0 - alphas_cumprod),
        "posterior_mean_coef2": (1.0 - prev) * (1.0 - betas).sqrt() / (1.0 - alphas_cumprod),
    }
    return {k: v.to(torch.float32) for k, v in buffers.items()}


def single_file_state(unet, vae, text_part):
    state = {}
    state.update({k: v.to(torch.float16) for k, v in unet_to_ldm(unet.state_dict(), unet.config).items()})
    state.update({k: v.to(torch.float16) for k, v in vae_to_ldm(vae.state_dict(), vae.config).items()})
    state.update({k: (v if v.dtype == torch.int64 else v.to(torch.float16)) for k, v in text_part.items()})
    state.update(ddpm_buffers())
    return {k: state[k].contiguous() for k in sorted(state)}


def ldm_yaml(unet_config, vae_config, text_kind, v_prediction):
    """An LDM inference yaml (v1-inference.yaml / v2-inference-v.yaml) with this fixture's sizes."""
    ch = unet_config["block_out_channels"][0]
    unet_params = {
        "use_checkpoint": True,
        "image_size": 32,
        "in_channels": unet_config["in_channels"],
        "out_channels": unet_config["out_channels"],
        "model_channels": ch,
        "attention_resolutions": [4, 2, 1],
        "num_res_blocks": unet_config["layers_per_block"],
        "channel_mult": [c // ch for c in unet_config["block_out_channels"]],
    }
    if text_kind == "clip":
        unet_params["num_heads"] = unet_config["attention_head_dim"]
    else:
        unet_params["num_head_channels"] = ch // unet_config["attention_head_dim"][0]
    unet_params.update({"use_spatial_transformer": True, "transformer_depth": 1,
                        "context_dim": unet_config["cross_attention_dim"], "legacy": False})
    if text_kind == "openclip":
        unet_params["use_linear_in_transformer"] = True
        cond = {"target": "ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder",
                "params": {"freeze": True, "layer": "penultimate"}}
    else:
        cond = {"target": "ldm.modules.encoders.modules.FrozenCLIPEmbedder"}
    vch = vae_config["block_out_channels"][0]
    params = {}
    if v_prediction:
        params["parameterization"] = "v"
    params.update({
        "linear_start": 0.00085, "linear_end": 0.012, "num_timesteps_cond": 1, "log_every_t": 200,
        "timesteps": 1000, "first_stage_key": "jpg", "cond_stage_key": "txt",
        "image_size": unet_config["sample_size"], "channels": 4, "cond_stage_trainable": False,
        "conditioning_key": "crossattn", "monitor": "val/loss_simple_ema",
        "scale_factor": vae_config["scaling_factor"], "use_ema": False,
        "unet_config": {"target": "ldm.modules.diffusionmodules.openaimodel.UNetModel", "params": unet_params},
        "first_stage_config": {"target": "ldm.models.autoencoder.AutoencoderKL", "params": {
            "embed_dim": vae_config["latent_channels"], "monitor": "val/rec_loss",
            "ddconfig": {"double_z": True, "z_channels": vae_config["latent_channels"], "resolution": 256,
                         "in_channels": 3, "out_ch": 3, "ch": vch,
                         "ch_mult": [c // vch for c in vae_config["block_out_channels"]],
                         "num_res_blocks": vae_config["layers_per_block"], "attn_resolutions": [],
                         "dropout": 0.0},
            "lossconfig": {"target": "torch.nn.Identity"}}},
        "cond_stage_config": cond,
    })
    return {"model": {"base_learning_rate": 1.0e-4, "target": "ldm.models.diffusion.ddpm.LatentDiffusion",
                      "params": params}}


# ---------------------------------------------------------------------------------------------
# Verification helpers.
# ---------------------------------------------------------------------------------------------


def assert_same_tensors(expected, actual, what, allow_extra=lambda key: False):
    missing = sorted(set(expected) - set(actual))
    extra = sorted(k for k in set(actual) - set(expected) if not allow_extra(k))
    if missing or extra:
        raise AssertionError(f"{what}: missing {missing[:5]} extra {extra[:5]}")
    for key, value in expected.items():
        other = actual[key]
        if value.shape != other.shape or not torch.equal(value.float(), other.float()):
            raise AssertionError(f"{what}: tensor {key} differs")


def verify_single_file(path, yaml_path, folder, pipe, pipeline_class, text_kind):
    """Reads the single file back with diffusers and checks every tensor against the diffusers models."""
    checkpoint = sfu.load_single_file_checkpoint(str(path), local_files_only=True)
    assert_same_tensors(pipe.unet.state_dict(), sfu.convert_ldm_unet_checkpoint(checkpoint, pipe.unet.config),
                        f"{path.name} unet")
    assert_same_tensors(pipe.vae.state_dict(), sfu.convert_ldm_vae_checkpoint(checkpoint, pipe.vae.config),
                        f"{path.name} vae")
    te_state = pipe.text_encoder.state_dict()
    if text_kind == "clip":
        converted = sfu.convert_ldm_clip_checkpoint(checkpoint)
        allow = lambda k: k == "embeddings.position_ids"  # noqa: E731
    else:
        converted = sfu.convert_open_clip_checkpoint(pipe.text_encoder, checkpoint)
        last = TEXT_OPENCLIP_LAYERS - 1
        allow = lambda k: k.startswith(f"encoder.layers.{last}.") or k == "text_projection.weight"  # noqa: E731
    converted = {k.removeprefix("text_model."): v for k, v in converted.items()}
    assert_same_tensors(te_state, converted, f"{path.name} text encoder", allow)

    # The yaml must describe the same U-Net and VAE as the diffusers folder.
    original = yaml.safe_load(yaml_path.read_text())
    unet_cfg = sfu.create_unet_diffusers_config_from_ldm(original, checkpoint)
    for key in ("in_channels", "out_channels", "down_block_types", "up_block_types", "block_out_channels",
                "layers_per_block", "cross_attention_dim", "attention_head_dim", "use_linear_projection"):
        got, want = unet_cfg[key], pipe.unet.config[key]
        if (list(got) if isinstance(got, (list, tuple)) else got) != (list(want) if isinstance(want, (list, tuple)) else want):
            raise AssertionError(f"{yaml_path.name}: unet {key} = {got}, folder has {want}")
    vae_cfg = sfu.create_vae_diffusers_config_from_ldm(original, checkpoint)
    for key in ("block_out_channels", "layers_per_block", "latent_channels", "scaling_factor"):
        got, want = vae_cfg[key], pipe.vae.config[key]
        if (list(got) if isinstance(got, (list, tuple)) else got) != (list(want) if isinstance(want, (list, tuple)) else want):
            raise AssertionError(f"{yaml_path.name}: vae {key} = {got}, folder has {want}")

    # End to end: diffusers' own single-file pipeline loader.
    loaded = pipeline_class.from_single_file(str(path), config=str(folder), original_config=str(yaml_path),
                                             local_files_only=True, safety_checker=None)
    for name in ("unet", "vae", "text_encoder"):
        assert_same_tensors(getattr(pipe, name).state_dict(), getattr(loaded, name).state_dict(),
                            f"{path.name} from_single_file {name}")


def verify_folder(folder, pipe):
    """Reloads the written diffusers folder and checks every tensor and config against the models."""
    unet = UNet2DConditionModel.from_pretrained(folder / "unet")
    assert_same_tensors(pipe.unet.state_dict(), unet.state_dict(), f"{folder.name}/unet")
    vae = AutoencoderKL.from_pretrained(folder / "vae")
    assert_same_tensors(pipe.vae.state_dict(), vae.state_dict(), f"{folder.name}/vae")
    te = CLIPTextModel.from_pretrained(folder / "text_encoder")
    assert te.dtype == torch.float32
    assert_same_tensors(pipe.text_encoder.state_dict(), te.state_dict(), f"{folder.name}/text_encoder")
    with torch.no_grad():
        ids = torch.tensor([[49406, 320, 4558, 49407] + [0] * 73])
        assert torch.equal(te(ids).last_hidden_state, pipe.text_encoder(ids).last_hidden_state)
    names = load_file(folder / "text_encoder" / "model.safetensors").keys()
    assert all(k.startswith("text_model.") for k in names), "text encoder names must keep text_model."


# ---------------------------------------------------------------------------------------------
# Reference outputs.
# ---------------------------------------------------------------------------------------------


def generator(seed):
    return torch.Generator().manual_seed(seed)


def float64_error(module, inputs, run):
    """Max |f32 - f64| of `run`, to tell the Swift tests what float32 round-off alone costs."""
    with torch.no_grad():
        out32 = run(module, inputs)
        m64 = copy.deepcopy(module).double()
        out64 = run(m64, {k: (v.double() if v.is_floating_point() else v) for k, v in inputs.items()})
    return (out32.double() - out64).abs().max().item(), out64.abs().max().item()


def text_references(pipe, clip_skip_ref, stats):
    tok = pipe.tokenizer
    ids = tok(PROMPTS, padding="max_length", max_length=tok.model_max_length, truncation=True,
              return_tensors="pt").input_ids
    te = pipe.text_encoder
    with torch.no_grad():
        out = te(ids, output_hidden_states=True)
        refs = {"text.input_ids": ids.to(torch.int64), "text.last_hidden_state": out.last_hidden_state}
        via_pipe, _ = pipe.encode_prompt(PROMPTS, "cpu", 1, False)
        assert torch.equal(via_pipe, out.last_hidden_state), "encode_prompt disagrees with last_hidden_state"
        if clip_skip_ref:
            final_norm = te.text_model.final_layer_norm if hasattr(te, "text_model") else te.final_layer_norm
            # encode_prompt(clip_skip=1): hidden_states[-(clip_skip + 1)], then final_layer_norm. (diffusers
            # 0.42.1 cannot run that branch with transformers >= 5.6, so it is computed here the same way.)
            refs["text.clip_skip1"] = final_norm(out.hidden_states[-2])
    stats["text.last_hidden_state"] = float64_error(te, {"ids": ids}, lambda m, x: m(x["ids"]).last_hidden_state)
    return refs


def unet_references(unet, seed, stats):
    g = generator(seed)
    sample = torch.randn(2, unet.config.in_channels, LATENT_SIZE, LATENT_SIZE, generator=g)
    hidden = torch.randn(2, 77, unet.config.cross_attention_dim, generator=g)
    inputs = {"sample": sample, "timestep": torch.tensor(TIMESTEPS), "encoder_hidden_states": hidden}
    if unet.config.num_class_embeds:
        inputs["class_labels"] = torch.tensor(NOISE_LEVELS, dtype=torch.int64)

    def run(m, x):
        return m(x["sample"], x["timestep"], encoder_hidden_states=x["encoder_hidden_states"],
                 class_labels=x.get("class_labels")).sample

    with torch.no_grad():
        out = run(unet, inputs)
    stats["unet.out"] = float64_error(unet, inputs, run)
    refs = {f"unet.{k}": v for k, v in inputs.items()}
    refs["unet.out"] = out
    return refs


def vae_references(vae, seed, stats):
    g = generator(seed)
    image = torch.rand(1, 3, IMAGE_SIZE, IMAGE_SIZE, generator=g) * 2 - 1
    down = 2 ** (len(vae.config.block_out_channels) - 1)
    latents = torch.randn(1, vae.config.latent_channels, IMAGE_SIZE // down, IMAGE_SIZE // down, generator=g)
    with torch.no_grad():
        dist = vae.encode(image).latent_dist
        decoded = vae.decode(latents).sample
    stats["vae.posterior_mean"] = float64_error(vae, {"x": image}, lambda m, x: m.encode(x["x"]).latent_dist.mean)
    stats["vae.decoded"] = float64_error(vae, {"z": latents}, lambda m, x: m.decode(x["z"]).sample)
    return {"vae.image": image, "vae.posterior_mean": dist.mean, "vae.posterior_logvar": dist.logvar,
            "vae.latents": latents, "vae.decoded": decoded}


def check_magnitudes(name, refs):
    for key, value in refs.items():
        if key in ("text.input_ids", "unet.timestep", "unet.class_labels") or key.endswith(("sample", "image", "latents", "encoder_hidden_states")):
            continue
        peak = value.abs().max().item()
        if not 0.1 <= peak <= 10:
            raise AssertionError(f"{name}: {key} has max |x| = {peak}, outside 0.1..10")


# ---------------------------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bpe", help="path to bpe_simple_vocab_16e6.txt.gz (default: from the open_clip_torch wheel)")
    args = parser.parse_args()
    bpe = fetch_bpe(args.bpe)

    staging = Path(tempfile.mkdtemp(prefix=".fixtures-staging-", dir=FIXTURES))
    try:
        stats = build(bpe, staging)
    finally:
        shutil.rmtree(staging)
    summarize(stats)


def build(bpe, staging):
    """Writes everything into `staging`, verifies it, then moves models/ and reference/ into place."""
    models, reference = staging / "models", staging / "reference"
    models.mkdir()
    reference.mkdir()
    stats = {}

    # Tokenizers: SD1 pads with <|endoftext|>, SD2 with "!" (id 0); vocab and merges are shared.
    write_tokenizer(staging / "tok-sd1", bpe, "<|endoftext|>")
    tok_sd1 = CLIPTokenizer.from_pretrained(staging / "tok-sd1")
    write_tokenizer(staging / "tok-sd2", bpe, "!", shared_from=staging / "tok-sd1")
    tok_sd2 = CLIPTokenizer.from_pretrained(staging / "tok-sd2")
    assert tok_sd1.pad_token_id == 49407 and tok_sd2.pad_token_id == 0

    # ---- sd1 ----
    te1 = make_text_encoder(TEXT_SD1, seed=101)
    unet1 = make_unet(UNET_SD1, seed=102)
    vae_sd = make_vae(VAE_SD, seed=103)
    sd1 = StableDiffusionPipeline(vae=vae_sd, text_encoder=te1, tokenizer=tok_sd1, unet=unet1,
                                  scheduler=make_scheduler(PNDM_SD), safety_checker=None,
                                  feature_extractor=None, requires_safety_checker=False)
    save_diffusers_folder(sd1, models / "sd1", {"scheduler": PNDM_SD}, {})
    shutil.copytree(staging / "tok-sd1", models / "sd1" / "tokenizer", symlinks=True)
    verify_folder(models / "sd1", sd1)

    sd1_state = single_file_state(unet1, vae_sd, clip_to_ldm(te1))
    save_file(sd1_state, models / "sd1.safetensors", metadata=F16_METADATA)
    torch.save({"state_dict": sd1_state}, models / "sd1.ckpt")
    (models / "sd1.yaml").write_text(yaml.safe_dump(ldm_yaml(UNET_SD1, VAE_SD, "clip", False), sort_keys=False))
    reread = torch.load(models / "sd1.ckpt", weights_only=True)["state_dict"]
    assert_same_tensors(sd1_state, reread, "sd1.ckpt")
    assert all(reread[k].dtype == v.dtype for k, v in sd1_state.items())
    for path in (models / "sd1.safetensors", models / "sd1.ckpt"):
        verify_single_file(path, models / "sd1.yaml", models / "sd1", sd1, StableDiffusionPipeline, "clip")

    refs = text_references(sd1, clip_skip_ref=True, stats=stats.setdefault("sd1", {}))
    refs.update(unet_references(unet1, seed=201, stats=stats["sd1"]))
    refs.update(vae_references(vae_sd, seed=202, stats=stats["sd1"]))
    check_magnitudes("sd1", refs)
    save_file({k: v.contiguous() for k, v in refs.items()}, reference / "sd1.safetensors", metadata=F16_METADATA)

    # ---- sd2 (768-v) ----
    te_openclip = make_text_encoder(dict(TEXT_SD2, num_hidden_layers=TEXT_OPENCLIP_LAYERS), seed=111)
    te2 = truncated_text_encoder(te_openclip, TEXT_SD2)
    with torch.no_grad():  # penultimate layer of the OpenCLIP encoder == the diffusers encoder
        ids = tok_sd2(PROMPTS, padding="max_length", max_length=77, return_tensors="pt").input_ids
        full = te_openclip(ids, output_hidden_states=True).hidden_states[-2]
        assert torch.equal(te_openclip.final_layer_norm(full), te2(ids).last_hidden_state)
    text_projection = (torch.randn(16, 16, generator=generator(112)) / 4).half().float()
    unet2 = make_unet(UNET_SD2, seed=113)
    sd2 = StableDiffusionPipeline(vae=vae_sd, text_encoder=te2, tokenizer=tok_sd2, unet=unet2,
                                  scheduler=make_scheduler(DDIM_SD2_V), safety_checker=None,
                                  feature_extractor=None, requires_safety_checker=False)
    save_diffusers_folder(sd2, models / "sd2", {"scheduler": DDIM_SD2_V}, {"vae": models / "sd1" / "vae"})
    write_tokenizer(models / "sd2" / "tokenizer", bpe, "!", shared_from=models / "sd1" / "tokenizer")
    verify_folder(models / "sd2", sd2)

    sd2_state = single_file_state(unet2, vae_sd, open_clip_to_ldm(te_openclip, text_projection))
    save_file(sd2_state, models / "sd2.safetensors", metadata=F16_METADATA)
    (models / "sd2.yaml").write_text(yaml.safe_dump(ldm_yaml(UNET_SD2, VAE_SD, "openclip", True), sort_keys=False))
    verify_single_file(models / "sd2.safetensors", models / "sd2.yaml", models / "sd2", sd2,
                       StableDiffusionPipeline, "openclip")

    refs = text_references(sd2, clip_skip_ref=False, stats=stats.setdefault("sd2", {}))
    refs.update(unet_references(unet2, seed=211, stats=stats["sd2"]))
    check_magnitudes("sd2", refs)
    save_file({k: v.contiguous() for k, v in refs.items()}, reference / "sd2.safetensors", metadata=F16_METADATA)

    shared_sd2 = {"vae": models / "sd1" / "vae", "text_encoder": models / "sd2" / "text_encoder",
                  "tokenizer": models / "sd2" / "tokenizer"}

    # ---- sd2-inpaint (512-inpainting-ema) ----
    unet_inpaint = make_unet(UNET_SD2_INPAINT, seed=121)
    inpaint = StableDiffusionInpaintPipeline(vae=vae_sd, text_encoder=te2, tokenizer=tok_sd2, unet=unet_inpaint,
                                             scheduler=make_scheduler(PNDM_SD), safety_checker=None,
                                             feature_extractor=None, requires_safety_checker=False)
    save_diffusers_folder(inpaint, models / "sd2-inpaint", {"scheduler": PNDM_SD}, shared_sd2)
    verify_folder(models / "sd2-inpaint", inpaint)
    refs = unet_references(unet_inpaint, seed=221, stats=stats.setdefault("sd2-inpaint", {}))
    check_magnitudes("sd2-inpaint", refs)
    save_file({k: v.contiguous() for k, v in refs.items()}, reference / "sd2-inpaint.safetensors", metadata=F16_METADATA)

    # ---- sd2-depth (512-depth-ema, no depth estimator) ----
    unet_depth = make_unet(UNET_SD2_DEPTH, seed=131)
    depth = StableDiffusionDepth2ImgPipeline(vae=vae_sd, text_encoder=te2, tokenizer=tok_sd2, unet=unet_depth,
                                             scheduler=make_scheduler(PNDM_SD2_DEPTH), depth_estimator=None,
                                             feature_extractor=None)
    save_diffusers_folder(depth, models / "sd2-depth", {"scheduler": PNDM_SD2_DEPTH}, shared_sd2)
    verify_folder(models / "sd2-depth", depth)
    refs = unet_references(unet_depth, seed=231, stats=stats.setdefault("sd2-depth", {}))
    check_magnitudes("sd2-depth", refs)
    save_file({k: v.contiguous() for k, v in refs.items()}, reference / "sd2-depth.safetensors", metadata=F16_METADATA)

    # ---- x4-upscaler ----
    unet_x4 = make_unet(UNET_X4, seed=141)
    vae_x4 = make_vae(VAE_X4, seed=142)
    x4 = StableDiffusionUpscalePipeline(vae=vae_x4, text_encoder=te2, tokenizer=tok_sd2, unet=unet_x4,
                                        low_res_scheduler=make_scheduler(DDPM_X4_LOW_RES),
                                        scheduler=make_scheduler(DDIM_X4), safety_checker=None,
                                        feature_extractor=None, watermarker=None, max_noise_level=350)
    save_diffusers_folder(x4, models / "x4-upscaler", {"scheduler": DDIM_X4, "low_res_scheduler": DDPM_X4_LOW_RES},
                          {k: v for k, v in shared_sd2.items() if k != "vae"})
    verify_folder(models / "x4-upscaler", x4)
    refs = unet_references(unet_x4, seed=241, stats=stats.setdefault("x4-upscaler", {}))
    refs.update(vae_references(vae_x4, seed=242, stats=stats["x4-upscaler"]))
    check_magnitudes("x4-upscaler", refs)
    save_file({k: v.contiguous() for k, v in refs.items()}, reference / "x4-upscaler.safetensors", metadata=F16_METADATA)

    # ---- install ----
    for name in ("models", "reference"):
        target = FIXTURES / name
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging / name), target)
    return stats


def summarize(stats):
    total = 0
    print("files (symlinks not counted):")
    for name in ("models", "reference"):
        for dirpath, _, filenames in sorted(os.walk(FIXTURES / name)):
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                if path.is_symlink():
                    continue
                size = path.stat().st_size
                total += size
                if size > 4 * 1024 * 1024:
                    raise AssertionError(f"{path} is over 4 MB")
                print(f"  {size / 1e6:8.3f} MB  {path.relative_to(FIXTURES)}")
    print(f"total {total / 1e6:.3f} MB")
    print("float32 vs float64 max abs error (same weights and inputs), and max |output| (float64):")
    for model, entries in stats.items():
        for key, (err, peak) in entries.items():
            print(f"  {model:12s} {key:24s} err {err:.3e}  max|x| {peak:.3f}")


if __name__ == "__main__":
    main()
