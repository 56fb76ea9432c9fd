#!/usr/bin/env python3
"""Reference data for Tests/SDSamplingTests: PyTorch's CPU RNG and diffusers' schedulers.

Pinned versions (the fixtures were generated with exactly these):
    torch==2.15.0 (CPU capability AVX512; randn's >=16-element path is the AVX2 kernel)
    diffusers==0.42.1
    numpy==2.*  safetensors==0.8.0

Writes into Tests/Fixtures/sampling/:
    sd15_scheduler_config.json, sd21_scheduler_config.json  the hub scheduler configs
    rng.json             torch.randn / torch.rand outputs for several seeds and call sequences
    grids.json           timesteps / sigmas / init_noise_sigma per scheduler, spacing, step count
    runs.json            index of the sampling runs (sampler, config, mode, tensor names)
    runs.safetensors     per run: timesteps, sigmas, latents after every scheduler step

The "model" is a fixed nonlinear function of the latents and the timestep instead of a U-Net:
    model(x, t) = 0.9 * x * cos(t / 1500) + 0.1 * sin(x + t / 1000)    (float32)
It keeps the latents of order 1 for noise and velocity prediction alike.
Usage: python3 scripts/make-sampler-fixtures.py
"""
import inspect
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file
import diffusers
from diffusers import (DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, HeunDiscreteScheduler, KDPM2AncestralDiscreteScheduler,
                       KDPM2DiscreteScheduler, LCMScheduler, LMSDiscreteScheduler, PNDMScheduler,
                       UniPCMultistepScheduler)

assert torch.__version__.startswith("2.15."), torch.__version__
assert diffusers.__version__ == "0.42.1", diffusers.__version__

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "sampling")

# runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json
SD15 = {
    "_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
    "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
    "clip_sample": False,
}
# stabilityai/stable-diffusion-2-1 scheduler/scheduler_config.json
SD21 = {
    "_class_name": "DDIMScheduler", "_diffusers_version": "0.8.0", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
    "num_train_timesteps": 1000, "prediction_type": "v_prediction", "set_alpha_to_one": False,
    "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
}
CONFIGS = {"sd15": SD15, "sd21": SD21}

# SamplerKind (snake name) -> diffusers class and from_config overrides, as SamplerKind.swift.
SAMPLERS = {
    "ddim": (DDIMScheduler, {}),
    "pndm": (PNDMScheduler, {}),
    "plms": (PNDMScheduler, {"skip_prk_steps": True}),
    "euler": (EulerDiscreteScheduler, {"use_karras_sigmas": False}),
    "euler_karras": (EulerDiscreteScheduler, {"use_karras_sigmas": True}),
    "euler_a": (EulerAncestralDiscreteScheduler, {}),
    "lms": (LMSDiscreteScheduler, {"use_karras_sigmas": False}),
    "lms_karras": (LMSDiscreteScheduler, {"use_karras_sigmas": True}),
    "heun": (HeunDiscreteScheduler, {"use_karras_sigmas": False}),
    "heun_karras": (HeunDiscreteScheduler, {"use_karras_sigmas": True}),
    "dpm2": (KDPM2DiscreteScheduler, {"use_karras_sigmas": False}),
    "dpm2_karras": (KDPM2DiscreteScheduler, {"use_karras_sigmas": True}),
    "dpm2_a": (KDPM2AncestralDiscreteScheduler, {"use_karras_sigmas": False}),
    "dpm2_a_karras": (KDPM2AncestralDiscreteScheduler, {"use_karras_sigmas": True}),
    "dpmpp_2m": (DPMSolverMultistepScheduler, {"use_karras_sigmas": False, "algorithm_type": "dpmsolver++"}),
    "dpmpp_2m_karras": (DPMSolverMultistepScheduler, {"use_karras_sigmas": True, "algorithm_type": "dpmsolver++"}),
    "dpmpp_2m_sde": (DPMSolverMultistepScheduler, {"use_karras_sigmas": False, "algorithm_type": "sde-dpmsolver++"}),
    "dpmpp_2m_sde_karras": (DPMSolverMultistepScheduler,
                            {"use_karras_sigmas": True, "algorithm_type": "sde-dpmsolver++"}),
    "unipc": (UniPCMultistepScheduler, {}),
    "ddpm": (DDPMScheduler, {}),
    "lcm": (LCMScheduler, {}),
}

SHAPE = (1, 4, 8, 8)


def model(x, t):
    tt = torch.tensor(float(t), dtype=torch.float32)
    return 0.9 * x * torch.cos(tt / 1500) + 0.1 * torch.sin(x + tt / 1000)


def as_list(tensor_or_array):
    return [float(v) for v in np.asarray(tensor_or_array, dtype=np.float64).reshape(-1)]


def make_scheduler(sampler, config_name, extra):
    cls, overrides = SAMPLERS[sampler]
    return cls.from_config(CONFIGS[config_name], **{**overrides, **extra})


def step_kwargs(scheduler, generator, eta):
    params = inspect.signature(scheduler.step).parameters
    kwargs = {}
    if "generator" in params:
        kwargs["generator"] = generator
    if "eta" in params:
        kwargs["eta"] = eta
    return kwargs


