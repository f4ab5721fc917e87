"""Per-tensor fingerprints: content hashes, dtype-independent hashes, row hashes and a sketch.

Why each part exists:
- `raw_hash` (xxh3-128 of the stored bytes) proves a byte-identical copy.
- `canon_hash` (xxh3-128 after rounding every value to bfloat16, round-to-nearest-even) proves a
  copy that was only converted (fp32 -> bf16, fp16 -> bf16): the converted tensor has the same
  canonical bits as its source. For 2-D tensors it is the xxh3-128 of the shape and the row
  hashes (a two-level hash, so one pass over the data yields both), and for BF16 tensors, whose
  canonical bits are their stored bytes, that same value is the raw hash.
- `rows` (xxh3-64 of each row of a 2-D tensor, on canonical bits) survive vocabulary expansion,
  pruning and row permutation, which change the whole-tensor hash but keep rows.
- `sketch` (values at fixed seeded positions that depend only on the tensor's size) lets a store
  rank references by similarity without keeping the reference weights on disk.

Constant tensors and rows (all-ones norms, zero biases, zero padding rows), integer buffers
(`position_ids`, `inv_freq`) and tiny tensors match between unrelated models, so they are marked
`indexed=False` (kept for reference-free signals, never used as evidence of reuse). Rows that
repeat within a tensor are dropped for the same reason.

Tensors are read as memory-mapped views in chunks, so anonymous memory stays bounded by the
chunk size whatever the checkpoint size.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import xxhash

from scanner.weights.roles import classify
from scanner.weights.safetensors_reader import Checkpoint, TensorInfo

#: Tensors with fewer elements than this are never indexed (too little content to be evidence).
MIN_INDEXED_ELEMENTS = 1024
#: Rows shorter than this are not hashed (a short row can coincide by chance or by init).
MIN_ROW_LENGTH = 16
#: Number of sampled values in each tensor's sketch.
SKETCH_SIZE = 256
SKETCH_SEED = 0x50F5CA4
#: Elements processed per chunk (bounds temporary anonymous memory to a few tens of MB).
CHUNK_ELEMENTS = 1 << 20

_CANONICAL_DTYPES = frozenset({"F64", "F32", "F16", "BF16"})

try:
    import ml_dtypes

    _BF16: np.dtype | None = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - ml-dtypes is a dependency; the numpy path still works
    _BF16 = None


@dataclass
class TensorFingerprint:
    """What the store keeps about one tensor (and what a scan compares)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    component: str
    role: str
    layer: int | None
    slot: str
    raw_hash: str
    canon_hash: str | None
    sketch: np.ndarray | None = None  # float32 values at sketch_positions(numel)
    row_index: np.ndarray | None = None  # uint32 indices of informative rows
    row_hashes: np.ndarray | None = None  # uint64, aligned with row_index
    constant: float | None = None  # the value when every element is equal
    indexed: bool = True
    excluded: str | None = None  # why not indexed
    file: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n


def sketch_positions(numel: int, size: int = SKETCH_SIZE) -> np.ndarray:
    """Sorted flat positions sampled for a tensor of `numel` elements: the same for every tensor
    of that size, so sketches of two same-shaped tensors compare value by value."""
    if numel <= size:
        return np.arange(numel, dtype=np.int64)
    rng = np.random.default_rng([SKETCH_SEED, numel])
    draw = rng.integers(0, numel, size=size * 2, dtype=np.int64)
    _, first = np.unique(draw, return_index=True)
    picked = draw[np.sort(first)][:size]
    return np.sort(picked)


def canonical_bits(values: np.ndarray, dtype: str, out32: np.ndarray | None = None) -> np.ndarray:
    """bfloat16 bit patterns (uint16) of `values` (raw array of safetensors dtype `dtype`),
    rounded to nearest even. bf16 input is returned as is.

    `ml_dtypes` does the rounding in C (about 4x faster than the numpy bit arithmetic below,
    which is the fallback and gives the same bits for every finite value)."""
    if dtype == "BF16":
        return values
    if _BF16 is not None:
        return np.ascontiguousarray(values).astype(_BF16).view(np.uint16)
    return _canonical_bits_numpy(values, dtype, out32)


