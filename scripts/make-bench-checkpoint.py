#!/usr/bin/env python3
"""A full-size Stable Diffusion 1.5 checkpoint with random weights, for measuring load time and
peak memory of a real txt2img run (no real weights can be downloaded here; cost does not depend
on the values). Writes a diffusers folder (float16 safetensors, as the hub's fp16 files are) and,
with --single-file, an A1111-style single .safetensors next to it.

Pinned: torch==2.15.0 diffusers==0.42.1 transformers==5.24.0 safetensors==0.8.0 (as the fixtures).
Usage: python3 scripts/make-bench-checkpoint.py /tmp/sd15-random [--single-file]
Then:  sd generate -m /tmp/sd15-random "a cat" --steps 2   (and --weights-type f16, --low-memory)
"""
import json
import sys
from pathlib import Path

import torch
from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

ROOT = Path(__file__).resolve().parent.parent


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sd15-random")
    torch.manual_seed(0)
    unet = UNet2DConditionModel(cross_attention_dim=768, attention_head_dim=8, sample_size=64)
    vae = AutoencoderKL(block_out_channels=[128, 256, 512, 512], layers_per_block=2, sample_size=512,
                        down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4)
    text = CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                        num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu",
                                        projection_dim=768))
    for module in (unet, vae, text):
        module.to(torch.float16)
    unet.save_pretrained(out / "unet")
    vae.save_pretrained(out / "vae")
    text.save_pretrained(out / "text_encoder")
    # transformers 5 drops the `text_model.` prefix; real checkpoints keep it, so restore it.
    from safetensors.torch import load_file, save_file
    path = out / "text_encoder" / "model.safetensors"
    tensors = load_file(path)
    save_file({k if k.startswith("text_model.") else "text_model." + k: v for k, v in tensors.items()}, path)
    PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", skip_prk_steps=True,
                  steps_offset=1).save_pretrained(out / "scheduler")
    tokenizer = ROOT / "Tests" / "Fixtures" / "models" / "sd1" / "tokenizer"
    (out / "tokenizer").mkdir(parents=True, exist_ok=True)
    for f in tokenizer.iterdir():
        (out / "tokenizer" / f.name).write_bytes(f.read_bytes())
    (out / "model_index.json").write_text(json.dumps({
        "_class_name": "StableDiffusionPipeline", "scheduler": ["diffusers", "PNDMScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}, indent=2))
    print(out)


if __name__ == "__main__":
    main()
