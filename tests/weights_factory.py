"""Small generated checkpoints for the weight-provenance tests.

A Llama-like language model (vocab 1000, hidden 128, 4 layers, FFN 256, untied head) with a
2-block vision tower (d 64) and a merger, in the Hugging Face naming of Qwen2-VL. Matrices are
"trained-like" (random orthonormal bases with a shared power-law spectrum) and follow a shared
per-layer std recipe, and norm weights sit near a shared level: the traps of the spec (norm and
spectrum similarity between unrelated models) are reproduced on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from scanner.weights.safetensors_writer import write_safetensors

VOCAB, HIDDEN, LAYERS, FFN = 1000, 128, 4, 256
V_HIDDEN, V_LAYERS, V_FFN = 64, 2, 256

Model = dict[str, tuple[str, np.ndarray]]


def _trained_like(rng: np.random.Generator, rows: int, cols: int, std: float) -> np.ndarray:
    with threadpool_limits(limits=1, user_api="blas"):  # tiny QRs: threads only contend
        return _trained_like_1(rng, rows, cols, std)


def _trained_like_1(rng: np.random.Generator, rows: int, cols: int, std: float) -> np.ndarray:
    k = min(rows, cols)
    u, _ = np.linalg.qr(rng.standard_normal((rows, k)))
    v, _ = np.linalg.qr(rng.standard_normal((cols, k)))
    spectrum = (1.0 + np.arange(k)) ** -0.5
    m = (u * spectrum) @ v.T
    m += 0.15 * rng.standard_normal((rows, cols)) / np.sqrt(cols)
    return (m / m.std() * std).astype(np.float32)


def _norm(rng: np.random.Generator, n: int, level: float) -> np.ndarray:
    return (level + 0.05 * rng.standard_normal(n)).astype(np.float32)


def base_model(seed: int, dtype: str = "F32", fresh_norms: bool = False) -> Model:
    """An independent model for every seed (same recipe, different weights)."""
    rng = np.random.default_rng(seed)
    wobble = 1.0 + 0.05 * rng.standard_normal()
    m: Model = {}

    def put(name: str, arr: np.ndarray) -> None:
        m[name] = (dtype, arr)

    freq = (1.0 + np.arange(VOCAB)) ** -0.3
    put("model.embed_tokens.weight", (rng.standard_normal((VOCAB, HIDDEN)) * freq[:, None] * 0.05).astype(np.float32))
    for i in range(LAYERS):
        std = 0.02 * (1 + 0.1 * i) * wobble
        p = f"model.layers.{i}."
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            put(p + f"self_attn.{proj}.weight", _trained_like(rng, HIDDEN, HIDDEN, std))
        put(p + "mlp.gate_proj.weight", _trained_like(rng, FFN, HIDDEN, std))
        put(p + "mlp.up_proj.weight", _trained_like(rng, FFN, HIDDEN, std))
        put(p + "mlp.down_proj.weight", _trained_like(rng, HIDDEN, FFN, std))
        level = 1.0 if fresh_norms else 0.8 + 0.05 * i
        put(p + "input_layernorm.weight", np.ones(HIDDEN, np.float32) if fresh_norms else _norm(rng, HIDDEN, level))
        put(p + "post_attention_layernorm.weight", np.ones(HIDDEN, np.float32) if fresh_norms else _norm(rng, HIDDEN, level))
    put("model.norm.weight", np.ones(HIDDEN, np.float32) if fresh_norms else _norm(rng, HIDDEN, 1.2))
    put("lm_head.weight", _trained_like(rng, VOCAB, HIDDEN, 0.03))
    m.update(vision_tower(rng, dtype, fresh_norms))
    return m


def vision_tower(rng: np.random.Generator, dtype: str = "F32", fresh_norms: bool = False) -> Model:
    m: Model = {}
    m["visual.patch_embed.proj.weight"] = (dtype, (rng.standard_normal((V_HIDDEN, 3, 2, 8, 8)) * 0.02).astype(np.float32))
    for i in range(V_LAYERS):
        p = f"visual.blocks.{i}."
        m[p + "attn.qkv.weight"] = (dtype, _trained_like(rng, 3 * V_HIDDEN, V_HIDDEN, 0.03))
        m[p + "attn.qkv.bias"] = (dtype, np.zeros(3 * V_HIDDEN, np.float32))
        m[p + "attn.proj.weight"] = (dtype, _trained_like(rng, V_HIDDEN, V_HIDDEN, 0.03))
        m[p + "mlp.fc1.weight"] = (dtype, _trained_like(rng, V_FFN, V_HIDDEN, 0.03))
        m[p + "mlp.fc2.weight"] = (dtype, _trained_like(rng, V_HIDDEN, V_FFN, 0.03))
        m[p + "norm1.weight"] = (dtype, np.ones(V_HIDDEN, np.float32) if fresh_norms else _norm(rng, V_HIDDEN, 0.9))
        m[p + "norm2.weight"] = (dtype, np.ones(V_HIDDEN, np.float32) if fresh_norms else _norm(rng, V_HIDDEN, 0.9))
    m["visual.merger.ln_q.weight"] = (dtype, _norm(rng, V_HIDDEN, 1.0))
    m["visual.merger.mlp.0.weight"] = (dtype, _trained_like(rng, 4 * V_HIDDEN, 4 * V_HIDDEN, 0.02))
    m["visual.merger.mlp.2.weight"] = (dtype, _trained_like(rng, HIDDEN, 4 * V_HIDDEN, 0.02))
    return m


def finetuned(model: Model, eps: float, seed: int = 99) -> Model:
    """Every float tensor plus Gaussian noise of `eps` times its std (a stand-in for training)."""
    rng = np.random.default_rng(seed)
    out: Model = {}
    for name, (dtype, arr) in model.items():
        std = float(arr.std()) or 0.01
        out[name] = (dtype, (arr + eps * std * rng.standard_normal(arr.shape)).astype(np.float32))
    return out


def converted(model: Model, dtype: str) -> Model:
    return {name: (dtype, arr) for name, (_d, arr) in model.items()}


def to_bf16_values(values: np.ndarray) -> np.ndarray:
    """float32 values rounded to bf16 precision (what an F32 copy of a bf16 tensor holds)."""
    from scanner.weights.fingerprint import bf16_to_float32, canonical_bits

    return bf16_to_float32(canonical_bits(np.ascontiguousarray(values, dtype=np.float32), "F32"))


def with_component(model: Model, donor: Model, prefix: str = "visual.") -> Model:
    """`model` with every tensor under `prefix` taken from `donor` (byte-identical)."""
    out = {n: v for n, v in model.items() if not n.startswith(prefix)}
    out.update({n: v for n, v in donor.items() if n.startswith(prefix)})
    return out


def permuted(model: Model, seed: int = 7) -> Model:
    """A function-preserving permutation of the residual stream and of every FFN's neurons."""
    rng = np.random.default_rng(seed)
    p = rng.permutation(HIDDEN)
    out: Model = {}
    for name, (dtype, arr) in model.items():
        if name.startswith("visual."):
            out[name] = (dtype, arr)
        elif name.endswith(("embed_tokens.weight", "lm_head.weight")) or any(
            k in name for k in ("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj")
        ):
            out[name] = (dtype, arr[:, p])
        elif "o_proj" in name or "down_proj" in name:
            out[name] = (dtype, arr[p, :])
        elif arr.ndim == 1:
            out[name] = (dtype, arr[p])
        else:
            out[name] = (dtype, arr)
    for i in range(LAYERS):
        s = rng.permutation(FFN)
        pre = f"model.layers.{i}.mlp."
        for proj in ("gate_proj", "up_proj"):
            d, a = out[pre + proj + ".weight"]
            out[pre + proj + ".weight"] = (d, a[s, :])
        d, a = out[pre + "down_proj.weight"]
        out[pre + "down_proj.weight"] = (d, a[:, s])
    return out


