#!/usr/bin/env python3
"""Writes Tests/Fixtures/tokenizer/: SD1 and SD2 tokenizer folders and expected token ids.

Pinned versions (what the fixtures were generated with):
    python 3.11, transformers==5.24.0, tokenizers==0.23.3, open_clip_torch==3.3.0 (BPE file only),
    ftfy NOT installed (transformers 5 has no slow CLIP tokenizer; the fast one never uses ftfy).

The tokenizer folders are built from open_clip's bpe_simple_vocab_16e6.txt.gz with CLIP's own
vocabulary logic (bytes_to_unicode, `</w>` variants, one entry per merge, then the two special
tokens), and their json files reproduce openai/clip-vit-large-patch14 (SD 1.x: pads with
<|endoftext|>) and stabilityai/stable-diffusion-2-1/tokenizer (SD 2.x: special_tokens_map.json
sets pad_token "!"). Expected ids come from `transformers.CLIPTokenizer.from_pretrained(folder)`
called exactly as StableDiffusionPipeline calls it:
    tokenizer(prompt, padding="max_length", max_length=77, truncation=True)

Usage: python3 scripts/make-tokenizer-fixtures.py [--wheel open_clip_torch-3.3.0-py3-none-any.whl]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizer")
RESOURCE = os.path.join(ROOT, "Sources", "SDModels", "Resources", "clip-merges.txt")
OPEN_CLIP = "open_clip_torch==3.3.0"


def bytes_to_unicode():
    """CLIP's reversible byte -> printable unicode character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def load_bpe(wheel):
    if wheel is None:
        tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", OPEN_CLIP, "-d", tmp], check=True)
        wheel = os.path.join(tmp, [f for f in os.listdir(tmp) if f.endswith(".whl")][0])
    with zipfile.ZipFile(wheel) as z:
        text = gzip.decompress(z.read("open_clip/bpe_simple_vocab_16e6.txt.gz")).decode("utf-8")
    # exactly open_clip.tokenizer.SimpleTokenizer.__init__
    merges = text.split("\n")[1 : 49152 - 256 - 2 + 1]
    merges = [tuple(m.split()) for m in merges]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    for merge in merges:
        vocab.append("".join(merge))
    vocab.extend(["<|startoftext|>", "<|endoftext|>"])
    return {tok: i for i, tok in enumerate(vocab)}, merges


