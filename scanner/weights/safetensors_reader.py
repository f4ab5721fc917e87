"""Our own reader for the safetensors format: header parsing with strict checks, zero-copy tensors.

Why our own: `safetensors.safe_open(framework="numpy")` copies every tensor into RAM and numpy
has no bfloat16, while provenance checks must stream checkpoints of hundreds of GB in bounded
memory. The format is simple: 8 bytes little-endian header length N, N bytes of JSON header
(`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`), then the
data buffer; offsets are relative to the start of the buffer. Tensors are returned as
`numpy.memmap` views of the file (pages are read on demand and reclaimable), never unpickled.
bfloat16 and 8-bit floats are exposed as unsigned-integer bit patterns of the same width.
"""

from __future__ import annotations

import json
import math
import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

#: A header larger than this is refused (the reference implementation uses the same order).
MAX_HEADER_BYTES = 100 * 1024 * 1024
#: An index file (model.safetensors.index.json) larger than this is refused.
MAX_INDEX_BYTES = 64 * 1024 * 1024

#: safetensors dtype -> (bytes per element, numpy dtype used to view the raw data)
DTYPES: dict[str, tuple[int, str]] = {
    "F64": (8, "<f8"),
    "F32": (4, "<f4"),
    "F16": (2, "<f2"),
    "BF16": (2, "<u2"),
    "I64": (8, "<i8"),
    "I32": (4, "<i4"),
    "I16": (2, "<i2"),
    "I8": (1, "i1"),
    "U64": (8, "<u8"),
    "U32": (4, "<u4"),
    "U16": (2, "<u2"),
    "U8": (1, "u1"),
    "BOOL": (1, "u1"),
    "F8_E4M3": (1, "u1"),
    "F8_E5M2": (1, "u1"),
    "F8_E8M0": (1, "u1"),
}
FLOAT_DTYPES = frozenset({"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0"})

#: File names of weights that are pickles: never unpickled (arbitrary code execution).
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


class SafetensorsError(Exception):
    """A safetensors file or index is malformed, truncated or unreadable."""


