#!/usr/bin/env python3
"""Tiny hand-made inputs for Tests/SDWeightsTests (torch pickles the Swift reader must parse).

Pinned: torch==2.15.0, safetensors==0.8.0 (checked below). Deterministic: the values are
arange-based, and torch writes the same bytes for the same inputs. Writes into
Tests/Fixtures/weights/:

  tensors.ckpt         torch.save zip of a Lightning-style checkpoint: {"state_dict": ..., "epoch",
                       "global_step", "callbacks": {ModelCheckpoint-class: {...}}} with every
                       dtype, a transposed (strided) tensor, a view with a storage offset, a Parameter.
  tensors.safetensors  the same state dict (contiguous copies) via safetensors.torch.save_file.
  legacy.pt            the same state dict saved with _use_new_zipfile_serialization=False.
  evil.ckpt            a zip checkpoint whose data.pkl calls os.system (must be refused).
  pickle-protocol{0..5}.pkl  one plain-data object pickled with every protocol (opcode coverage),
  pickle-expected.txt  and its canonical rendering (see canonical()), which the Swift test reproduces.
"""
import collections
import io
import os
import pickle
import sys
import types
import zipfile

import safetensors
import safetensors.torch
import torch

assert torch.__version__.split("+")[0] == "2.15.0", torch.__version__
assert safetensors.__version__ == "0.8.0", safetensors.__version__

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "weights")
os.makedirs(OUT, exist_ok=True)


def state_dict():
    big = torch.arange(24, dtype=torch.float32).reshape(6, 4) / 8 - 1
    sd = collections.OrderedDict()
    sd["f32"] = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 4 - 1
    sd["f16"] = (torch.arange(10, dtype=torch.float32) / 3 - 1).half()
    sd["bf16"] = (torch.arange(6, dtype=torch.float32) * 1.5 - 2).to(torch.bfloat16).reshape(2, 3)
    sd["f64"] = torch.arange(4, dtype=torch.float64) / 7
    sd["i64"] = torch.arange(5, dtype=torch.int64) - 2
    sd["i32"] = torch.arange(3, dtype=torch.int32) * 100
    sd["u8"] = torch.arange(4, dtype=torch.uint8) * 60
    sd["bool"] = torch.tensor([True, False, True])
    sd["transposed"] = big.t()                 # strides (1, 4): not contiguous
    sd["view"] = big[2:4]                      # shares big's storage at element offset 8
    sd["big"] = big
    sd["param"] = torch.nn.Parameter(torch.full((2, 2), 0.5))
    sd["scalar"] = torch.tensor(3.25)
    sd["conv"] = (torch.arange(2 * 3 * 3 * 3, dtype=torch.float32).reshape(2, 3, 3, 3) / 27).half()
    return sd


def lightning_class():
    # A stand-in with the real module path, so the pickle names the global real SD .ckpt files name.
    for name in ["pytorch_lightning", "pytorch_lightning.callbacks", "pytorch_lightning.callbacks.model_checkpoint"]:
        sys.modules.setdefault(name, types.ModuleType(name))
    module = sys.modules["pytorch_lightning.callbacks.model_checkpoint"]

    class ModelCheckpoint:
        pass

    ModelCheckpoint.__module__ = module.__name__
    ModelCheckpoint.__qualname__ = "ModelCheckpoint"
    module.ModelCheckpoint = ModelCheckpoint
    return ModelCheckpoint


class _Marker:
    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        return None


class _IdCollector(pickle.Unpickler):
    """Walks a legacy torch pickle, recording the storage persistent ids in order."""

    def __init__(self, stream):
        super().__init__(stream)
        self.ids = []

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        return _Marker(f"{module}.{name}")

    def persistent_load(self, pid):
        self.ids.append(pid)
        return None