def sigmas_of(scheduler):
    sigmas = getattr(scheduler, "sigmas", None)
    if sigmas is None or isinstance(scheduler, (DDIMScheduler, PNDMScheduler, DDPMScheduler, LCMScheduler)):
        return []
    return as_list(sigmas)


def run_txt2img(scheduler, steps, seed, eta):
    scheduler.set_timesteps(steps)
    g = torch.Generator("cpu").manual_seed(seed)
    latents = torch.randn(SHAPE, generator=g) * scheduler.init_noise_sigma
    history = [latents.clone()]
    for t in scheduler.timesteps:
        model_input = scheduler.scale_model_input(latents, t)
        latents = scheduler.step(model(model_input, t), t, latents, **step_kwargs(scheduler, g, eta)).prev_sample
        history.append(latents.clone())
    return 0, history


def run_img2img(scheduler, steps, seed, eta, strength, original):
    scheduler.set_timesteps(steps)
    init_timestep = min(int(steps * strength), steps)
    t_start = max(steps - init_timestep, 0)
    timesteps = scheduler.timesteps[t_start * scheduler.order:]
    if hasattr(scheduler, "set_begin_index"):
        scheduler.set_begin_index(t_start * scheduler.order)
    g = torch.Generator("cpu").manual_seed(seed)
    noise = torch.randn(SHAPE, generator=g)
    latents = scheduler.add_noise(original, noise, timesteps[:1])
    history = [latents.clone()]
    for t in timesteps:
        model_input = scheduler.scale_model_input(latents, t)
        latents = scheduler.step(model(model_input, t), t, latents, **step_kwargs(scheduler, g, eta)).prev_sample
        history.append(latents.clone())
    return t_start * scheduler.order, history


def make_runs():
    original = torch.from_numpy((0.8 * np.sin(0.1 * np.arange(256, dtype=np.float32))).astype(np.float32)).reshape(SHAPE)
    tensors = {"img2img_original": original.reshape(-1).contiguous()}
    runs = []
    cases = []
    for config_name in CONFIGS:
        for sampler in SAMPLERS:
            cases.append((sampler, config_name, {}, "txt2img", 10, 1234, 0.0))
            cases.append((sampler, config_name, {}, "img2img", 10, 99, 0.0))
    # Paths the Stable Diffusion configs do not reach.
    cases += [
        ("pndm", "sd15", {"skip_prk_steps": False}, "txt2img", 10, 5, 0.0),
        ("ddim", "sd15", {}, "txt2img", 10, 6, 0.7),
        ("ddim", "sd21", {"timestep_spacing": "trailing"}, "txt2img", 10, 6, 0.0),
        ("dpmpp_2m", "sd15", {"solver_order": 3}, "txt2img", 12, 7, 0.0),
        ("dpmpp_2m_sde", "sd21", {"solver_order": 3, "solver_type": "heun"}, "txt2img", 12, 7, 0.0),
        ("dpmpp_2m", "sd21", {"solver_type": "heun", "final_sigmas_type": "sigma_min"}, "txt2img", 8, 8, 0.0),
        ("unipc", "sd15", {"solver_order": 3}, "txt2img", 12, 9, 0.0),
        ("unipc", "sd21", {"solver_type": "bh1", "use_karras_sigmas": True, "final_sigmas_type": "sigma_min"},
         "txt2img", 10, 9, 0.0),
        ("euler", "sd15", {"timestep_spacing": "leading"}, "txt2img", 25, 10, 0.0),
        ("euler_a", "sd21", {"timestep_spacing": "trailing"}, "txt2img", 20, 11, 0.0),
        ("lms", "sd15", {}, "txt2img", 30, 12, 0.0),
        ("ddpm", "sd15", {"variance_type": "fixed_small_log"}, "txt2img", 10, 13, 0.0),
        ("ddpm", "sd21", {"variance_type": "fixed_large", "clip_sample": True}, "txt2img", 10, 13, 0.0),
        ("lcm", "sd15", {}, "txt2img", 4, 14, 0.0),
        ("heun", "sd21", {"clip_sample": True, "clip_sample_range": 2.0}, "txt2img", 6, 15, 0.0),
        ("ddim", "sd21", {"rescale_betas_zero_snr": True, "timestep_spacing": "trailing"}, "txt2img", 10, 16, 0.0),
        ("euler", "sd21", {"timestep_type": "continuous"}, "txt2img", 10, 17, 0.0),
        ("euler", "sd15", {"interpolation_type": "log_linear"}, "txt2img", 10, 18, 0.0),
        ("dpmpp_2m", "sd15", {"timestep_spacing": "trailing", "lambda_min_clipped": -2.0}, "txt2img", 10, 19, 0.0),
    ]
    for sampler, config_name, extra, mode, steps, seed, eta in cases:
        scheduler = make_scheduler(sampler, config_name, extra)
        if mode == "txt2img":
            start, history = run_txt2img(scheduler, steps, seed, eta)
        else:
            start, history = run_img2img(scheduler, steps, seed, eta, 0.6, original)
        name = f"{len(runs):03d}_{sampler}_{config_name}_{mode}"
        tensors[f"{name}/timesteps"] = torch.tensor(as_list(scheduler.timesteps), dtype=torch.float64)
        tensors[f"{name}/sigmas"] = torch.tensor(sigmas_of(scheduler), dtype=torch.float32)
        tensors[f"{name}/latents"] = torch.stack([h.reshape(-1) for h in history]).contiguous()
        runs.append({
            "name": name, "sampler": sampler, "config": config_name, "overrides": extra, "mode": mode,
            "steps": steps, "seed": seed, "eta": eta, "strength": 0.6 if mode == "img2img" else 1.0,
            "start_index": start, "init_noise_sigma": float(scheduler.init_noise_sigma),
        })
    save_file(tensors, os.path.join(OUT, "runs.safetensors"))
    with open(os.path.join(OUT, "runs.json"), "w") as f:
        json.dump({"shape": list(SHAPE), "runs": runs}, f, indent=1)


