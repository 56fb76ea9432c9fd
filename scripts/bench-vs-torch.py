#!/usr/bin/env python3
"""Times the same real-size architectures as `sd bench` in PyTorch/diffusers (random weights,
float32, CPU) so the two can be compared in one session on one machine.

Install: pip install --no-deps torch==2.15.0 (plus its CUDA-runtime wheels, which it imports
even on CPU: plain `pip install torch==2.15.0`), then
pip install diffusers==0.42.1 transformers==5.24.0 safetensors
Usage: scripts/bench-vs-torch.py --preset sd15 --steps 3 [--threads 2]
Prints one JSON line with the same keys as `sd bench`.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

PRESETS = {
    "sd15": dict(heads=8, cross=768, linear=False, upcast=False, side=64, clip=(768, 3072, 12, 12, "quick_gelu")),
    "sd2-base": dict(heads=[5, 10, 20, 20], cross=1024, linear=True, upcast=False, side=64,
                     clip=(1024, 4096, 23, 16, "gelu")),
    "sd2-768": dict(heads=[5, 10, 20, 20], cross=1024, linear=True, upcast=True, side=96,
                    clip=(1024, 4096, 23, 16, "gelu")),
}


def timed(fn, steps):
    fn()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="sd15", choices=PRESETS)
    ap.add_argument("--component", default="all", choices=["unet", "vae", "text", "all"])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    p = PRESETS[args.preset]
    out = {"preset": args.preset, "runtime": f"torch {torch.__version__}"}
    side = p["side"]
    with torch.inference_mode():
        if args.component in ("text", "all"):
            hidden, inter, layers, heads, act = p["clip"]
            te = CLIPTextModel(CLIPTextConfig(hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                                              num_attention_heads=heads, hidden_act=act)).eval()
            ids = torch.zeros(2, 77, dtype=torch.long)
            out["text_s"] = timed(lambda: te(ids), args.steps)
            del te
        if args.component in ("unet", "all"):
            unet = UNet2DConditionModel(attention_head_dim=p["heads"], cross_attention_dim=p["cross"],
                                        use_linear_projection=p["linear"], upcast_attention=p["upcast"],
                                        sample_size=side).eval()
            x = torch.randn(2, 4, side, side)
            ctx = torch.randn(2, 77, p["cross"])
            t = torch.tensor([999, 999])
            out["unet_step_s"] = timed(lambda: unet(x, t, encoder_hidden_states=ctx), args.steps)
            del unet
        if args.component in ("vae", "all"):
            vae = AutoencoderKL(block_out_channels=[128, 256, 512, 512], layers_per_block=2,
                                down_block_types=["DownEncoderBlock2D"] * 4,
                                up_block_types=["UpDecoderBlock2D"] * 4).eval()
            z = torch.randn(1, 4, side, side)
            out["vae_decode_s"] = timed(lambda: vae.decode(z), args.steps)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