def _canonical_bits_numpy(values: np.ndarray, dtype: str, out32: np.ndarray | None = None) -> np.ndarray:
    if dtype == "F32":
        bits = values.view(np.uint32)
    else:  # F16, F64: exact or near-exact to float32 first
        bits = values.astype(np.float32).view(np.uint32)
    flat = bits.reshape(-1)
    tmp = out32[: flat.size] if out32 is not None and out32.size >= flat.size else np.empty(flat.size, np.uint32)
    np.right_shift(flat, 16, out=tmp)
    np.bitwise_and(tmp, 1, out=tmp)
    tmp += np.uint32(0x7FFF)
    tmp += flat
    np.right_shift(tmp, 16, out=tmp)
    return tmp.astype(np.uint16).reshape(values.shape)


def bf16_to_float32(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def as_float32(values: np.ndarray, dtype: str) -> np.ndarray:
    """Values of a raw array as float32 (bf16 bit patterns widened; other floats cast)."""
    if dtype == "BF16":
        return bf16_to_float32(values)
    return values.astype(np.float32)


def canonical_float32(values: np.ndarray, dtype: str) -> np.ndarray:
    """Values rounded to bf16, as float32: what sketches and similarity compare."""
    if dtype in _CANONICAL_DTYPES:
        return bf16_to_float32(canonical_bits(values, dtype))
    return values.astype(np.float32)


def fingerprint_tensor(
    ckpt: Checkpoint,
    info: TensorInfo,
    progress: Callable[[int], None] | None = None,
    sketch_size: int = SKETCH_SIZE,
) -> TensorFingerprint:
    """Hash one tensor in chunks; see the module docstring for what each field proves."""
    role = classify(info.name, len(info.shape))
    arr = ckpt.array(info.name)
    flat = arr.reshape(-1)
    fp = TensorFingerprint(
        name=info.name,
        dtype=info.dtype,
        shape=info.shape,
        component=role.component,
        role=role.role,
        layer=role.layer,
        slot=role.slot,
        raw_hash="",
        canon_hash=None,
        file=os.path.basename(info.file),
    )
    canonical = info.dtype in _CANONICAL_DTYPES
    two_d = len(info.shape) == 2 and info.shape[1] >= MIN_ROW_LENGTH and canonical
    # 2-D tensors: the canonical hash is the xxh3-128 of the row hashes (one pass computes
    # both), and for BF16, whose canonical bits are the stored bytes, it is the raw hash too.
    raw_h = None if two_d and info.dtype == "BF16" else xxhash.xxh3_128()
    canon_h = xxhash.xxh3_128() if canonical and info.dtype != "BF16" and not two_d else None

    # Sketch first: two different sampled values already prove the tensor is not constant.
    if info.is_float and info.numel:
        pos = sketch_positions(info.numel, sketch_size)
        fp.sketch = canonical_float32(flat[pos], info.dtype).astype(np.float32)
        maybe_constant = bool(np.all(fp.sketch == fp.sketch[0]))
    else:
        maybe_constant = info.numel > 0
    lo: int | None = None
    hi: int | None = None
    # F32 values whose low 16 bits are all zero were bf16 before (a storage artefact).
    bf16_exact = info.dtype == "F32"

    rows_hashes: list[np.ndarray] = []
    if two_d:
        ncols = info.shape[1]
        step_rows = max(1, CHUNK_ELEMENTS // ncols)
        chunks: Iterable[np.ndarray] = (arr[r : r + step_rows] for r in range(0, info.shape[0], step_rows))
    else:
        chunks = (flat[s : s + CHUNK_ELEMENTS] for s in range(0, flat.size, CHUNK_ELEMENTS))
    tmp32 = np.empty(CHUNK_ELEMENTS if not two_d else max(CHUNK_ELEMENTS, info.shape[1]), np.uint32) if canon_h else None
    for chunk in chunks:
        if raw_h is not None:
            raw_h.update(memoryview(np.ascontiguousarray(chunk)).cast("B"))
        bits = None
        if bf16_exact and np.any(chunk.view(np.uint32) & np.uint32(0xFFFF)):
            bf16_exact = False
        if canonical:
            bits = canonical_bits(chunk, info.dtype, tmp32)
            if canon_h is not None:
                canon_h.update(memoryview(bits).cast("B"))
        if maybe_constant:
            view = bits if bits is not None else chunk.view(np.uint8)
            cmin, cmax = int(view.min()), int(view.max())
            lo = cmin if lo is None else min(lo, cmin)
            hi = cmax if hi is None else max(hi, cmax)
            if lo != hi:
                maybe_constant = False
        if two_d and bits is not None:
            row_hash = xxhash.xxh3_64_intdigest
            rows_hashes.append(np.array([row_hash(r) for r in np.ascontiguousarray(bits)], dtype=np.uint64))
        if progress is not None:
            progress(chunk.nbytes)
    if two_d:
        all_rows = np.concatenate(rows_hashes) if rows_hashes else np.zeros(0, np.uint64)
        merkle = xxhash.xxh3_128(b"sovscan-rows-v1:%d:%d:" % info.shape)
        merkle.update(all_rows.astype("<u8").tobytes())
        fp.canon_hash = merkle.hexdigest()
        fp.raw_hash = raw_h.hexdigest() if raw_h is not None else fp.canon_hash
    else:
        assert raw_h is not None
        fp.raw_hash = raw_h.hexdigest()
        fp.canon_hash = (canon_h.hexdigest() if canon_h is not None else fp.raw_hash) if canonical else None
    if info.dtype == "F32" and info.numel:
        fp.extra["bf16_exact"] = float(bf16_exact)
    if maybe_constant and info.numel:
        fp.constant = float(canonical_float32(flat[:1], info.dtype)[0]) if info.is_float else float(flat[0])
    if rows_hashes:
        fp.row_index, fp.row_hashes = _informative_rows(np.concatenate(rows_hashes), info.shape[1])

    if role.is_buffer:
        fp.indexed, fp.excluded = False, "buffer"
    elif not info.is_float:
        fp.indexed, fp.excluded = False, "integer dtype"
    elif info.numel < MIN_INDEXED_ELEMENTS:
        fp.indexed, fp.excluded = False, "tiny"
    elif fp.constant is not None:
        fp.indexed, fp.excluded = False, "constant"
    return fp


def _informative_rows(hashes: np.ndarray, ncols: int) -> tuple[np.ndarray, np.ndarray]:
    """Drop zero rows and rows repeated within the tensor: they match across unrelated models."""
    zero_row = xxhash.xxh3_64_intdigest(bytes(ncols * 2))
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    keep = (counts[inverse] == 1) & (hashes != np.uint64(zero_row))
    idx = np.nonzero(keep)[0].astype(np.uint32)
    return idx, hashes[idx]


def fingerprint_checkpoint(
    ckpt: Checkpoint,
    progress: Callable[[int], None] | None = None,
    workers: int = 2,
    names: Iterable[str] | None = None,
) -> list[TensorFingerprint]:
    """Fingerprints of every tensor (or of `names`), in name order. Hashing releases the GIL, so
    a couple of worker threads overlap page-cache reads with hashing."""
    tensors = ckpt.tensors
    chosen = sorted(names) if names is not None else sorted(tensors)
    # Largest first keeps both workers busy until the end.
    order = sorted(chosen, key=lambda n: -tensors[n].nbytes)
    lock_free_progress = progress
    if workers <= 1:
        results = {n: fingerprint_tensor(ckpt, tensors[n], lock_free_progress) for n in order}
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {n: pool.submit(fingerprint_tensor, ckpt, tensors[n], lock_free_progress) for n in order}
            results = {n: f.result() for n, f in futures.items()}
    return [results[n] for n in chosen]
