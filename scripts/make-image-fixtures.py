#!/usr/bin/env python3
"""Image-file fixtures for Tests/SDPipelinesTests/Image*.swift: small PNG and JPEG files in every
layout the reader handles, and what diffusers makes of them.

Pinned versions (the fixtures were generated with exactly these):
    pillow==13.0.0 (bundled libjpeg-turbo 3.2.0, zlib 1.2.13)
    diffusers==0.42.1 (diffusers.utils.load_image: ImageOps.exif_transpose, then convert("RGB"))
    numpy==2.4.6

Writes into Tests/Fixtures/images/:
    png/*.png, jpeg/*.jpg      inputs: Pillow's encoders, or a small hand-written PNG encoder below
                               for layouts Pillow cannot write (16-bit RGB, 2/4-bit, Adam7, tRNS)
    expected/*.rgb             load_image(path) as raw 8-bit RGB bytes (row-major, interleaved)
    malformed/*                headers claiming 100000x100000 (PNG) and 65000x65000 (JPEG)
    manifest.json              per input: width, height and expected file after load_image;
                               the Lanczos resize cases; the text chunks Pillow reads
One deliberate exception: png/gray16.png's expected pixels are the samples' high bytes (what the
Swift reader returns), not load_image's output, which clamps 16-bit grey to 255 (Pillow's I;16 to
RGB conversion); manifest.json marks it "deviates_from_pillow".
Usage: python3 scripts/make-image-fixtures.py
"""
import io
import json
import os
import struct
import warnings
import zlib

import numpy as np
import PIL
import PIL.features
import diffusers
from diffusers.utils import load_image
from PIL import Image, PngImagePlugin

assert PIL.__version__ == "13.0.0", PIL.__version__
assert diffusers.__version__ == "0.42.1", diffusers.__version__

# load_image on palette4-trns.png: Pillow suggests RGBA for palettes with tRNS; convert("RGB") drops it anyway.
warnings.filterwarnings("ignore", message="Palette images with Transparency")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "images")
rng = np.random.default_rng(20240611)
manifest = {"decode": {}, "resize": {}, "text": {}}


def picture(width, height, channels=3):
    """Smooth gradients plus noise: compresses well, but every sample differs."""
    y, x = np.mgrid[0:height, 0:width]
    planes = []
    for c in range(channels):
        base = (x * (37 + 11 * c) + y * (23 + 17 * c)) % 256
        planes.append(np.clip(base + rng.integers(-24, 25, size=(height, width)), 0, 255))
    return np.stack(planes, axis=-1).astype(np.uint8)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_row(samples, depth):
    """One scanline of samples (width x channels ints) at a bit depth, filter type 0."""
    flat = samples.reshape(-1).astype(np.int64)
    if depth == 16:
        return b"\0" + flat.astype(">u2").tobytes()
    if depth == 8:
        return b"\0" + flat.astype(np.uint8).tobytes()
    per_byte = 8 // depth
    out = bytearray()
    for start in range(0, len(flat), per_byte):
        byte = 0
        group = flat[start:start + per_byte]
        for i in range(per_byte):
            byte = (byte << depth) | (int(group[i]) if i < len(group) else 0)
        out.append(byte)
    return b"\0" + bytes(out)


