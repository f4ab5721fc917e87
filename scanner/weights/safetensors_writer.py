"""Write safetensors files (used to build test and benchmark checkpoints, and bf16 copies).

Data is written tensor by tensor, optionally chunk by chunk from a producer, so checkpoints
larger than memory can be generated.
"""

from __future__ import annotations

import json
import math
import os
from typing import Callable, Mapping

import numpy as np

from scanner.weights.safetensors_reader import DTYPES

#: name -> (safetensors dtype, array). For BF16 pass float32 values (rounded here) or uint16 bits.
TensorMap = Mapping[str, tuple[str, np.ndarray]]


def to_storage(values: np.ndarray, dtype: str) -> np.ndarray:
    """The array as it is stored for `dtype` (bf16 from float values: round to nearest even)."""
    if dtype == "BF16" and values.dtype != np.uint16:
        from scanner.weights.fingerprint import canonical_bits

        return canonical_bits(np.ascontiguousarray(values, dtype=np.float32), "F32")
    return np.ascontiguousarray(values, dtype=np.dtype(DTYPES[dtype][1]))


def write_safetensors(path: str | os.PathLike[str], tensors: TensorMap, metadata: Mapping[str, str] | None = None) -> None:
    """Write `tensors` to `path` in safetensors layout (names sorted, 8-byte aligned header)."""
    stored = {name: (dtype, to_storage(arr, dtype)) for name, (dtype, arr) in tensors.items()}
    specs = [(name, dtype, tuple(arr.shape)) for name, (dtype, arr) in stored.items()]

    def produce(name: str, start: int, count: int) -> np.ndarray:
        return stored[name][1].reshape(-1)[start : start + count]

    write_streaming(path, specs, produce, metadata)


def write_streaming(
    path: str | os.PathLike[str],
    specs: list[tuple[str, str, tuple[int, ...]]],
    produce: Callable[[str, int, int], np.ndarray],
    metadata: Mapping[str, str] | None = None,
    chunk_elements: int = 1 << 22,
) -> None:
    """Write tensors described by `specs` (name, dtype, shape); `produce(name, start, count)`
    returns `count` stored elements starting at flat position `start`."""
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    ordered = sorted(specs)
    for name, dtype, shape in ordered:
        nbytes = math.prod(shape) * DTYPES[dtype][0]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as fh:
        fh.write(len(raw).to_bytes(8, "little"))
        fh.write(raw)
        for name, dtype, shape in ordered:
            numel = math.prod(shape)
            for start in range(0, numel, chunk_elements):
                count = min(chunk_elements, numel - start)
                part = np.ascontiguousarray(produce(name, start, count), dtype=np.dtype(DTYPES[dtype][1]))
                if part.size != count:
                    raise ValueError(f"producer returned {part.size} elements for {name}, expected {count}")
                fh.write(memoryview(part).cast("B"))
