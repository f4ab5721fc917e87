"""Fingerprints: dtype-independent hashes, exclusion of constant tensors/rows, stable sketches."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scanner.weights.fingerprint import canonical_bits, fingerprint_checkpoint, sketch_positions
from scanner.weights.safetensors_reader import open_checkpoint
from scanner.weights.safetensors_writer import write_safetensors


def _fps(path: Path, tensors: dict) -> dict:
    write_safetensors(path, tensors)
    with open_checkpoint(path) as ckpt:
        return {fp.name: fp for fp in fingerprint_checkpoint(ckpt, workers=1)}


def test_bf16_and_f16_copies_share_the_canonical_hash(tmp_path: Path) -> None:
    w = np.random.default_rng(0).standard_normal((64, 48)).astype(np.float32)
    f32 = _fps(tmp_path / "a.safetensors", {"w": ("F32", w)})["w"]
    bf16 = _fps(tmp_path / "b.safetensors", {"w": ("BF16", w)})["w"]
    f16_src = w.astype(np.float16).astype(np.float32)
    f16 = _fps(tmp_path / "c.safetensors", {"w": ("F16", f16_src)})["w"]
    f32_of_f16 = _fps(tmp_path / "d.safetensors", {"w": ("F32", f16_src)})["w"]
    assert f32.raw_hash != bf16.raw_hash
    assert f32.canon_hash == bf16.canon_hash
    assert f16.canon_hash == f32_of_f16.canon_hash
    assert np.array_equal(f32.row_hashes, bf16.row_hashes)
    np.testing.assert_array_equal(f32.sketch, bf16.sketch)


def test_round_to_nearest_even() -> None:
    # 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties go to the even mantissa.
    vals = np.array([1.0, 1.0 + 2**-8, 1.0 + 3 * 2**-8, -2.5, 0.0], dtype=np.float32)
    assert canonical_bits(vals, "F32").tolist() == [0x3F80, 0x3F80, 0x3F82, 0xC020, 0x0000]


def test_fast_and_fallback_rounding_agree() -> None:
    from scanner.weights.fingerprint import _canonical_bits_numpy

    rng = np.random.default_rng(5)
    with np.errstate(over="ignore"):
        x = (rng.standard_normal(200_000) * 10.0 ** rng.integers(-30, 30, 200_000)).astype(np.float32)
        h = x.astype(np.float16)
    # exact ties at many magnitudes
    ties = (np.arange(1, 5000, dtype=np.float32) * np.float32(2**-8) + 1).astype(np.float32)
    for arr in (x, ties, h.astype(np.float32)):
        assert np.array_equal(canonical_bits(arr, "F32"), _canonical_bits_numpy(arr, "F32"))
    assert np.array_equal(canonical_bits(h, "F16"), _canonical_bits_numpy(h, "F16"))


def test_constant_tiny_and_buffer_tensors_are_not_indexed(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    fps = _fps(
        tmp_path / "m.safetensors",
        {
            "model.layers.0.input_layernorm.weight": ("F32", np.ones(4096, np.float32)),
            "model.layers.0.self_attn.q_proj.bias": ("F32", np.zeros(4096, np.float32)),
            "model.norm.weight": ("F32", rng.standard_normal(64).astype(np.float32)),
            "embeddings.position_ids": ("I64", np.arange(2048).reshape(1, -1)),
            "model.layers.0.self_attn.q_proj.weight": ("F32", rng.standard_normal((64, 64)).astype(np.float32)),
        },
    )
    assert fps["model.layers.0.input_layernorm.weight"].excluded == "constant"
    assert fps["model.layers.0.input_layernorm.weight"].constant == 1.0
    assert fps["model.layers.0.self_attn.q_proj.bias"].excluded == "constant"
    assert fps["model.norm.weight"].excluded == "tiny"
    assert fps["embeddings.position_ids"].excluded == "buffer"
    assert fps["model.layers.0.self_attn.q_proj.weight"].indexed


def test_zero_and_repeated_rows_are_left_out(tmp_path: Path) -> None:
    e = np.random.default_rng(2).standard_normal((100, 32)).astype(np.float32)
    e[0] = 0.0  # padding row
    e[1] = e[2] = 0.5  # repeated rows
    fp = _fps(tmp_path / "e.safetensors", {"model.embed_tokens.weight": ("F32", e)})["model.embed_tokens.weight"]
    assert fp.row_index is not None and fp.row_hashes is not None
    assert set(fp.row_index.tolist()) == set(range(3, 100))


def test_sketch_positions_depend_only_on_size() -> None:
    a = sketch_positions(1_000_000)
    assert np.array_equal(a, sketch_positions(1_000_000))
    assert len(a) == 256 and np.all(np.diff(a) > 0) and a.max() < 1_000_000
    assert not np.array_equal(a, sketch_positions(1_000_001))
    assert np.array_equal(sketch_positions(10), np.arange(10))


def test_threaded_and_serial_fingerprints_agree(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    tensors = {f"t{i}": ("BF16", rng.standard_normal((300, 40)).astype(np.float32)) for i in range(6)}
    write_safetensors(tmp_path / "m.safetensors", tensors)
    with open_checkpoint(tmp_path / "m.safetensors") as ckpt:
        seen: list[int] = []
        a = fingerprint_checkpoint(ckpt, workers=1, progress=seen.append)
        b = fingerprint_checkpoint(ckpt, workers=2)
        assert sum(seen) == ckpt.total_bytes
    assert [x.raw_hash for x in a] == [y.raw_hash for y in b]
    assert [x.canon_hash for x in a] == [x.raw_hash for x in a]  # bf16: canonical == raw