@dataclass(frozen=True)
class TensorInfo:
    """One tensor entry of a header: where its bytes are in which file."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int  # absolute byte offset in the file
    end: int
    file: str

    @property
    def nbytes(self) -> int:
        return self.end - self.begin

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def is_float(self) -> bool:
        return self.dtype in FLOAT_DTYPES


def parse_header(raw: bytes, file_size: int, file: str = "") -> tuple[dict[str, TensorInfo], dict[str, str]]:
    """Validate a header (the JSON bytes) against the file size; return tensors and `__metadata__`.

    Checks: JSON object, known dtypes, integer non-negative shapes, offsets inside the data
    buffer, dtype size x shape == byte length, and no two tensors overlapping (which would let
    one byte range masquerade as two tensors). Unused bytes between tensors are tolerated.
    """
    label = file or "safetensors header"
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise SafetensorsError(f"{label}: header is not valid UTF-8 JSON ({type(exc).__name__}: {exc})") from exc
    if not isinstance(header, dict):
        raise SafetensorsError(f"{label}: header is not a JSON object")
    data_start = 8 + len(raw)
    data_len = file_size - data_start
    metadata: dict[str, str] = {}
    tensors: dict[str, TensorInfo] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in entry.items()
            ):
                raise SafetensorsError(f"{label}: __metadata__ must map strings to strings")
            metadata = dict(entry)
            continue
        if not isinstance(entry, dict):
            raise SafetensorsError(f"{label}: entry {name!r} is not an object")
        dtype = entry.get("dtype")
        shape = entry.get("shape")
        offsets = entry.get("data_offsets")
        if dtype not in DTYPES:
            raise SafetensorsError(f"{label}: tensor {name!r} has unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
            raise SafetensorsError(f"{label}: tensor {name!r} has an invalid shape {shape!r}")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        ):
            raise SafetensorsError(f"{label}: tensor {name!r} has invalid data_offsets {offsets!r}")
        begin, end = offsets
        if begin < 0 or end < begin:
            raise SafetensorsError(f"{label}: tensor {name!r} has data_offsets out of order {offsets!r}")
        if end > data_len:
            raise SafetensorsError(
                f"{label}: tensor {name!r} ends at byte {end} of the data buffer but the buffer has "
                f"only {max(data_len, 0)} bytes (truncated file?)"
            )
        expected = math.prod(shape) * DTYPES[dtype][0]
        if end - begin != expected:
            raise SafetensorsError(
                f"{label}: tensor {name!r} ({dtype} {shape}) needs {expected} bytes but data_offsets "
                f"give {end - begin}"
            )
        tensors[name] = TensorInfo(name, dtype, tuple(shape), data_start + begin, data_start + end, file)
    spans = sorted((t.begin, t.end, t.name) for t in tensors.values() if t.end > t.begin)
    for (b1, e1, n1), (b2, _e2, n2) in zip(spans, spans[1:]):
        if b2 < e1:
            raise SafetensorsError(f"{label}: tensors {n1!r} and {n2!r} overlap")
    return tensors, metadata


class SafetensorsFile:
    """One `.safetensors` file, header validated on open, tensors as memory-mapped views."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        try:
            self.size = os.path.getsize(self.path)
            with open(self.path, "rb") as fh:
                head = fh.read(8)
                if len(head) < 8:
                    raise SafetensorsError(f"{self.path}: file too short for a safetensors header ({len(head)} bytes)")
                (n,) = struct.unpack("<Q", head)
                if n > MAX_HEADER_BYTES:
                    raise SafetensorsError(f"{self.path}: header length {n} exceeds the {MAX_HEADER_BYTES}-byte cap")
                if 8 + n > self.size:
                    raise SafetensorsError(
                        f"{self.path}: header length {n} is larger than the file ({self.size} bytes; truncated?)"
                    )
                raw = fh.read(n)
        except OSError as exc:
            raise SafetensorsError(f"{self.path}: cannot read ({exc.strerror or exc})") from exc
        self.tensors, self.metadata = parse_header(raw, self.size, self.path)
        self._mmap: mmap.mmap | None = None

    def _map(self) -> mmap.mmap | None:
        if self._mmap is None and self.size > 0:
            with open(self.path, "rb") as fh:
                self._mmap = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return self._mmap

    def array(self, name: str) -> np.ndarray:
        """The tensor as a read-only zero-copy array over the file (bf16/f8 as raw bits)."""
        info = self.tensors[name]
        np_dtype = np.dtype(DTYPES[info.dtype][1])
        if info.numel == 0:
            return np.zeros(info.shape, dtype=np_dtype)
        buf = self._map()
        arr = np.frombuffer(buf, dtype=np_dtype, count=info.numel, offset=info.begin)  # type: ignore[arg-type]
        return arr.reshape(info.shape)

    def raw(self, name: str) -> memoryview:
        """The tensor's bytes as a zero-copy memoryview over the mapped file."""
        info = self.tensors[name]
        if info.nbytes == 0:
            return memoryview(b"")
        return memoryview(self._map())[info.begin : info.end]  # type: ignore[index]

    def close(self) -> None:
        if self._mmap is not None:
            try:
                self._mmap.close()
            except BufferError:
                pass  # views still alive; the mapping is released when they are collected
            self._mmap = None

    def __enter__(self) -> SafetensorsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Checkpoint:
    """All tensors of a model, possibly sharded over several files."""

    root: str
    files: dict[str, SafetensorsFile] = field(default_factory=dict)
    index: dict[str, str] = field(default_factory=dict)  # tensor name -> file path
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def tensors(self) -> dict[str, TensorInfo]:
        return {name: self.files[path].tensors[name] for name, path in self.index.items()}

    @property
    def total_bytes(self) -> int:
        return sum(t.nbytes for t in self.tensors.values())

    def array(self, name: str) -> np.ndarray:
        return self.files[self.index[name]].array(name)

    def raw(self, name: str) -> memoryview:
        return self.files[self.index[name]].raw(name)

    def close(self) -> None:
        for f in self.files.values():
            f.close()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def safetensors_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The `.safetensors` files directly in `directory` (sorted), excluding hidden files."""
    d = Path(directory)
    return sorted(p for p in d.iterdir() if p.suffix == ".safetensors" and not p.name.startswith(".") and p.is_file())


def open_checkpoint(path: str | os.PathLike[str], files: list[str] | None = None) -> Checkpoint:
    """Open a checkpoint: a `.safetensors` file, a directory with one or more of them, or a
    directory with `model.safetensors.index.json` (the index decides which shard holds what).

    `files` restricts a directory to these paths. Raises SafetensorsError for malformed files,
    for an index naming missing shards, or when the same tensor appears in two files.
    """
    p = Path(path)
    ckpt = Checkpoint(root=str(p))
    if p.is_file():
        sf = SafetensorsFile(p)
        ckpt.files[str(p)] = sf
        ckpt.index = {n: str(p) for n in sf.tensors}
        ckpt.metadata = dict(sf.metadata)
        return ckpt
    if not p.is_dir():
        raise SafetensorsError(f"{p}: no such file or directory")
    index_files = sorted(p.glob("*.safetensors.index.json"))
    if files is not None:
        shard_paths = [Path(f) for f in files]
    elif index_files:
        shard_paths = _shards_from_index(index_files[0])
    else:
        shard_paths = safetensors_files(p)
    for sp in shard_paths:
        sf = SafetensorsFile(sp)
        ckpt.files[str(sp)] = sf
        ckpt.metadata.update(sf.metadata)
        for name in sf.tensors:
            if name in ckpt.index:
                raise SafetensorsError(f"{sp}: tensor {name!r} also appears in {ckpt.index[name]}")
            ckpt.index[name] = str(sp)
    if index_files and files is None:
        declared = _load_index(index_files[0])["weight_map"]
        missing = sorted(set(declared) - set(ckpt.index))
        if missing:
            raise SafetensorsError(
                f"{index_files[0]}: {len(missing)} tensors listed in the index are in no shard (e.g. {missing[0]!r})"
            )
    return ckpt


def _load_index(index_path: Path) -> dict[str, Any]:
    try:
        if index_path.stat().st_size > MAX_INDEX_BYTES:
            raise SafetensorsError(f"{index_path}: index larger than {MAX_INDEX_BYTES} bytes")
        data = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SafetensorsError(f"{index_path}: unreadable index ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("weight_map"), dict):
        raise SafetensorsError(f"{index_path}: index has no weight_map object")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data["weight_map"].items()):
        raise SafetensorsError(f"{index_path}: weight_map must map tensor names to file names")
    return data


def _shards_from_index(index_path: Path) -> list[Path]:
    data = _load_index(index_path)
    shards: list[Path] = []
    for shard in sorted(set(data["weight_map"].values())):
        sp = Path(shard)
        if sp.is_absolute() or ".." in sp.parts:
            raise SafetensorsError(f"{index_path}: shard {shard!r} points outside the model directory")
        full = index_path.parent / sp
        if not full.is_file():
            raise SafetensorsError(f"{index_path}: shard {shard!r} is missing")
        shards.append(full)
    return shards


def iter_chunks(arr: np.ndarray, max_elements: int = 4 * 1024 * 1024) -> Iterator[np.ndarray]:
    """Flat consecutive slices of `arr` of at most `max_elements`, views (no copy)."""
    flat = arr.reshape(-1)
    for start in range(0, flat.size, max_elements):
        yield flat[start : start + max_elements]


@dataclass(frozen=True)
class RemoteTensor:
    """Header-only view of a tensor in a Hub repository (no weights downloaded)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    file: str