def depth_upscaled(model: Model, order: tuple[int, ...] = (0, 1, 2, 3, 2, 3), eps: float = 0.03, seed: int = 5) -> Model:
    """Layers re-stacked in `order` (SOLAR-style depth up-scaling), then a little noise."""
    out: Model = {n: v for n, v in model.items() if not n.startswith("model.layers.")}
    for new, old in enumerate(order):
        pre = f"model.layers.{old}."
        for name, v in model.items():
            if name.startswith(pre):
                out[f"model.layers.{new}." + name[len(pre):]] = v
    return finetuned(out, eps, seed) if eps else out


def pruned(model: Model, keep_share: float = 0.75, drop_layer: int = 3, eps: float = 0.01, seed: int = 4) -> Model:
    """FFN width pruned to `keep_share` of the neurons, one layer dropped, then a little noise."""
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(FFN, int(FFN * keep_share), replace=False))
    out: Model = {}
    for name, (dtype, arr) in model.items():
        if name.startswith(f"model.layers.{drop_layer}."):
            continue
        if "gate_proj" in name or "up_proj" in name:
            arr = arr[keep]
        elif "down_proj" in name:
            arr = arr[:, keep]
        out[name] = (dtype, arr)
    return finetuned(out, eps, seed)


def vocab_expanded(model: Model, new_rows: int = 200, eps: float = 0.05, seed: int = 8) -> Model:
    """New token rows appended to the embedding and head (old rows kept as they were), every
    other tensor trained on (noise)."""
    rng = np.random.default_rng(seed)
    vocab = ("model.embed_tokens.weight", "lm_head.weight")
    out = finetuned({n: v for n, v in model.items() if n not in vocab}, eps, seed)
    for name in vocab:
        dtype, arr = model[name]
        extra = (0.02 * rng.standard_normal((new_rows, arr.shape[1]))).astype(np.float32)
        out[name] = (dtype, np.concatenate([arr, extra]))
    return out


def renamed(model: Model, old: str = "visual.", new: str = "model.vision_tower.") -> Model:
    return {(new + n[len(old):] if n.startswith(old) else n): v for n, v in model.items()}


def save(model: Model, directory: Path, vocab_size: int = VOCAB, shards: int = 1, extra_files: dict[str, str] | None = None) -> Path:
    """Write `model` as `model.safetensors` (or an indexed set of shards) plus a config.json."""
    directory.mkdir(parents=True, exist_ok=True)
    names = sorted(model)
    if shards == 1:
        write_safetensors(directory / "model.safetensors", model, {"format": "pt"})
    else:
        weight_map: dict[str, str] = {}
        for k in range(shards):
            part = names[k::shards]
            fname = f"model-{k + 1:05d}-of-{shards:05d}.safetensors"
            write_safetensors(directory / fname, {n: model[n] for n in part}, {"format": "pt"})
            weight_map.update({n: fname for n in part})
        (directory / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    config = {"architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl", "vocab_size": vocab_size, "hidden_size": HIDDEN}
    (directory / "config.json").write_text(json.dumps(config))
    for rel, text in (extra_files or {}).items():
        (directory / rel).write_text(text)
    return directory