def encode_png(samples, depth, color_type, interlace=False, before_idat=(), after_idat=()):
    """A PNG from samples (height x width x channels) written chunk by chunk."""
    height, width = samples.shape[:2]
    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                for row in sub:
                    raw += pack_row(row, depth)
    else:
        for row in samples:
            raw += pack_row(row, depth)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0)
    body = chunk(b"IHDR", ihdr)
    for kind, data in before_idat:
        body += chunk(kind, data)
    body += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    for kind, data in after_idat:
        body += chunk(kind, data)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def save_bytes(relative, data):
    path = os.path.join(OUT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def record(relative, override=None, note=None):
    """Decodes an input as diffusers does and stores the expected RGB bytes."""
    path = os.path.join(OUT, relative)
    image = np.asarray(load_image(path))
    if override is not None:
        image = override
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    name = os.path.splitext(os.path.basename(relative))[0]
    expected = f"expected/{os.path.dirname(relative)}-{name}.rgb"
    save_bytes(expected, image.tobytes())
    entry = {"width": image.shape[1], "height": image.shape[0], "expected": expected}
    if note:
        entry["deviates_from_pillow"] = note
    manifest["decode"][relative] = entry


def pillow_bytes(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def png_fixtures():
    rgb = picture(13, 9)
    save_bytes("png/rgb8.png", pillow_bytes(Image.fromarray(rgb, "RGB"), "PNG"))
    rgba = np.concatenate([rgb, picture(13, 9, 1)], axis=-1)
    save_bytes("png/rgba8.png", pillow_bytes(Image.fromarray(rgba, "RGBA"), "PNG"))
    gray = picture(11, 7, 1)
    save_bytes("png/gray8.png", pillow_bytes(Image.fromarray(gray[..., 0], "L"), "PNG"))
    gray_alpha = picture(11, 7, 2)
    save_bytes("png/gray-alpha8.png", pillow_bytes(Image.fromarray(gray_alpha, "LA"), "PNG"))
    indices = rng.integers(0, 256, size=(9, 12)).astype(np.uint8)
    palette_image = Image.fromarray(indices, "P")
    palette_image.putpalette(rng.integers(0, 256, size=768).astype(np.uint8).tobytes())
    save_bytes("png/palette8.png", pillow_bytes(palette_image, "PNG"))
    bilevel = Image.fromarray(picture(10, 6, 1)[..., 0] > 127)
    save_bytes("png/gray1.png", pillow_bytes(bilevel, "PNG"))

    # Layouts Pillow does not write: hand-encoded.
    palette16 = rng.integers(0, 256, size=(16, 3)).astype(np.uint8)
    trns = bytes(rng.integers(0, 256, size=12).astype(np.uint8))
    save_bytes("png/palette4-trns.png", encode_png(
        rng.integers(0, 16, size=(7, 9, 1)), 4, 3, before_idat=[(b"PLTE", palette16.tobytes()), (b"tRNS", trns)]))
    palette4 = rng.integers(0, 256, size=(4, 3)).astype(np.uint8)
    save_bytes("png/palette2-interlaced.png", encode_png(
        rng.integers(0, 4, size=(11, 10, 1)), 2, 3, interlace=True, before_idat=[(b"PLTE", palette4.tobytes())]))
    save_bytes("png/gray2.png", encode_png(rng.integers(0, 4, size=(5, 9, 1)), 2, 0))
    save_bytes("png/gray4.png", encode_png(rng.integers(0, 16, size=(5, 9, 1)), 4, 0))
    save_bytes("png/gray8-trns.png", encode_png(picture(8, 6, 1), 8, 0, before_idat=[(b"tRNS", b"\x00\x40")]))
    save_bytes("png/rgb16.png", encode_png(rng.integers(0, 65536, size=(6, 7, 3)), 16, 2))
    save_bytes("png/rgba16.png", encode_png(rng.integers(0, 65536, size=(6, 7, 4)), 16, 6))
    save_bytes("png/gray-alpha16.png", encode_png(rng.integers(0, 65536, size=(6, 7, 2)), 16, 4))
    save_bytes("png/rgb8-interlaced.png", encode_png(picture(19, 13), 8, 2, interlace=True))
    save_bytes("png/rgb16-interlaced.png", encode_png(rng.integers(0, 65536, size=(9, 10, 3)), 16, 2, interlace=True))
    # gAMA 1.0 and an sRGB chunk: Pillow applies neither, so the samples come through unchanged.
    save_bytes("png/rgb8-gamma.png", encode_png(
        picture(8, 5), 8, 2, before_idat=[(b"gAMA", struct.pack(">I", 100000)), (b"sRGB", b"\x00")]))
    gray16 = rng.integers(0, 65536, size=(6, 7, 1))
    save_bytes("png/gray16.png", encode_png(gray16, 16, 0))

    for relative in ["png/rgb8.png", "png/rgba8.png", "png/gray8.png", "png/gray-alpha8.png", "png/palette8.png",
                     "png/gray1.png", "png/palette4-trns.png", "png/palette2-interlaced.png", "png/gray2.png",
                     "png/gray4.png", "png/gray8-trns.png", "png/rgb16.png", "png/rgba16.png",
                     "png/gray-alpha16.png", "png/rgb8-interlaced.png", "png/rgb16-interlaced.png",
                     "png/rgb8-gamma.png"]:
        record(relative)
    high = (gray16[..., 0] >> 8).astype(np.uint8)
    pillow_gray16 = np.asarray(load_image(os.path.join(OUT, "png/gray16.png")))
    assert (pillow_gray16 == np.minimum(gray16[..., :1], 255).astype(np.uint8)).all(), "Pillow no longer clamps I;16"
    record("png/gray16.png", override=np.repeat(high[..., None], 3, axis=-1),
           note="Pillow clamps 16-bit grey to 255; the reader keeps the high byte")

    # EXIF orientation, every value, in eXIf chunks; then XMP and ImageMagick's raw profile.
    oriented = Image.fromarray(picture(7, 5), "RGB")
    for value in range(1, 9):
        save_bytes(f"png/orientation{value}.png", pillow_bytes(oriented, "PNG", exif=exif_with_orientation(value)))
        record(f"png/orientation{value}.png")
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    save_bytes("png/orientation-xmp.png", pillow_bytes(oriented, "PNG", pnginfo=info))
    record("png/orientation-xmp.png")
    profile = exif_with_orientation(8)
    hex_text = profile.hex()
    lines = "\n".join(hex_text[i:i + 72] for i in range(0, len(hex_text), 72))
    info = PngImagePlugin.PngInfo()
    info.add_text("Raw profile type exif", f"\nexif\n{len(profile):8}\n{lines}\n", zip=True)
    save_bytes("png/orientation-raw-profile.png", pillow_bytes(oriented, "PNG", pnginfo=info))
    record("png/orientation-raw-profile.png")


def jpeg_fixtures():
    rgb = Image.fromarray(picture(37, 29), "RGB")
    save_bytes("jpeg/rgb420.jpg", pillow_bytes(rgb, "JPEG", quality=90))
    save_bytes("jpeg/rgb422.jpg", pillow_bytes(rgb, "JPEG", quality=90, subsampling=1))
    save_bytes("jpeg/rgb444.jpg", pillow_bytes(rgb, "JPEG", quality=90, subsampling=0))
    save_bytes("jpeg/progressive.jpg", pillow_bytes(rgb, "JPEG", quality=85, progressive=True))
    save_bytes("jpeg/gray.jpg", pillow_bytes(rgb.convert("L"), "JPEG", quality=90))
    save_bytes("jpeg/cmyk.jpg", pillow_bytes(Image.fromarray(picture(21, 15, 4), "CMYK"), "JPEG", quality=90))
    small = Image.fromarray(picture(12, 8), "RGB")
    save_bytes("jpeg/orientation6.jpg", pillow_bytes(small, "JPEG", quality=95, exif=exif_with_orientation(6)))
    xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><tiff:Orientation>8</tiff:Orientation></x:xmpmeta>'
    save_bytes("jpeg/orientation-xmp.jpg", pillow_bytes(small, "JPEG", quality=95, xmp=xmp.encode()))
    for relative in ["jpeg/rgb420.jpg", "jpeg/rgb422.jpg", "jpeg/rgb444.jpg", "jpeg/progressive.jpg", "jpeg/gray.jpg",
                     "jpeg/cmyk.jpg", "jpeg/orientation6.jpg", "jpeg/orientation-xmp.jpg"]:
        record(relative)

    # A1111's JPEG metadata: piexif's UserComment with the UNICODE (UTF-16BE) character code.
    exif = Image.Exif()
    parameters = "a cat, 猫\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1"
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + parameters.encode("utf-16-be")
    save_bytes("jpeg/a1111-usercomment.jpg", pillow_bytes(small, "JPEG", quality=90, exif=exif.tobytes()))
    manifest["text"]["jpeg/a1111-usercomment.jpg"] = {"parameters": parameters}


def text_fixtures():
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a photo of a cat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, Seed: 42")
    info.add_text("latin1", "caf\xe9 \xb5")
    info.add_text("zipped", "compressed " * 20, zip=True)
    info.add_itxt("unicode", "日本語のプロンプト 🐱", lang="ja", tkey="ユニコード")
    info.add_itxt("unicode-zipped", "圧縮された 🐱 " * 10, zip=True)
    info.add_text("parameters-unicode", "猫 (A1111 falls back to iTXt)")
    image = Image.fromarray(picture(5, 4), "RGB")
    save_bytes("png/text-chunks.png", pillow_bytes(image, "PNG", pnginfo=info))
    with Image.open(os.path.join(OUT, "png/text-chunks.png")) as opened:
        manifest["text"]["png/text-chunks.png"] = {k: str(v) for k, v in opened.text.items()}

    # Text after the image data, and a repeated key (the later one wins in Pillow).
    after = encode_png(picture(4, 3), 8, 2, before_idat=[(b"tEXt", b"parameters\0first")],
                       after_idat=[(b"tEXt", b"parameters\0second"), (b"zTXt", b"late\0\0" + zlib.compress(b"after IDAT"))])
    save_bytes("png/text-after-idat.png", after)
    with Image.open(os.path.join(OUT, "png/text-after-idat.png")) as opened:
        opened.load()
        manifest["text"]["png/text-after-idat.png"] = {k: str(v) for k, v in opened.text.items()}


def resize_fixtures():
    source = Image.fromarray(picture(53, 37), "RGB")
    save_bytes("png/resize-source.png", pillow_bytes(source, "PNG"))
    decoded = load_image(os.path.join(OUT, "png/resize-source.png"))
    cases = []
    for width, height in [(8, 8), (26, 18), (17, 29), (6, 5), (53, 20), (20, 37), (80, 64), (131, 97), (1, 1)]:
        resized = np.asarray(decoded.resize((width, height), resample=Image.Resampling.LANCZOS))
        expected = f"expected/resize-{width}x{height}.rgb"
        save_bytes(expected, resized.tobytes())
        cases.append({"width": width, "height": height, "expected": expected})
    manifest["resize"] = {"source": "png/resize-source.png", "cases": cases}


def malformed_fixtures():
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    huge = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))
    save_bytes("malformed/huge-header.png", huge)
    jpeg = bytearray(pillow_bytes(Image.fromarray(picture(8, 8), "RGB"), "JPEG", quality=75))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)  # height, width
    save_bytes("malformed/huge-header.jpg", bytes(jpeg))


def main():
    png_fixtures()
    jpeg_fixtures()
    text_fixtures()
    resize_fixtures()
    malformed_fixtures()
    manifest["versions"] = {"pillow": PIL.__version__, "libjpeg_turbo": PIL.features.version("libjpeg_turbo"),
                            "diffusers": diffusers.__version__, "numpy": np.__version__}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
