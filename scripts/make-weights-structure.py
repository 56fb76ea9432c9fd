#!/usr/bin/env python3
"""Real-size tensor names and shapes of the published SD checkpoints, for Tests/SDWeightsTests.

No weights can be downloaded, so the structure of the real checkpoints is rebuilt from the code
that wrote them: the LDM U-Net and VAE classes of Stability-AI/stablediffusion (instantiated on
torch's meta device, so nothing is allocated) with the published inference configs, the
OpenCLIP ViT-H text tower (torch.nn.MultiheadAttention blocks, as open_clip builds it) and
SD1's Hugging Face CLIP text model. The diffusers side is what diffusers' own single-file
helpers produce from the same configs (create_*_diffusers_config_from_ldm), instantiated the
same way; and diffusers' converters (convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint,
convert_ldm_clip_checkpoint, convert_open_clip_checkpoint) must map the LDM names onto exactly
those names and shapes, or the script fails.

Writes Tests/Fixtures/weights/structure-<model>.json:
  {"yaml": trimmed LDM config, "ldm": [[name, shape], ...],
   "diffusers": {"unet"|"vae"|"text_encoder": [[name, shape], ...]},
   "config": {"unet"|"vae"|"text_encoder": diffusers/transformers config}}

Pinned: torch==2.15.0, diffusers==0.42.1, transformers==5.24.0, einops==0.8.1, PyYAML;
Stability-AI/stablediffusion at cf1d67a6fd5ea1aa600c4df58e5b47da45f6bdbf (LDM code and v2 configs),
CompVis/stable-diffusion at 21f890f9da3cfbeaba8e2ac3c425ee9e998d5229 (v1-inference.yaml).

Usage: python3 scripts/make-weights-structure.py --ldm-repo path/to/stablediffusion --v1-config path/to/v1-inference.yaml
"""
import argparse
import collections
import json
import os
import sys
import types

import diffusers
import torch
import transformers
import yaml
from diffusers import AutoencoderKL, UNet2DConditionModel
from diffusers.loaders import single_file_utils as sfu
from transformers import CLIPTextConfig, CLIPTextModel

assert torch.__version__.split("+")[0] == "2.15.0", torch.__version__
assert diffusers.__version__ == "0.42.1", diffusers.__version__
assert transformers.__version__ == "5.24.0", transformers.__version__

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "weights")

MODELS = {
    # name: (config file, text encoder kind)
    "sd15": ("v1", "clip"),
    "sd21-v": ("configs/stable-diffusion/v2-inference-v.yaml", "openclip"),
    "x4-upscaler": ("configs/stable-diffusion/x4-upscaling.yaml", "openclip"),
}

SD1_TEXT = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu",
                projection_dim=768, bos_token_id=0, eos_token_id=2, pad_token_id=1)
# The diffusers SD2 text encoder: OpenCLIP ViT-H's text tower without its last block.
SD2_TEXT = dict(vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_hidden_layers=23,
                num_attention_heads=16, max_position_embeddings=77, hidden_act="gelu",
                projection_dim=512, bos_token_id=0, eos_token_id=2, pad_token_id=1)


def import_ldm(repo):
    # openaimodel.py imports omegaconf only for an isinstance check on context_dim.
    omegaconf = types.ModuleType("omegaconf")
    listconfig = types.ModuleType("omegaconf.listconfig")
    listconfig.ListConfig = type("ListConfig", (list,), {})
    sys.modules.setdefault("omegaconf", omegaconf)
    sys.modules.setdefault("omegaconf.listconfig", listconfig)
    sys.path.insert(0, repo)
    from ldm.modules.diffusionmodules.model import Decoder, Encoder
    from ldm.modules.diffusionmodules.openaimodel import UNetModel
    return UNetModel, Encoder, Decoder


class OpenCLIPText(torch.nn.Module):
    """open_clip's CLIP text tower as FrozenOpenCLIPEmbedder keeps it (visual deleted)."""

    class Block(torch.nn.Module):
        def __init__(self, width, heads):
            super().__init__()
            self.ln_1 = torch.nn.LayerNorm(width)
            self.attn = torch.nn.MultiheadAttention(width, heads)
            self.ln_2 = torch.nn.LayerNorm(width)
            self.mlp = torch.nn.Sequential(collections.OrderedDict([
                ("c_fc", torch.nn.Linear(width, width * 4)), ("gelu", torch.nn.GELU()),
                ("c_proj", torch.nn.Linear(width * 4, width))]))

    def __init__(self, width=1024, layers=24, heads=16, vocab=49408, context=77, embed_dim=1024):
        super().__init__()
        self.positional_embedding = torch.nn.Parameter(torch.empty(context, width))
        self.text_projection = torch.nn.Parameter(torch.empty(width, embed_dim))
        self.logit_scale = torch.nn.Parameter(torch.ones([]))
        self.token_embedding = torch.nn.Embedding(vocab, width)
        self.transformer = torch.nn.Module()
        self.transformer.resblocks = torch.nn.ModuleList([self.Block(width, heads) for _ in range(layers)])
        self.ln_final = torch.nn.LayerNorm(width)


def shapes(state):
    return [[k, list(v.shape)] for k, v in sorted(state.items())]


