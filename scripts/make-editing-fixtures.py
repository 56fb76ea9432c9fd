#!/usr/bin/env python3
"""diffusers references for the editing pipelines: inpainting (9-channel U-Net and 4-channel masked
img2img), depth-to-image with an explicit depth map, the x4 upscaler, and txt2img at sizes that are
not multiples of 64 (the U-Net's upsample_size path).

Pinned versions: the same as scripts/make-pipeline-fixtures.py, whose helpers (randn patch, test
image, safetensors writer) this script reuses. Reads Tests/Fixtures/models/{sd1,sd2,sd2-inpaint,
sd2-depth,x4-upscaler}, writes Tests/Fixtures/reference/pipeline-editing.safetensors (run it again
after scripts/make-fixtures.py, which replaces reference/). Every case also runs in float64 with the
same random numbers and the script prints max |f32 - f64|. Runtime ~20 s on one core.
Usage: python3 scripts/make-editing-fixtures.py
"""
import importlib.util
from pathlib import Path

import numpy as np
import PIL.Image
import torch
from diffusers import (
    StableDiffusionDepth2ImgPipeline,
    StableDiffusionInpaintPipeline,
    StableDiffusionPipeline,
    StableDiffusionUpscalePipeline,
)

_spec = importlib.util.spec_from_file_location("pipeline_fixtures", Path(__file__).with_name("make-pipeline-fixtures.py"))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

MODELS, REFERENCE, ROOT = base.MODELS, base.REFERENCE, base.ROOT
PROMPT, NEGATIVE, STEPS, GUIDANCE, SEED, SIZE = base.PROMPT, base.NEGATIVE, base.STEPS, base.GUIDANCE, base.SEED, base.SIZE
INPAINT_STRENGTH = 0.75
DEPTH_STRENGTH = 0.8
NOISE_LEVEL = 20
LOW_RES = 16
ODD_SIZES = [(72, 88), (48, 40)]  # (width, height): latents 9x11 and 6x5


def mask_image():
    """64x64 grayscale mask: a rectangle and a disc (white = repaint), soft-edged so binarizing matters."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    rect = ((x >= 8) & (x < 30) & (y >= 20) & (y < 52)).astype(np.float64)
    disc = np.clip(12.0 - np.hypot(x - 46, y - 18), 0, 1)
    return np.clip(np.rint(255 * np.maximum(rect, disc)), 0, 255).astype(np.uint8)


def depth_image():
    """A 48x40 (w x h) depth map, not the image's size, so the bicubic resize is exercised."""
    y, x = np.mgrid[0:40, 0:48].astype(np.float64)
    depth = 60 + 120 * (y / 39) + 60 * np.exp(-((x - 30) ** 2 + (y - 14) ** 2) / 60)
    return np.clip(np.rint(depth), 0, 255).astype(np.uint8)


def load(cls, model):
    extra = {"depth_estimator": None, "feature_extractor": None} if cls is StableDiffusionDepth2ImgPipeline else {}
    pipe = cls.from_pretrained(MODELS / model, torch_dtype=torch.float32, safety_checker=None,
                               requires_safety_checker=False, **extra)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def generator():
    return torch.Generator("cpu").manual_seed(SEED)


def inpaint(pipe, sampler, image, mask, strength):
    return base.with_scheduler(pipe, sampler, type(pipe))(
        PROMPT, image=PIL.Image.fromarray(image), mask_image=PIL.Image.fromarray(mask, mode="L"),
        strength=strength, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
        height=SIZE, width=SIZE, generator=generator(), output_type="latent").images


def depth2img(pipe, sampler, image, depth):
    depth_map = torch.from_numpy(depth).float().div(255).unsqueeze(0).to(pipe.unet.dtype)
    return base.with_scheduler(pipe, sampler, type(pipe))(
        PROMPT, image=PIL.Image.fromarray(image), depth_map=depth_map, strength=DEPTH_STRENGTH,
        negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE, generator=generator(),
        output_type="latent").images


def upscale(pipe, sampler, low_res):
    return base.with_scheduler(pipe, sampler, type(pipe))(
        PROMPT, image=PIL.Image.fromarray(low_res), noise_level=NOISE_LEVEL, negative_prompt=NEGATIVE,
        num_inference_steps=STEPS, guidance_scale=GUIDANCE, generator=generator(), output_type="latent").images


def odd_txt2img(pipe, sampler, width, height):
    return base.with_scheduler(pipe, sampler)(
        PROMPT, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE, width=width,
        height=height, generator=generator(), output_type="latent").images


