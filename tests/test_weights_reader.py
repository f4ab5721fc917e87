"""The safetensors reader: strict header checks, zero-copy tensors, shards, clear errors."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from scanner.weights.safetensors_reader import (
    SafetensorsError,
    SafetensorsFile,
    open_checkpoint,
    parse_header,
)
from scanner.weights.safetensors_writer import write_safetensors


def _raw_file(path: Path, header: dict, data: bytes = b"", declared_len: int | None = None) -> Path:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw) if declared_len is None else declared_len) + raw + data)
    return path


def test_round_trip_values_and_metadata(tmp_path: Path) -> None:
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.array([1.5, -2.25], dtype=np.float32)
    write_safetensors(tmp_path / "m.safetensors", {"a": ("F32", a), "b": ("BF16", b), "c": ("I64", np.arange(5))}, {"format": "pt"})
    with SafetensorsFile(tmp_path / "m.safetensors") as sf:
        assert sf.metadata == {"format": "pt"}
        assert sf.tensors["a"].shape == (3, 4) and sf.tensors["b"].dtype == "BF16"
        np.testing.assert_array_equal(sf.array("a"), a)
        # bf16 is exposed as its bit pattern: 1.5 = 0x3FC0, -2.25 = 0xC010
        assert sf.array("b").tolist() == [0x3FC0, 0xC010]
        assert sf.array("c").tolist() == [0, 1, 2, 3, 4]
        assert bytes(sf.raw("a")) == a.tobytes()


def test_truncated_file_is_an_error(tmp_path: Path) -> None:
    write_safetensors(tmp_path / "m.safetensors", {"a": ("F32", np.ones((64, 64), np.float32))})
    data = (tmp_path / "m.safetensors").read_bytes()
    (tmp_path / "t.safetensors").write_bytes(data[:-100])
    with pytest.raises(SafetensorsError, match="truncated"):
        SafetensorsFile(tmp_path / "t.safetensors")
    (tmp_path / "s.safetensors").write_bytes(data[:5])
    with pytest.raises(SafetensorsError, match="too short"):
        SafetensorsFile(tmp_path / "s.safetensors")


@pytest.mark.parametrize(
    ("header", "data", "message"),
    [
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 8, "needs 8 bytes"),
        ({"a": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8, "unknown dtype"),
        ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, b"\0" * 8, "invalid shape"),
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}, b"\0" * 8, "out of order"),
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12, "overlap"),
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": "0-8"}}, b"\0" * 8, "invalid data_offsets"),
        ({"__metadata__": {"k": 1}}, b"", "__metadata__"),
        ([1, 2], b"", "not a JSON object"),
    ],
)
def test_bad_headers(tmp_path: Path, header: object, data: bytes, message: str) -> None:
    path = _raw_file(tmp_path / "bad.safetensors", header, data)  # type: ignore[arg-type]
    with pytest.raises(SafetensorsError, match=message):
        SafetensorsFile(path)


def test_header_length_beyond_file_and_cap(tmp_path: Path) -> None:
    path = _raw_file(tmp_path / "x.safetensors", {}, b"", declared_len=10_000)
    with pytest.raises(SafetensorsError, match="larger than the file"):
        SafetensorsFile(path)
    path = _raw_file(tmp_path / "y.safetensors", {}, b"", declared_len=2**40)
    with pytest.raises(SafetensorsError, match="cap"):
        SafetensorsFile(path)
    (tmp_path / "z.safetensors").write_bytes(struct.pack("<Q", 4) + b"\xff\xfe{}")
    with pytest.raises(SafetensorsError, match="UTF-8 JSON"):
        SafetensorsFile(tmp_path / "z.safetensors")


def test_random_garbage_never_crashes(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    good = tmp_path / "g.safetensors"
    write_safetensors(good, {"w": ("F32", rng.standard_normal((32, 32)).astype(np.float32))})
    data = bytearray(good.read_bytes())
    for i in range(200):
        mutated = bytearray(data)
        pos = int(rng.integers(0, 120))
        mutated[pos] = int(rng.integers(0, 256))
        p = tmp_path / f"m{i}.safetensors"
        p.write_bytes(bytes(mutated))
        try:
            with SafetensorsFile(p) as sf:
                for name in sf.tensors:
                    sf.array(name).sum()
        except SafetensorsError:
            pass


def test_parse_header_rejects_offsets_past_buffer() -> None:
    raw = json.dumps({"a": {"dtype": "U8", "shape": [10], "data_offsets": [0, 10]}}).encode()
    with pytest.raises(SafetensorsError, match="ends at byte 10"):
        parse_header(raw, 8 + len(raw) + 5)


def test_sharded_checkpoint_through_index(tmp_path: Path) -> None:
    write_safetensors(tmp_path / "model-00001-of-00002.safetensors", {"a": ("F32", np.ones(4, np.float32))})
    write_safetensors(tmp_path / "model-00002-of-00002.safetensors", {"b": ("F16", np.zeros(4, np.float32))})
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with open_checkpoint(tmp_path) as ckpt:
        assert sorted(ckpt.tensors) == ["a", "b"]
        assert ckpt.array("a").tolist() == [1, 1, 1, 1]
        assert ckpt.total_bytes == 16 + 8


def test_index_naming_missing_shard_or_escaping_path(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"a": "nope.safetensors"}}))
    with pytest.raises(SafetensorsError, match="missing"):
        open_checkpoint(tmp_path)
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"a": "../x.safetensors"}}))
    with pytest.raises(SafetensorsError, match="outside"):
        open_checkpoint(tmp_path)
    (tmp_path / "model.safetensors.index.json").write_text("{not json")
    with pytest.raises(SafetensorsError, match="unreadable index"):
        open_checkpoint(tmp_path)


def test_duplicate_tensor_across_shards(tmp_path: Path) -> None:
    write_safetensors(tmp_path / "a.safetensors", {"w": ("F32", np.ones(4, np.float32))})
    write_safetensors(tmp_path / "b.safetensors", {"w": ("F32", np.ones(4, np.float32))})
    with pytest.raises(SafetensorsError, match="also appears"):
        open_checkpoint(tmp_path)
