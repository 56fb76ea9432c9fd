#!/usr/bin/env python3
"""A tiny U-Net whose output depends on the timestep and the class label, for
Tests/SDModelsTests/EmbeddingParityTests.swift.

The U-Nets of scripts/make-fixtures.py have as many GroupNorm groups as channels (32 and 32, so
single-file LDM checkpoints with their fixed 32 groups stay loadable); with one channel per group,
the per-channel time/class embedding a ResNet adds before its second GroupNorm is removed again,
and their outputs change by ~1e-6 whatever the timestep or noise level. This model has 4 channels
per group (norm_num_groups 8), the x4 upscaler's class embedding and 7 input channels.

Pinned: torch==2.15.0 diffusers==0.42.1 safetensors==0.8.0. Writes Tests/Fixtures/models/unet-embeddings/unet/
and Tests/Fixtures/reference/unet-embeddings.safetensors (run again after make-fixtures.py,
which replaces models/ and reference/). Usage: python3 scripts/make-embedding-fixtures.py
"""
from pathlib import Path

import torch
from diffusers import UNet2DConditionModel
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
OUT_MODEL = ROOT / "Tests" / "Fixtures" / "models" / "unet-embeddings" / "unet"
OUT_REFERENCE = ROOT / "Tests" / "Fixtures" / "reference" / "unet-embeddings.safetensors"


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    unet = UNet2DConditionModel(
        sample_size=16, in_channels=7, out_channels=4, block_out_channels=[32, 32], layers_per_block=1,
        norm_num_groups=8, cross_attention_dim=16, attention_head_dim=8, use_linear_projection=True,
        down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"], up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"],
        num_class_embeds=1000)
    with torch.no_grad():
        for p in unet.parameters():
            p.copy_(p.half().float())  # float16-representable, so the f16 file holds the model exactly
    unet.eval()
    OUT_MODEL.mkdir(parents=True, exist_ok=True)
    unet.to(torch.float16).save_pretrained(OUT_MODEL)
    unet.to(torch.float32)
    g = torch.Generator().manual_seed(1)
    sample = torch.randn(2, 7, 16, 16, generator=g)
    context = torch.randn(2, 77, 16, generator=g)
    timesteps, labels = torch.tensor([999.0, 261.0]), torch.tensor([20, 350])
    with torch.no_grad():
        out = unet(sample, timesteps, context, class_labels=labels).sample
        swapped = unet(sample, timesteps.flip(0), context, class_labels=labels.flip(0)).sample
    sensitivity = ((out - swapped).abs().max() / out.abs().max()).item()
    assert sensitivity > 1e-2, sensitivity
    save_file({"unet.sample": sample, "unet.encoder_hidden_states": context, "unet.timestep": timesteps,
               "unet.class_labels": labels, "unet.out": out.contiguous(), "unet.out_swapped": swapped.contiguous(),
               "unet.swapped_timestep": timesteps.flip(0).contiguous(),
               "unet.swapped_class_labels": labels.flip(0).contiguous()}, OUT_REFERENCE)
    print(OUT_MODEL, OUT_REFERENCE, f"output change when timestep and label swap: {sensitivity:.3f} of max")


if __name__ == "__main__":
    main()