def remote_metadata(repo_id: str, revision: str | None = None, token: str | None = None) -> list[RemoteTensor]:
    """Names, dtypes and shapes of every tensor of a Hub model, read from the safetensors
    headers only (HTTP range requests through `huggingface_hub.get_safetensors_metadata`).

    Raises SafetensorsError when the repository has no safetensors weights or the Hub cannot be
    reached, so callers record a scan issue instead of crashing.
    """
    try:
        from huggingface_hub import get_safetensors_metadata
        from huggingface_hub.utils import HfHubHTTPError

        meta = get_safetensors_metadata(repo_id, revision=revision, token=token)
    except ImportError as exc:  # pragma: no cover - huggingface_hub is a dependency
        raise SafetensorsError(f"huggingface_hub unavailable: {exc}") from exc
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise SafetensorsError(f"{repo_id}@{revision or 'main'}: cannot read safetensors headers ({exc})") from exc
    except Exception as exc:  # NotASafetensorsRepoError, SafetensorsParsingError, offline mode...
        raise SafetensorsError(f"{repo_id}@{revision or 'main'}: cannot read safetensors headers ({type(exc).__name__}: {exc})") from exc
    out: list[RemoteTensor] = []
    for file_name, file_meta in sorted(meta.files_metadata.items()):
        for name, info in sorted(file_meta.tensors.items()):
            out.append(RemoteTensor(name, info.dtype, tuple(info.shape), file_name))
    return out
