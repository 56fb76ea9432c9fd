#!/usr/bin/env python3
"""End-to-end diffusers pipeline references for Tests/SDPipelinesTests (txt2img and img2img latents).

Pinned versions (the fixtures were generated with exactly these):
    torch==2.15.0  diffusers==0.42.1  transformers==5.24.0  safetensors==0.8.0  numpy==2.4.6  Pillow==13.0.0

Reads the tiny models Tests/Fixtures/models/{sd1,sd2} (made by scripts/make-fixtures.py) and writes
Tests/Fixtures/reference/pipeline-{sd1,sd2}.safetensors. make-fixtures.py replaces reference/ as a
whole, so run this script again after it. Every scheduler is built the way a diffusers user does,
`Cls.from_config(pipe.scheduler.config, **extra)`, so sd1 samplers inherit the PNDM config (epsilon)
and sd2 samplers the DDIM config (v_prediction), "leading" spacing and steps_offset 1 included.

Also runs every txt2img/img2img case with the pipeline in float64 (same random numbers: the
randn_tensor installed here draws float32 and casts) and prints max |f32 - f64| so tests can choose tolerances.
Deterministic (one CPU thread, deterministic algorithms, own safetensors writer with sorted
metadata): a second run writes byte-identical files. Runtime ~25 s on one core.
Usage: python3 scripts/make-pipeline-fixtures.py
"""
import json
import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import PIL
import torch

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
warnings.filterwarnings("ignore")

import diffusers  # noqa: E402  (import after torch settings)
import safetensors  # noqa: E402
import transformers  # noqa: E402
from diffusers import (  # noqa: E402
    DDIMScheduler,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    HeunDiscreteScheduler,
    KDPM2AncestralDiscreteScheduler,
    KDPM2DiscreteScheduler,
    LCMScheduler,
    LMSDiscreteScheduler,
    PNDMScheduler,
    StableDiffusionImg2ImgPipeline,
    StableDiffusionPipeline,
    UniPCMultistepScheduler,
)
from diffusers.utils import logging as diffusers_logging  # noqa: E402
from diffusers.utils import torch_utils  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers.utils import logging as transformers_logging  # noqa: E402

diffusers_logging.set_verbosity_error()
transformers_logging.set_verbosity_error()

VERSIONS = {"torch": "2.15.0", "diffusers": "0.42.1", "transformers": "5.24.0", "safetensors": "0.8.0",
            "numpy": "2.4.6", "PIL": "13.0.0"}
for module in (torch, diffusers, transformers, safetensors, np, PIL):
    found = module.__version__.split("+")[0]
    assert found == VERSIONS[module.__name__], f"{module.__name__} {found}, pinned {VERSIONS[module.__name__]}"

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "Tests" / "Fixtures" / "models"
REFERENCE = ROOT / "Tests" / "Fixtures" / "reference"

PROMPT = "a photograph of an astronaut riding a horse"
NEGATIVE = "blurry"
STEPS = 8
GUIDANCE = 7.5
SEED = 42
SIZE = 64
# Without guidance the U-Net batch is 1, and at 64x64 its lowest level is 1x1: torch's group_norm
# refuses one value per group ("Expected more than 1 value per channel"), so that run uses 128x128.
NOCFG_SIZE = 128
STRENGTH = 0.6

# Sampler name (as SamplerKind) -> diffusers class and from_config overrides.
SAMPLERS = {
    "ddim": (DDIMScheduler, {}),
    "pndm": (PNDMScheduler, {}),
    "euler": (EulerDiscreteScheduler, {}),
    "euler_a": (EulerAncestralDiscreteScheduler, {}),
    "lms": (LMSDiscreteScheduler, {}),
    "heun": (HeunDiscreteScheduler, {}),
    "dpm2": (KDPM2DiscreteScheduler, {}),
    "dpm2_a": (KDPM2AncestralDiscreteScheduler, {}),
    "dpmpp_2m": (DPMSolverMultistepScheduler, {}),
    "dpmpp_2m_karras": (DPMSolverMultistepScheduler, {"use_karras_sigmas": True}),
    "dpmpp_2m_sde": (DPMSolverMultistepScheduler, {"algorithm_type": "sde-dpmsolver++"}),
    "dpmpp_2m_sde_karras": (DPMSolverMultistepScheduler, {"algorithm_type": "sde-dpmsolver++", "use_karras_sigmas": True}),
    "unipc": (UniPCMultistepScheduler, {}),
    "ddpm": (DDPMScheduler, {}),
    "lcm": (LCMScheduler, {}),
    "euler_karras": (EulerDiscreteScheduler, {"use_karras_sigmas": True}),
    "lms_karras": (LMSDiscreteScheduler, {"use_karras_sigmas": True}),
}
IMG2IMG_SAMPLERS = ["ddim", "euler", "euler_a", "dpmpp_2m", "heun", "lms", "pndm"]