def added(content):
    return {"content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}


def typed(content):
    return {"__type": "AddedToken", **added(content)}


# openai/clip-vit-large-patch14 (the tokenizer folder of SD 1.x pipelines has the same json)
SD1_SPECIAL = {
    "bos_token": added("<|startoftext|>"),
    "eos_token": added("<|endoftext|>"),
    "unk_token": added("<|endoftext|>"),
    "pad_token": "<|endoftext|>",
}
SD1_CONFIG = {
    "unk_token": typed("<|endoftext|>"),
    "bos_token": typed("<|startoftext|>"),
    "eos_token": typed("<|endoftext|>"),
    "pad_token": "<|endoftext|>",
    "add_prefix_space": False,
    "errors": "replace",
    "do_lower_case": True,
    "name_or_path": "openai/clip-vit-base-patch32",
    "model_max_length": 77,
    "special_tokens_map_file": "./special_tokens_map.json",
    "tokenizer_class": "CLIPTokenizer",
}
# stabilityai/stable-diffusion-2-1/tokenizer: the config still says <|endoftext|> but
# special_tokens_map.json (which wins when the config has no added_tokens_decoder) says "!".
SD2_SPECIAL = {
    "bos_token": added("<|startoftext|>"),
    "eos_token": added("<|endoftext|>"),
    "pad_token": "!",
    "unk_token": added("<|endoftext|>"),
}
SD2_CONFIG = {
    "add_prefix_space": False,
    "bos_token": typed("<|startoftext|>"),
    "do_lower_case": True,
    "eos_token": typed("<|endoftext|>"),
    "errors": "replace",
    "model_max_length": 77,
    "name_or_path": "openai/clip-vit-base-patch32",
    "pad_token": "<|endoftext|>",
    "special_tokens_map_file": "./special_tokens_map.json",
    "tokenizer_class": "CLIPTokenizer",
    "unk_token": typed("<|endoftext|>"),
}


def write_folder(name, vocab, merges, special, config):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    for file, obj in (("special_tokens_map.json", special), ("tokenizer_config.json", config)):
        with open(os.path.join(folder, file), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
    return folder


def added_decoder(content, normalized, special=True):
    return {"content": content, "lstrip": False, "normalized": normalized, "rstrip": False,
            "single_word": False, "special": special}


# Folders that differ from sd1/ only in their json files (the test copies vocab.json and
# merges.txt from sd1/): other ways transformers registers special and added tokens.
VARIANTS = {
    # textual inversion saved by transformers 4 (slow tokenizer): added_tokens.json
    "sd1-textual-inversion": {
        "special_tokens_map.json": SD1_SPECIAL,
        "tokenizer_config.json": SD1_CONFIG,
        "added_tokens.json": {"<sks>": 49408, "<cat-toy>": 49409},
    },
    # SD 2.x tokenizer re-saved by transformers >= 4.34: added_tokens_decoder wins over the map
    "sd2-added-tokens-decoder": {
        "special_tokens_map.json": {"bos_token": added("<|startoftext|>"), "eos_token": added("<|endoftext|>"),
                                    "pad_token": "!", "unk_token": added("<|endoftext|>")},
        "tokenizer_config.json": {
            "add_prefix_space": False,
            "added_tokens_decoder": {
                "0": added_decoder("!", False),
                "49406": added_decoder("<|startoftext|>", True),
                "49407": added_decoder("<|endoftext|>", False),
                "49408": added_decoder("<Sks>", True, special=False),
            },
            "bos_token": "<|startoftext|>", "clean_up_tokenization_spaces": True, "do_lower_case": True,
            "eos_token": "<|endoftext|>", "errors": "replace", "model_max_length": 77, "pad_token": "!",
            "tokenizer_class": "CLIPTokenizer", "unk_token": "<|endoftext|>",
        },
    },
    # AddedToken dicts without "normalized": named special tokens end up not normalized
    "config-dicts-without-normalized": {
        "tokenizer_config.json": {"bos_token": {"__type": "AddedToken", "content": "<|startoftext|>"},
                                  "eos_token": {"__type": "AddedToken", "content": "<|endoftext|>"},
                                  "pad_token": "!", "model_max_length": 77},
        "special_tokens_map.json": {"unk_token": {"content": "<|endoftext|>"}},
    },
    # added_tokens_decoder entries without "normalized": normalized unless special or named
    "decoder-defaults": {
        "tokenizer_config.json": {
            "added_tokens_decoder": {"49406": {"content": "<|startoftext|>", "special": False},
                                     "49407": {"content": "<|endoftext|>", "special": True},
                                     "49408": {"content": "<X>", "special": False},
                                     "49409": {"content": "<Y>", "special": True}},
            "pad_token": "<|endoftext|>", "model_max_length": 77,
        },
    },
}


def prompts():
    long_list = ", ".join(["masterpiece", "best quality", "ultra detailed", "8k", "photorealistic", "cinematic lighting",
                           "sharp focus", "intricate details", "volumetric fog", "golden hour", "bokeh", "35mm film",
                           "award winning photograph", "trending on artstation", "octane render", "unreal engine 5",
                           "highly detailed skin", "dramatic sky", "rule of thirds", "depth of field"] * 2)
    return [
        "a photograph of an astronaut riding a horse",
        "A PHOTOGRAPH OF AN ASTRONAUT RIDING A HORSE",
        "MiXeD CaSe PrOmPt with CamelCaseWords and iPhone",
        "café au lait, naïve art, Ærø island, façade, Straße, ÉCOLE, smörgåsbord",
        "東京の夜景、ネオンサイン、雨の中の猫",
        "一只可爱的猫 在 花园里 玩耍",
        "한국어 프롬프트 테스트, 서울의 밤",
        "Привет мир, ЗИМНИЙ ЛЕС",
        "مرحبا بالعالم، صورة جميلة",
        "नमस्ते दुनिया, सुंदर चित्र",
        "ภาษาไทย สวัสดี",
        "Ελληνικά ΟΔΟΣ σοφία ΣΊΣΥΦΟΣ",
        "İstanbul and DİYARBAKIR",
        "Ǆ ǅ ǆ titlecase, ﬁne ligature, ① ½ ² ⅷ",
        "ⓐⓑⓒ circled, ＡＢＣ１２３ fullwidth",
        "a cat 🐱 and a dog 🐶",
        "family 👨‍👩‍👧‍👦 waving 👋🏻👋🏿 keycaps 1️⃣ #️⃣",
        "flags 🇯🇵🇺🇸🏳️‍🌈🏴‍☠️",
        "😀" * 80,
        "wow!!! ??? ... --- ***, (((x))) [[y]] {z} ~~~",
        "a_b-c/d\\e|f~g`h^i@j#k$l%m",
        "1234.56 3rd 2nd 100% $5 4k 8K uhd 1920x1080",
        "٣٤٥ arabic-indic digits, ๑๒๓ thai digits, ¹²³ superscripts",
        "don't stop, it'll be fine, we're here, I've, I'm, he'd, she's",
        "DON'T IT'LL WE'RE THEY'VE",
        "'s 't 're ''s quote's 'hello' \"double\" trailing' 'leading",
        "tabs\tand\nnewlines\r\nand\u00a0nbsp  multiple   spaces\u2003em\u3000ideographic",
        "   leading and trailing whitespace   ",
        "  \t\n ",
        "ends with newline\n",
        "fish &amp; chips &lt;3 &quot;quoted&quot; &#39;apos&#39; &nbsp;",
        "(masterpiece:1.2), [bad hands], ((best quality)), {detailed}, <lora:add_detail:0.8>",
        "a castle AND a dragon BREAK sunset, (red:0.5) [blue|green]",
        long_list,
        "a very detailed oil painting of a quiet harbor town at dawn with fishing boats " * 6,
        "supercalifragilisticexpialidocious" * 12,
        "!" * 100,
        "hello! world! hi!there !!!",
        "",
        "<|endoftext|>",
        "a <|endoftext|> b <|startoftext|> c",
        "<|ENDOFTEXT|> <|StartOfText|>",
        "x<|endoftext|>y!<|endoftext|>z",
        "a photo of <sks> dog, <SKS>, <cat-toy>x, <Sks>!",
        "<x> <X> <y> <Y> <|STARTOFTEXT|> <|startoftext|>",
        "e\u0301 composed vs é, A\u030a vs Å, \u212b angstrom, \u1e0b\u0323 reordered",
        "zero\u200bwidth\u200djoiner\ufeffbom\u00adsoft hyphen",
        "control\u0000chars\u0007\u001b[0m and \u0085 next line",
        "math ∑∫√ → ← ©®™ °C ≤ ≥",
        "unicode 16 \U0001e5d0\U0001e5d1 and 17 \u088f\u088fx letters",
        "late marks a\u0898\u0334 and \U00011935\U00011930 dives akuru",
        # canonically equivalent words that tokenizers keeps apart (String equality would not)
        "\u08f9\u0898 \u0898\u08f9 \u08f9\u0898",
        # Hangul jamo outside the composable L/V/T ranges, LV syllable + T, L + V + T
        "\u1100\u1176 \u1113\u1161 \uac00\u11a8 \u1100\u1161\u11a8 \ud788\u11c2 \uac01\u11a8",
        # one long NFC run (composed in pieces)
        "e\u0301\u0334" * 90 + "\u00e9",
        "a prompt that is exactly long enough to be cut somewhere in the middle of the words when the limit of "
        "seventy five tokens is reached by the tokenizer of the clip text encoder used in stable diffusion pipelines "
        "so that truncation matters",
    ]


def expected(tokenizer, text):
    padded = tokenizer(text, padding="max_length", max_length=77, truncation=True).input_ids
    full = tokenizer(text, add_special_tokens=False).input_ids
    assert len(padded) == 77
    return padded, full


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel", help="open_clip_torch-3.3.0 wheel (else pip downloads it)")
    args = parser.parse_args()

    import tokenizers
    import transformers
    from transformers import CLIPTokenizer

    transformers.logging.set_verbosity_error()

    assert transformers.__version__ == "5.24.0", transformers.__version__
    assert tokenizers.__version__ == "0.23.3", tokenizers.__version__

    vocab, merges = load_bpe(args.wheel)
    assert len(vocab) == 49408
    folders = {"sd1": write_folder("sd1", vocab, merges, SD1_SPECIAL, SD1_CONFIG),
               "sd2": write_folder("sd2", vocab, merges, SD2_SPECIAL, SD2_CONFIG)}
    with open(os.path.join(folders["sd1"], "merges.txt"), encoding="utf-8") as f, open(RESOURCE, encoding="utf-8") as g:
        assert f.read() == g.read(), "bundled clip-merges.txt differs from open_clip's merges"

    variant_root = os.path.join(OUT, "variants")
    tmp = tempfile.mkdtemp()
    for name, files in VARIANTS.items():
        os.makedirs(os.path.join(variant_root, name), exist_ok=True)
        os.makedirs(os.path.join(tmp, name))
        for base in ("vocab.json", "merges.txt"):
            os.symlink(os.path.join(folders["sd1"], base), os.path.join(tmp, name, base))
        for file, obj in files.items():
            for root in (variant_root, tmp):
                with open(os.path.join(root, name, file), "w", encoding="utf-8") as f:
                    json.dump(obj, f, indent=2, ensure_ascii=False)
                    f.write("\n")
        folders[name] = os.path.join(tmp, name)

    toks = {name: CLIPTokenizer.from_pretrained(folder) for name, folder in folders.items()}
    for name, tok in toks.items():
        # transformers 5 has only the tokenizers-backed class: it is what diffusers loads.
        assert type(tok).__module__ == "transformers.models.clip.tokenization_clip", type(tok)
        assert tok.model_max_length == 77
    assert toks["sd1"].pad_token_id == 49407 and toks["sd2"].pad_token_id == 0
    # the registrations the Swift loader reproduces (content, normalized) by id
    added = {name: {i: (t.content, t.normalized) for i, t in tok.backend_tokenizer.get_added_tokens_decoder().items()}
             for name, tok in toks.items()}
    assert added["sd1"] == {49406: ("<|startoftext|>", True), 49407: ("<|endoftext|>", False)}, added["sd1"]
    assert added["sd2"] == {0: ("!", False), 49406: ("<|startoftext|>", True), 49407: ("<|endoftext|>", True)}, added["sd2"]

    cases = []
    for text in prompts():
        case = {"text": text}
        for name, tok in toks.items():
            case[name], case[name + "_unpadded"] = expected(tok, text)
        cases.append(case)
    doc = {
        "generator": "scripts/make-tokenizer-fixtures.py",
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "call": 'tokenizer(text, padding="max_length", max_length=77, truncation=True).input_ids; '
                '*_unpadded: tokenizer(text, add_special_tokens=False).input_ids',
        "pad_token_id": {name: tok.pad_token_id for name, tok in toks.items()},
        "cases": cases,
    }
    cases_json = ",\n".join("  " + json.dumps(case, ensure_ascii=False, separators=(",", ":")) for case in cases)
    head = json.dumps({k: v for k, v in doc.items() if k != "cases"}, ensure_ascii=False, indent=1)
    with open(os.path.join(OUT, "prompts.json"), "w", encoding="utf-8") as f:
        f.write(head[:-2] + ',\n "cases": [\n' + cases_json + "\n ]\n}\n")
    print(f"wrote {len(cases)} prompts for {', '.join(toks)} to {OUT}")


if __name__ == "__main__":
    main()
