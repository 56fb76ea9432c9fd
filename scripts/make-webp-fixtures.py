#!/usr/bin/env python3
"""WebP inputs for Tests/SDPipelinesTests/ImageWebPTests.swift and what diffusers' load_image makes
of them (convert("RGB"): alpha dropped), as raw RGB bytes next to each file.

Pinned: pillow==13.0.0 (its bundled libwebp), numpy==2.4.6. Lossless files must decode exactly;
lossy ones within a small tolerance (the YUV->RGB upsampling of the system libwebp may differ).
Usage: python3 scripts/make-webp-fixtures.py
"""
from pathlib import Path

import numpy as np
import PIL
from PIL import Image

assert PIL.__version__ == "13.0.0", PIL.__version__
OUT = Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "images" / "webp"


def pattern(w, h, channels):
    y, x = np.mgrid[0:h, 0:w]
    planes = [(x * 255 // (w - 1)), (y * 255 // (h - 1)), ((x + y) * 7) % 256, (x * y) % 256][:channels]
    return np.stack(planes, axis=-1).astype(np.uint8)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cases = {
        "lossless.webp": (Image.fromarray(pattern(23, 17, 3), "RGB"), {"lossless": True}),
        "alpha.webp": (Image.fromarray(pattern(16, 9, 4), "RGBA"), {"lossless": True}),
        "lossy.webp": (Image.fromarray(pattern(32, 24, 3), "RGB"), {"quality": 90}),
    }
    for name, (image, options) in cases.items():
        path = OUT / name
        image.save(path, "WEBP", **options)
        decoded = np.asarray(Image.open(path).convert("RGB"))
        (OUT / (name + ".rgb")).write_bytes(decoded.tobytes())
        print(name, decoded.shape, path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