def assert_same(expected, actual, what):
    expected = {k: tuple(v.shape) for k, v in expected.items()}
    actual = {k: tuple(v.shape) for k, v in actual.items()}
    if expected != actual:
        missing = sorted(set(expected) - set(actual))[:5]
        extra = sorted(set(actual) - set(expected))[:5]
        wrong = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])[:5]
        raise SystemExit(f"{what}: diffusers converter disagrees: missing {missing} extra {extra} shapes {wrong}")


def build(name, config_path, text_kind, classes):
    UNetModel, Encoder, Decoder = classes
    original = yaml.safe_load(open(config_path))
    params = original["model"]["params"]
    unet_params = params["unet_config"]["params"]
    ddconfig = params["first_stage_config"]["params"]["ddconfig"]
    embed_dim = params["first_stage_config"]["params"]["embed_dim"]

    with torch.device("meta"):
        unet = UNetModel(**unet_params)
        encoder, decoder = Encoder(**ddconfig), Decoder(**ddconfig)
        quant = torch.nn.Conv2d(2 * ddconfig["z_channels"], 2 * embed_dim, 1)
        post_quant = torch.nn.Conv2d(embed_dim, ddconfig["z_channels"], 1)
        ldm = {f"model.diffusion_model.{k}": v for k, v in unet.state_dict().items()}
        for prefix, module in [("encoder.", encoder), ("decoder.", decoder), ("quant_conv.", quant),
                               ("post_quant_conv.", post_quant)]:
            ldm.update({f"first_stage_model.{prefix}{k}": v for k, v in module.state_dict().items()})
        if text_kind == "clip":
            text_config = CLIPTextConfig(**SD1_TEXT)
            text = CLIPTextModel(text_config)
            text_state = {f"text_model.{k}": v for k, v in text.state_dict().items()}
            ldm.update({f"cond_stage_model.transformer.{k}": v for k, v in text_state.items()})
            ldm["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.empty(1, 77, dtype=torch.int64)
        else:
            text_config = CLIPTextConfig(**SD2_TEXT)
            text = CLIPTextModel(text_config)
            text_state = {f"text_model.{k}": v for k, v in text.state_dict().items()}
            ldm.update({f"cond_stage_model.model.{k}": v for k, v in OpenCLIPText().state_dict().items()})

        checkpoint = dict(ldm)
        image_size = 512 if name != "sd21-v" else 768
        unet_config = sfu.create_unet_diffusers_config_from_ldm(original, checkpoint, image_size=image_size)
        vae_config = sfu.create_vae_diffusers_config_from_ldm(original, checkpoint, image_size=image_size)
        d_unet = UNet2DConditionModel(**unet_config)
        d_vae = AutoencoderKL(**vae_config)

    assert_same(d_unet.state_dict(), sfu.convert_ldm_unet_checkpoint(checkpoint, unet_config), f"{name} unet")
    assert_same(d_vae.state_dict(), sfu.convert_ldm_vae_checkpoint(checkpoint, vae_config), f"{name} vae")
    if text_kind == "clip":
        converted = sfu.convert_ldm_clip_checkpoint(checkpoint)
        converted.pop("text_model.embeddings.position_ids")
    else:
        converted = sfu.convert_open_clip_checkpoint(text, checkpoint)
    assert_same(text_state, converted, f"{name} text encoder")

    trimmed = {"model": {"target": original["model"]["target"], "params": {
        key: params[key] for key in ("parameterization", "linear_start", "linear_end", "timesteps", "scale_factor",
                                     "unet_config", "first_stage_config", "cond_stage_config", "low_scale_config")
        if key in params}}}
    trimmed["model"]["params"]["first_stage_config"]["params"].pop("lossconfig", None)
    text_dict = text_config.to_dict()
    return {
        "yaml": yaml.safe_dump(trimmed, sort_keys=False),
        "ldm": shapes(ldm),
        "diffusers": {"unet": shapes(d_unet.state_dict()), "vae": shapes(d_vae.state_dict()),
                      "text_encoder": shapes(text_state)},
        "config": {"unet": {k: v for k, v in d_unet.config.items() if not k.startswith("_")},
                   "vae": {k: v for k, v in d_vae.config.items() if not k.startswith("_")},
                   "text_encoder": {k: text_dict[k] for k in sorted(SD1_TEXT)}},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ldm-repo", required=True, help="checkout of Stability-AI/stablediffusion")
    parser.add_argument("--v1-config", required=True, help="CompVis/stable-diffusion configs/stable-diffusion/v1-inference.yaml")
    args = parser.parse_args()
    classes = import_ldm(os.path.abspath(args.ldm_repo))
    for name, (config, text_kind) in MODELS.items():
        path = args.v1_config if config == "v1" else os.path.join(args.ldm_repo, config)
        data = build(name, path, text_kind, classes)
        target = os.path.join(OUT, f"structure-{name}.json")
        with open(target, "w") as handle:
            json.dump(data, handle, separators=(",", ":"), sort_keys=True)
            handle.write("\n")
        print(f"{name}: {len(data['ldm'])} LDM tensors -> unet {len(data['diffusers']['unet'])}, "
              f"vae {len(data['diffusers']['vae'])}, text {len(data['diffusers']['text_encoder'])}; "
              f"{os.path.getsize(target)} bytes")


if __name__ == "__main__":
    main()