# ---- random numbers: float32 draws in every precision, and a log of the draws ----

_original_randn_tensor = torch_utils.randn_tensor
RNG_LOG = []


def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
    """diffusers' randn_tensor, always drawn in float32 so float64 runs see the same numbers."""
    RNG_LOG.append(tuple(shape))
    draw_dtype = torch.float32 if dtype == torch.float64 else dtype
    out = _original_randn_tensor(shape, generator=generator, device=device, dtype=draw_dtype, layout=layout)
    return out.to(dtype) if dtype is not None else out


def install_randn_tensor():
    """Replaces randn_tensor in every diffusers module that imported it (schedulers, pipelines, VAE)."""
    patched = 0
    for module in list(sys.modules.values()):
        if module is not None and getattr(module, "randn_tensor", None) is _original_randn_tensor:
            module.randn_tensor = randn_tensor
            patched += 1
    assert patched > 10, patched


# ---- fixture inputs ----

def init_image():
    """Deterministic 64x64 RGB test pattern: smooth gradients and blobs plus mild noise, uint8."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) / (SIZE - 1)
    r = 40 + 180 * x
    g = 60 + 150 * y * (1 - 0.5 * x)
    b = 128 + 100 * np.sin(2 * np.pi * (x + 0.5 * y)) * np.exp(-((x - 0.6) ** 2 + (y - 0.4) ** 2) * 3)
    image = np.stack([r, g, b], axis=-1) + rng.normal(0.0, 8.0, size=(SIZE, SIZE, 3))
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def load_pipeline(model):
    folder = MODELS / model
    pipe = StableDiffusionPipeline.from_pretrained(
        folder, torch_dtype=torch.float32, safety_checker=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    # transformers 5 drops the `text_model.` prefix on load: check every text encoder tensor arrived.
    stored = load_file(folder / "text_encoder" / "model.safetensors")
    loaded = pipe.text_encoder.state_dict()
    assert len(stored) == len(loaded), (len(stored), len(loaded))
    for name, value in stored.items():
        assert torch.equal(loaded[name.removeprefix("text_model.")], value.float()), name
    return pipe


def with_scheduler(pipe, sampler, cls=StableDiffusionPipeline):
    scheduler_cls, extra = SAMPLERS[sampler]
    scheduler = scheduler_cls.from_config(pipe.scheduler.config, **extra)
    components = dict(pipe.components, scheduler=scheduler)
    out = cls(**components)
    out.set_progress_bar_config(disable=True)
    return out


def txt2img(pipe, sampler, guidance=GUIDANCE, seed=SEED, size=SIZE, output_type="latent"):
    result = with_scheduler(pipe, sampler)(
        PROMPT, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=guidance,
        height=size, width=size, generator=torch.Generator("cpu").manual_seed(seed), output_type=output_type)
    return torch.as_tensor(np.asarray(result.images))


def img2img(pipe, sampler, image):
    result = with_scheduler(pipe, sampler, StableDiffusionImg2ImgPipeline)(
        PROMPT, image=PIL.Image.fromarray(image), strength=STRENGTH, negative_prompt=NEGATIVE,
        num_inference_steps=STEPS, guidance_scale=GUIDANCE, generator=torch.Generator("cpu").manual_seed(SEED),
        output_type="latent")
    return result.images


def init_latents(pipe, image):
    """The scaled VAE sample img2img starts from: the generator's first draw (seed 42) is this sample."""
    processed = pipe.image_processor.preprocess(PIL.Image.fromarray(image)).to(pipe.vae.dtype)
    dist = pipe.vae.encode(processed).latent_dist
    return dist.sample(torch.Generator("cpu").manual_seed(SEED)) * pipe.vae.config.scaling_factor


# ---- runs ----

def cases(image):
    """(tensor name, function of the pipeline) for every reference output."""
    out = [(f"txt2img.{s}", lambda p, s=s: txt2img(p, s)) for s in SAMPLERS]
    out += [
        ("txt2img_nocfg.euler_a", lambda p: txt2img(p, "euler_a", guidance=1.0, size=NOCFG_SIZE)),
        ("txt2img_seed7.euler_a", lambda p: txt2img(p, "euler_a", seed=7)),
        ("txt2img.euler_a.image", lambda p: txt2img(p, "euler_a", output_type="np")),
    ]
    out += [(f"img2img.{s}", lambda p, s=s: img2img(p, s, image)) for s in IMG2IMG_SAMPLERS]
    out += [("img2img.init_latents", lambda p: init_latents(p, image))]
    return out