def vae_tiling(model, image):
    """diffusers' tiled VAE (enable_vae_tiling) with 64-pixel tiles, so a 128x96 image takes 3x2
    tiles: decoded pixels (NCHW, unclamped) from fixed latents, and the encoded posterior."""
    vae = load(StableDiffusionPipeline, model).vae
    vae.enable_tiling()
    vae.tile_sample_min_size, vae.tile_latent_min_size = 64, 8
    latents = torch.randn((1, 4, 12, 16), generator=generator(), dtype=torch.float32)
    tall = np.concatenate([image, image[::-1]], axis=0)[:96]
    wide = np.concatenate([tall, tall[:, ::-1]], axis=1)
    pixels = torch.from_numpy(wide).float().div(255).mul(2).sub(1).permute(2, 0, 1).unsqueeze(0)
    with torch.no_grad():
        decoded = vae.decode(latents).sample
        posterior = vae.encode(pixels).latent_dist
    return {"tiled.latents": latents, "tiled.decoded": decoded.contiguous(), "tiled.image_uint8": torch.from_numpy(wide.copy()),
            "tiled.mean": posterior.mean.contiguous(), "tiled.logvar": posterior.logvar.contiguous()}


def cases(image, mask, depth, low_res):
    """(model, pipeline class, tensor name, function of the pipeline)."""
    out = [("sd2-inpaint", StableDiffusionInpaintPipeline, f"inpaint9.{s}.strength{st}",
            lambda p, s=s, st=st: inpaint(p, s, image, mask, st))
           for s, st in [("euler_a", 1.0), ("ddim", 1.0), ("dpmpp_2m", 1.0), ("euler", INPAINT_STRENGTH)]]
    out += [("sd1", StableDiffusionInpaintPipeline, f"inpaint4.{s}.strength{st}",
             lambda p, s=s, st=st: inpaint(p, s, image, mask, st))
            for s, st in [("euler_a", INPAINT_STRENGTH), ("ddim", INPAINT_STRENGTH), ("heun", INPAINT_STRENGTH),
                          ("euler", 1.0)]]
    out += [("sd2-depth", StableDiffusionDepth2ImgPipeline, f"depth.{s}", lambda p, s=s: depth2img(p, s, image, depth))
            for s in ["euler_a", "ddim", "dpmpp_2m"]]
    out += [("x4-upscaler", StableDiffusionUpscalePipeline, f"upscale.{s}", lambda p, s=s: upscale(p, s, low_res))
            for s in ["euler_a", "ddim"]]
    out += [(model, StableDiffusionPipeline, f"odd.{model}.{s}.{w}x{h}", lambda p, s=s, w=w, h=h: odd_txt2img(p, s, w, h))
            for model, s in [("sd1", "euler"), ("sd2", "euler_a")] for w, h in ODD_SIZES]
    return out


def main():
    base.install_randn_tensor()
    image, mask, depth = base.init_image(), mask_image(), depth_image()
    low_res = image[::4, ::4].copy()
    tensors, report, pipes = {}, [], {}
    for model, cls, name, fn in cases(image, mask, depth, low_res):
        key = (model, cls)
        if key not in pipes:
            pipes[key] = load(cls, model)
        pipe = pipes[key]
        base.RNG_LOG.clear()
        with torch.no_grad():
            out32 = torch.as_tensor(np.asarray(fn(pipe))).float()
        draws = list(base.RNG_LOG)
        pipe.to(torch.float64)
        base.RNG_LOG.clear()
        with torch.no_grad():
            out64 = torch.as_tensor(np.asarray(fn(pipe))).double()
        pipe.to(torch.float32)
        assert base.RNG_LOG == draws, (name, base.RNG_LOG, draws)
        assert torch.isfinite(out32).all(), name
        tensors[name] = out32.contiguous()
        report.append((name, tuple(out32.shape), draws, (out32.double() - out64).abs().max().item(),
                       out64.abs().max().item()))
    tensors.update(vae_tiling("sd1", image))
    tensors["image_uint8"] = torch.from_numpy(image)
    tensors["mask_uint8"] = torch.from_numpy(mask)
    tensors["depth_uint8"] = torch.from_numpy(depth)
    tensors["low_res_uint8"] = torch.from_numpy(low_res)
    meta = dict(base.metadata("editing"), inpaint_strength=str(INPAINT_STRENGTH), depth_strength=str(DEPTH_STRENGTH),
                noise_level=str(NOISE_LEVEL))
    meta.pop("model")
    path = REFERENCE / "pipeline-editing.safetensors"
    base.write_safetensors(path, tensors, meta)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
    print(f"  {'tensor':34s} {'shape':16s} {'max|f32-f64|':>12s} {'max|x|':>8s}  randn draws")
    for name, shape, draws, err, peak in report:
        print(f"  {name:34s} {str(list(shape)):16s} {err:12.3e} {peak:8.3f}  "
              + ", ".join("x".join(map(str, d)) for d in draws))
    assert path.stat().st_size < 400_000


if __name__ == "__main__":
    main()