def make_grids():
    grids = []
    for sampler in SAMPLERS:
        for spacing in ["leading", "trailing", "linspace"]:
            for steps in [1, 3, 7, 10, 25, 50]:
                entry = {"sampler": sampler, "timestep_spacing": spacing, "steps": steps}
                try:
                    scheduler = make_scheduler(sampler, "sd15", {"timestep_spacing": spacing})
                    scheduler.set_timesteps(steps)
                    entry.update(timesteps=as_list(scheduler.timesteps), sigmas=sigmas_of(scheduler),
                                 init_noise_sigma=float(scheduler.init_noise_sigma))
                except Exception as error:  # diffusers rejects this combination
                    entry["error"] = type(error).__name__
                grids.append(entry)
    schedule = DDIMScheduler.from_config(SD15)
    cosine = DDPMScheduler(beta_schedule="squaredcos_cap_v2")
    linear = DDPMScheduler()
    rescaled = DDIMScheduler.from_config(SD21, rescale_betas_zero_snr=True)
    tables = {
        "sd15_alphas_cumprod": as_list(schedule.alphas_cumprod),
        "sd15_betas": as_list(schedule.betas),
        "linear_betas": as_list(linear.betas),
        "cosine_betas": as_list(cosine.betas),
        "rescaled_alphas_cumprod": as_list(rescaled.alphas_cumprod),
    }
    with open(os.path.join(OUT, "grids.json"), "w") as f:
        json.dump({"tables": tables, "grids": grids}, f)


def make_rng():
    sizes = [1, 3, 15, 16, 17, 100, 4 * 64 * 64, 2 * 4 * 96 * 96]
    cases = []
    for seed in [0, 42, 2**32 + 5, 18446744073709551615]:
        for size in sizes:
            values = torch.randn(size, generator=torch.Generator("cpu").manual_seed(seed)).numpy()
            cases.append(summary(seed, [("randn", size)], [values]))
    # Call sequences: the stream position and the cached Box-Muller value carry over.
    sequences = [
        [("randn", 16384), ("randn", 3), ("randn", 17), ("rand", 5), ("randn", 1)],
        [("randn", 1), ("randn", 1), ("randn", 3)],
        [("randn", 3), ("randn", 16), ("randn", 1)],
        [("rand", 7), ("randn", 100), ("rand", 20)],
    ]
    for seed in [7, 123456789]:
        for sequence in sequences:
            g = torch.Generator("cpu").manual_seed(seed)
            outputs = [(torch.randn if op == "randn" else torch.rand)(size, generator=g).numpy() for op, size in sequence]
            cases.append(summary(seed, sequence, outputs))
    with open(os.path.join(OUT, "rng.json"), "w") as f:
        json.dump({"cases": cases}, f)


def summary(seed, calls, outputs):
    """Small outputs in full; large ones as head, tail, float64 sums and a bit checksum."""
    results = []
    for values in outputs:
        values = values.astype(np.float32).reshape(-1)
        if values.size <= 128:
            results.append({"values": [float(v) for v in values]})
        else:
            v64 = values.astype(np.float64)
            results.append({"count": int(values.size), "head": [float(v) for v in values[:32]],
                            "tail": [float(v) for v in values[-32:]], "sum": float(v64.sum()),
                            "sum_squares": float((v64 * v64).sum()), "bits_checksum": str(bits_checksum(values))})
    return {"seed": str(seed), "calls": [{"op": op, "count": size} for op, size in calls], "outputs": results}


def bits_checksum(values):
    """sum over i of (i + 1) * bits(values[i]) mod 2**64: any changed bit at any position shows."""
    bits = values.view(np.uint32).astype(np.uint64)
    weights = np.arange(1, values.size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return int(np.sum(bits * weights, dtype=np.uint64))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, config in CONFIGS.items():
        with open(os.path.join(OUT, f"{name}_scheduler_config.json"), "w") as f:
            json.dump(config, f, indent=2)
    make_rng()
    make_grids()
    make_runs()


if __name__ == "__main__":
    main()