def write_legacy(sd, path):
    """torch's legacy (non-zip) format, with storage keys (normally memory addresses) renamed
    to their order of first use and the storage blobs reordered to match, so the bytes are
    reproducible. torch.load must still read it back unchanged."""
    buffer = io.BytesIO()
    torch.save(sd, buffer, _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    stream = io.BytesIO(data)
    for _ in range(3):  # magic number, protocol version, sys info
        pickle.load(stream)
    body_start = stream.tell()
    collector = _IdCollector(stream)
    collector.load()
    body_end = stream.tell()
    keys = pickle.load(stream)
    blobs_start = stream.tell()
    element_size = {"FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "DoubleStorage": 8,
                    "LongStorage": 8, "IntStorage": 4, "ByteStorage": 1, "BoolStorage": 1}
    sizes = {pid[2]: pid[4] * element_size[pid[1].name.split(".")[1]] for pid in collector.ids}
    blobs = {}
    position = blobs_start
    for key in keys:
        length = 8 + sizes[key]  # u64 element count, then the bytes
        blobs[key] = data[position:position + length]
        position += length
    assert position == len(data)
    order = []
    for pid in collector.ids:
        if pid[2] not in order:
            order.append(pid[2])
    width = len(order[0])
    assert all(len(key) == width for key in order)
    renamed = {key: str(index).zfill(width) for index, key in enumerate(order)}
    body = data[body_start:body_end]
    for key, new in renamed.items():
        body = body.replace(key.encode(), new.encode())
    new_keys = [renamed[key] for key in order]
    output = data[:body_start] + body + pickle.dumps(new_keys, protocol=2) + b"".join(blobs[key] for key in order)
    with open(path, "wb") as handle:
        handle.write(output)
    loaded = torch.load(path, weights_only=False)
    for name, tensor in sd.items():
        assert torch.equal(loaded[name], tensor), name


def canonical(value):
    """A rendering both sides can produce: Python literals, bytes as b:<hex>, dict keys in order."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value + "'"
    if isinstance(value, bytes):
        return "b:" + value.hex()
    if isinstance(value, tuple):
        return "(" + ", ".join(canonical(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(canonical(k) + ": " + canonical(v) for k, v in value.items()) + "}"
    raise TypeError(type(value))


def main():
    sd = state_dict()
    callback = lightning_class()
    checkpoint = {
        "epoch": 6,
        "global_step": 840000,
        "pytorch-lightning_version": "1.4.2",
        "callbacks": {callback: {"monitor": None, "best_model_score": None}},
        "state_dict": sd,
    }
    torch.save(checkpoint, os.path.join(OUT, "tensors.ckpt"))
    write_legacy(sd, os.path.join(OUT, "legacy.pt"))
    safetensors.torch.save_file({k: v.detach().contiguous().clone() for k, v in sd.items()},
                                os.path.join(OUT, "tensors.safetensors"), metadata={"format": "pt"})

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    payload = pickle.dumps({"state_dict": {"x": Evil()}}, protocol=2)
    with zipfile.ZipFile(os.path.join(OUT, "evil.ckpt"), "w", zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo("evil/data.pkl", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, payload)
        archive.writestr(zipfile.ZipInfo("evil/version", date_time=(2020, 1, 1, 0, 0, 0)), "3\n")

    shared = [1, 2]
    value = {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, -2**63, 2**63 - 1, 2**70, -2**70],
        "floats": [0.5, -1.25e-300, 3.0e300],
        "text": ["", "ascii", "unicodé ✓"],
        "bytes": b"\x00\xff",
        "flags": (True, False, None),
        "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
        "shared": (shared, shared),
        "nested": {"a": {"b": [{"c": 1}]}},
    }
    with open(os.path.join(OUT, "pickle-expected.txt"), "w") as handle:
        handle.write(canonical(value) + "\n")
    for protocol in range(6):
        with open(os.path.join(OUT, f"pickle-protocol{protocol}.pkl"), "wb") as handle:
            handle.write(pickle.dumps(value, protocol=protocol))

    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
