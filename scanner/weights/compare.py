"""Similarity statistics between a target and a reference checkpoint, in bounded memory.

Only statistics whose null (independently initialised models) is near zero are computed here:
- same-basis flat cosine of large 2-D matrices, best over same-role layers of the reference; under
  independence it is about N(0, 1/n), so `z = cos * sqrt(n)` is the test statistic;
- the permutation-robust FFN neuron-matching agreement: undo the residual permutation by matching
  embedding columns over shared tokens, then map each target FFN neuron to a reference neuron by
  rows of `up` and by columns of `down`; the share where both maps agree is ~1/f under
  independence and ~1 for a (permuted) copy.

Matching is greedy argmax, not an optimal assignment (Hungarian, O(n^3)): argmax is what the
agreement statistic is defined on, it tolerates pruned widths (many-to-one), and it runs in
blocks of reference neurons so memory stays bounded. Norm weights, spectra and std profiles are
deliberately absent: their null is close to 1 (see the weights-provenance spec).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scanner.weights.fingerprint import canonical_float32
from scanner.weights.safetensors_reader import Checkpoint

#: Elements of the strided sample used to pick the best reference layer before a full cosine.
SAMPLE_ELEMENTS = 65_536
CHUNK_ELEMENTS = 1 << 20


def strided_sample(ckpt: Checkpoint, name: str, k: int = SAMPLE_ELEMENTS) -> np.ndarray:
    """`k` values at evenly spaced flat positions, canonicalised to bf16 precision (float32)."""
    info = ckpt.tensors[name]
    flat = ckpt.array(name).reshape(-1)
    step = max(1, flat.size // k)
    return canonical_float32(np.ascontiguousarray(flat[::step][:k]), info.dtype).astype(np.float64)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # einsum, not BLAS: multi-threaded BLAS dot stalls badly on a busy machine for vectors.
    return float(np.einsum("i,i->", a, b))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na = _dot(a, a)
    nb = _dot(b, b)
    if na == 0.0 or nb == 0.0:
        return 0.0
    return _dot(a, b) / math.sqrt(na * nb)


def flat_cosine(
    a_ckpt: Checkpoint, a_name: str, b_ckpt: Checkpoint, b_name: str, rows: int | None = None
) -> float:
    """Cosine of two same-shaped tensors over all elements (or their first `rows` rows),
    accumulated in float64 over chunks of canonical values."""
    ia, ib = a_ckpt.tensors[a_name], b_ckpt.tensors[b_name]
    fa = a_ckpt.array(a_name)
    fb = b_ckpt.array(b_name)
    if rows is not None:
        fa, fb = fa[:rows], fb[:rows]
    fa, fb = fa.reshape(-1), fb.reshape(-1)
    if fa.size != fb.size:
        raise ValueError(f"{a_name} and {b_name} differ in size")
    dot = na = nb = 0.0
    for s in range(0, fa.size, CHUNK_ELEMENTS):
        x = canonical_float32(fa[s : s + CHUNK_ELEMENTS], ia.dtype).astype(np.float64)
        y = canonical_float32(fb[s : s + CHUNK_ELEMENTS], ib.dtype).astype(np.float64)
        dot += _dot(x, y)
        na += _dot(x, x)
        nb += _dot(y, y)
    if na == 0.0 or nb == 0.0:
        return 0.0
    return dot / math.sqrt(na * nb)


def matrix(ckpt: Checkpoint, name: str, rows: np.ndarray | slice | None = None) -> np.ndarray:
    """A 2-D tensor (or some of its rows) as float32 in memory: only for bounded-size pieces."""
    info = ckpt.tensors[name]
    arr = ckpt.array(name)
    if rows is not None:
        arr = arr[rows]
    return canonical_float32(np.ascontiguousarray(arr), info.dtype)


def _unit_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


@dataclass(frozen=True)
class ResidualMap:
    """Target residual dimension j corresponds to reference dimension `perm[j]` (times `sign[j]`)."""

    perm: np.ndarray
    sign: np.ndarray
    match: float  # mean best |cos| of the embedding columns
    tokens: int


def residual_map(
    t_ckpt: Checkpoint, t_embed: str, r_ckpt: Checkpoint, r_embed: str,
    t_rows: np.ndarray, r_rows: np.ndarray, max_tokens: int = 4096,
) -> ResidualMap | None:
    """Match embedding columns of target and reference over shared tokens (rows `t_rows` of the
    target correspond to rows `r_rows` of the reference)."""
    n = min(len(t_rows), len(r_rows))
    if n < 32:
        return None
    pick = np.linspace(0, n - 1, num=min(n, max_tokens)).astype(np.int64)
    et = matrix(t_ckpt, t_embed, t_rows[pick])
    er = matrix(r_ckpt, r_embed, r_rows[pick])
    ct = _unit_rows((et - et.mean(axis=0)).T)  # d_t x tokens
    cr = _unit_rows((er - er.mean(axis=0)).T)  # d_r x tokens
    sim = ct @ cr.T
    best = np.argmax(np.abs(sim), axis=1)
    vals = sim[np.arange(sim.shape[0]), best]
    return ResidualMap(best, np.sign(vals).astype(np.float32), float(np.mean(np.abs(vals))), int(len(pick)))


#: Reference matrices up to this many elements are kept normalised in memory between calls.
CACHE_ELEMENTS = 8 * 1024 * 1024


def _argmax_blocks(
    a_unit: np.ndarray, b_ckpt: Checkpoint, b_name: str, transpose: bool,
    cache: dict[tuple[str, bool], np.ndarray] | None = None, block: int = 2048,
) -> np.ndarray:
    """For each row of `a_unit`, the index of the most similar (|cos|) reference neuron; the
    reference matrix is read in blocks of neurons (rows, or columns when `transpose`). Small
    matrices are normalised once and kept in `cache`."""
    info = b_ckpt.tensors[b_name]
    n_neurons = info.shape[1] if transpose else info.shape[0]
    best_val = np.full(a_unit.shape[0], -1.0, dtype=np.float32)
    best_idx = np.zeros(a_unit.shape[0], dtype=np.int64)
    arr = b_ckpt.array(b_name)
    cacheable = cache is not None and info.numel <= CACHE_ELEMENTS
    if cacheable and (b_name, transpose) not in cache:  # type: ignore[operator]
        full = canonical_float32(np.ascontiguousarray(arr), info.dtype)
        cache[(b_name, transpose)] = _unit_rows(np.ascontiguousarray(full.T if transpose else full))  # type: ignore[index]
    for s in range(0, n_neurons, block):
        if cacheable:
            bm = cache[(b_name, transpose)][s : s + block]  # type: ignore[index]
        else:
            part = arr[:, s : s + block].T if transpose else arr[s : s + block]
            bm = _unit_rows(canonical_float32(np.ascontiguousarray(part), info.dtype))
        sim = np.abs(a_unit @ bm.T)
        idx = np.argmax(sim, axis=1)
        val = sim[np.arange(sim.shape[0]), idx]
        better = val > best_val
        best_val[better] = val[better]
        best_idx[better] = idx[better] + s
    return best_idx


@dataclass(frozen=True)
class FfnAgreement:
    agreement: float
    neurons: int
    ref_width: int
    log10_p: float  # -log10 of the binomial tail under agreement ~ 1/ref_width


def ffn_agreement(
    t_ckpt: Checkpoint, t_up: str, t_down: str,
    r_ckpt: Checkpoint, r_up: str, r_down: str,
    rmap: ResidualMap, max_neurons: int = 1024,
    cache: dict[tuple[str, bool], np.ndarray] | None = None,
) -> FfnAgreement | None:
    """Agreement of the two neuron maps (by `up` rows and by `down` columns) in the reference
    residual basis given by `rmap`. Shapes: up (f, d), down (d, f)."""
    ut_info, dt_info = t_ckpt.tensors[t_up], t_ckpt.tensors[t_down]
    ur_info = r_ckpt.tensors[r_up]
    f_t, d_t = ut_info.shape
    if dt_info.shape != (d_t, f_t) or len(rmap.perm) != d_t:
        return None
    f_r, d_r = ur_info.shape
    if r_ckpt.tensors[r_down].shape != (d_r, f_r):
        return None
    pick = np.linspace(0, f_t - 1, num=min(f_t, max_neurons)).astype(np.int64)
    ut = matrix(t_ckpt, t_up, pick) * rmap.sign[None, :]
    up_in_ref = np.zeros((len(pick), d_r), dtype=np.float32)
    up_in_ref[:, rmap.perm] = ut
    m1 = _argmax_blocks(_unit_rows(up_in_ref), r_ckpt, r_up, transpose=False, cache=cache)
    down = t_ckpt.array(t_down)
    dt = canonical_float32(np.ascontiguousarray(down[:, pick]), dt_info.dtype).T * rmap.sign[None, :]
    down_in_ref = np.zeros((len(pick), d_r), dtype=np.float32)
    down_in_ref[:, rmap.perm] = dt
    m2 = _argmax_blocks(_unit_rows(down_in_ref), r_ckpt, r_down, transpose=True, cache=cache)
    agree = int(np.sum(m1 == m2))
    share = agree / len(pick)
    return FfnAgreement(share, len(pick), f_r, _binomial_log10_tail(agree, len(pick), 1.0 / f_r))


def _binomial_log10_tail(k: int, n: int, p: float) -> float:
    """-log10 P[X >= k] for X ~ Binomial(n, p), via the log of the first term (an upper bound on
    the tail's magnitude is enough for reporting; capped at 300)."""
    if k <= n * p:
        return 0.0
    log_term = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )
    return float(min(300.0, max(0.0, -log_term / math.log(10))))