def run_model(model, image):
    pipe = load_pipeline(model)
    tensors, report = {}, []
    for name, fn in cases(image):
        RNG_LOG.clear()
        with torch.no_grad():
            out32 = fn(pipe).float()
        draws32 = list(RNG_LOG)
        tensors[name] = out32.contiguous()
        report.append((name, tuple(out32.shape), draws32))
    pipe.to(torch.float64)
    for index, (name, fn) in enumerate(cases(image)):
        RNG_LOG.clear()
        with torch.no_grad():
            out64 = fn(pipe).double()
        assert RNG_LOG == report[index][2], (name, RNG_LOG, report[index][2])
        out32 = tensors[name].double()
        err = (out32 - out64).abs().max().item()
        report[index] += (err, out64.abs().max().item())
    pipe.to(torch.float32)
    tensors["txt2img.initial_noise"] = torch.randn(
        (1, 4, SIZE // 8, SIZE // 8), generator=torch.Generator("cpu").manual_seed(SEED), dtype=torch.float32)
    check(pipe, tensors)
    return tensors, report


def check(pipe, tensors):
    """Cross-checks between outputs that must agree."""
    image = tensors["txt2img.euler_a.image"]
    assert image.shape == (1, SIZE, SIZE, 3) and image.min() >= 0 and image.max() <= 1, image.shape
    with torch.no_grad():
        decoded = pipe.vae.decode(tensors["txt2img.euler_a"] / pipe.vae.config.scaling_factor).sample
    decoded = (decoded / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1)
    assert torch.equal(decoded, image), (decoded - image).abs().max()
    for name, value in tensors.items():
        if name == "txt2img_nocfg.euler_a":
            assert value.shape == (1, 4, NOCFG_SIZE // 8, NOCFG_SIZE // 8), (name, value.shape)
        elif name != "txt2img.euler_a.image":
            assert value.shape == (1, 4, SIZE // 8, SIZE // 8), (name, value.shape)
        assert torch.isfinite(value).all(), name


def metadata(model):
    return {
        "model": model,
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "num_inference_steps": str(STEPS),
        "guidance_scale": str(GUIDANCE),
        "nocfg_guidance_scale": "1.0",
        "nocfg_height": str(NOCFG_SIZE),
        "nocfg_width": str(NOCFG_SIZE),
        "seed": str(SEED),
        "seed7_seed": "7",
        "strength": str(STRENGTH),
        "height": str(SIZE),
        "width": str(SIZE),
        "generator": "torch.Generator('cpu').manual_seed(seed), one generator per run",
        "versions": " ".join(f"{k}=={v}" for k, v in VERSIONS.items()),
    }


# ---- writing ----

DTYPES = {torch.float32: "F32", torch.uint8: "U8"}


def write_safetensors(path, tensors, meta):
    """safetensors with sorted keys (safetensors' own writer orders metadata by hash: not reproducible)."""
    order = sorted(tensors, key=lambda k: (tensors[k].dtype != torch.float32, k))
    header, blobs, offset = {"__metadata__": dict(sorted(meta.items()))}, [], 0
    for name in order:
        data = tensors[name].contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensors[name].dtype], "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    with safe_open(path, framework="pt") as f:
        assert f.metadata() == meta
        assert sorted(f.keys()) == sorted(tensors)
        for name in tensors:
            assert torch.equal(f.get_tensor(name), tensors[name]), name


def main():
    install_randn_tensor()
    image = init_image()
    REFERENCE.mkdir(parents=True, exist_ok=True)
    total = 0
    for model in ("sd1", "sd2"):
        tensors, report = run_model(model, image)
        tensors["img2img.init_uint8"] = torch.from_numpy(image)
        path = REFERENCE / f"pipeline-{model}.safetensors"
        write_safetensors(path, tensors, metadata(model))
        total += path.stat().st_size
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
        print(f"  {'tensor':28s} {'shape':16s} {'max|f32-f64|':>12s} {'max|x|':>8s}  randn draws")
        for name, shape, draws, err, peak in report:
            draw_text = f"{len(draws)}: " + ", ".join("x".join(map(str, d)) for d in draws[:3])
            draw_text += ", ..." if len(draws) > 3 else ""
            print(f"  {name:28s} {str(list(shape)):16s} {err:12.3e} {peak:8.3f}  {draw_text}")
    assert total < 1_500_000, total
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
