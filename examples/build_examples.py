"""Regenerate the tiny safetensors checkpoints of the bundled examples (deterministic).

The example repositories carry real metadata (see examples/README.md for the source of every
value); their weights are tiny random tensors whose *names* follow the real checkpoints' layout,
so that the component split, the weight reader and the fingerprint checks have something real to
read. Run: `python examples/build_examples.py` (numpy only).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    """Write tensors in the safetensors layout: u64 header length, JSON header, raw data."""
    header: dict[str, object] = {}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype("float32"): "F32", np.dtype("float16"): "F16"}[arr.dtype]
        raw = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    if metadata:
        header["__metadata__"] = metadata
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(encoded)))
        fh.write(encoded)
        for raw in blobs:
            fh.write(raw)


def _lm(rng: np.random.Generator, prefix: str, hidden: int, layers: int, vocab: int) -> dict[str, np.ndarray]:
    t: dict[str, np.ndarray] = {f"{prefix}model.embed_tokens.weight": rng.normal(0, 0.02, (vocab, hidden))}
    for i in range(layers):
        p = f"{prefix}model.layers.{i}."
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            t[p + f"self_attn.{proj}.weight"] = rng.normal(0, 0.02, (hidden, hidden))
        t[p + "mlp.gate_proj.weight"] = rng.normal(0, 0.02, (hidden * 2, hidden))
        t[p + "mlp.up_proj.weight"] = rng.normal(0, 0.02, (hidden * 2, hidden))
        t[p + "mlp.down_proj.weight"] = rng.normal(0, 0.02, (hidden, hidden * 2))
        t[p + "input_layernorm.weight"] = np.ones(hidden)
        t[p + "post_attention_layernorm.weight"] = np.ones(hidden)
    t[f"{prefix}model.norm.weight"] = np.ones(hidden)
    t[f"{prefix}lm_head.weight"] = rng.normal(0, 0.02, (vocab, hidden))
    return t


def _qwen25_vl_vision(rng: np.random.Generator, prefix: str, hidden: int, depth: int) -> dict[str, np.ndarray]:
    """Tensor names of the Qwen2.5-VL vision transformer (patch embed, blocks, merger)."""
    t: dict[str, np.ndarray] = {f"{prefix}patch_embed.proj.weight": rng.normal(0, 0.02, (hidden, 3 * 2 * 14 * 14 // 49))}
    for i in range(depth):
        p = f"{prefix}blocks.{i}."
        t[p + "norm1.weight"] = np.ones(hidden)
        t[p + "norm2.weight"] = np.ones(hidden)
        t[p + "attn.qkv.weight"] = rng.normal(0, 0.02, (3 * hidden, hidden))
        t[p + "attn.qkv.bias"] = np.zeros(3 * hidden)
        t[p + "attn.proj.weight"] = rng.normal(0, 0.02, (hidden, hidden))
        t[p + "mlp.gate_proj.weight"] = rng.normal(0, 0.02, (hidden * 2, hidden))
        t[p + "mlp.up_proj.weight"] = rng.normal(0, 0.02, (hidden * 2, hidden))
        t[p + "mlp.down_proj.weight"] = rng.normal(0, 0.02, (hidden, hidden * 2))
    return t


def build_disqualified() -> None:
    """A VLM whose vision tower is the Qwen2.5-VL ViT (HyperCLOVAX-SEED-Think-32B layout)."""
    rng = np.random.default_rng(32)
    tensors = {}
    tensors.update(_qwen25_vl_vision(rng, "model.vision_model.", hidden=32, depth=4))
    tensors["model.mm_projector.linear_1.weight"] = rng.normal(0, 0.02, (64, 32))
    tensors["model.mm_projector.linear_2.weight"] = rng.normal(0, 0.02, (64, 64))
    tensors.update(_lm(rng, "model.language_model.", hidden=64, layers=2, vocab=256))
    out = HERE / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B"
    write_safetensors(out / "model.safetensors", {k: v.astype(np.float32) for k, v in tensors.items()},
                      {"format": "pt"})


def build_independent() -> None:
    """A text model trained from scratch (A.X 3.1 layout, shrunk)."""
    rng = np.random.default_rng(31)
    tensors = _lm(rng, "", hidden=64, layers=2, vocab=256)
    out = HERE / "skt__A.X-3.1"
    write_safetensors(out / "model.safetensors", {k: v.astype(np.float32) for k, v in tensors.items()},
                      {"format": "pt"})


if __name__ == "__main__":
    build_disqualified()
    build_independent()
    print("examples rebuilt")
