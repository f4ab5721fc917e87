"""Reference-free signals: what a checkpoint says about itself without any reference model.

- Layer self-similarity (`selfdup`): the largest cosine between same-role matrices of different
  layers. Normal models stay near 0 (0.006-0.026 measured); depth up-scaling or a layer copied
  within the model gives ~1.
- Share of norm weights exactly 1.0 (`norms_eq_1`): 1.0 means untrained or frozen norms.
- A component stored in a dtype other than the language model's (e.g. an F32 vision tower in a
  BF16 checkpoint) hints that it came from elsewhere; so do F32 tensors whose low 16 bits are all
  zero (`f32_from_bf16`: the values were bf16 before they were stored as F32).
These are indicators only: they prompt a comparison, they never prove reuse on their own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from scanner.weights.compare import cosine, flat_cosine, strided_sample
from scanner.weights.fingerprint import TensorFingerprint
from scanner.weights.roles import LANGUAGE_MODEL, MATRIX_ROLES
from scanner.weights.safetensors_reader import Checkpoint

#: selfdup above this: duplicated layers (depth up-scaling or copies within the model).
SELFDUP_THRESHOLD = 0.3
#: Minimum elements for a matrix to take part in selfdup.
SELFDUP_MIN_ELEMENTS = 4096


@dataclass
class ComponentSignals:
    component: str
    tensor_count: int = 0
    param_count: int = 0
    dtype: str | None = None
    dtype_differs: bool = False
    norm_tensors: int = 0
    norms_eq_1: float | None = None
    selfdup_max: float | None = None
    f32_from_bf16: float | None = None  # share of F32 parameters that are exact bf16 values
    selfdup_pairs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def duplicated_layers(self) -> bool:
        return self.selfdup_max is not None and self.selfdup_max > SELFDUP_THRESHOLD

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tensor_count": self.tensor_count,
            "param_count": self.param_count,
            "dtype": self.dtype,
            "dtype_differs_from_language_model": self.dtype_differs,
            "norm_tensors": self.norm_tensors,
            "norms_eq_1": None if self.norms_eq_1 is None else round(self.norms_eq_1, 4),
            "selfdup_max": None if self.selfdup_max is None else round(self.selfdup_max, 4),
            "duplicated_layers": self.duplicated_layers,
            "f32_from_bf16": None if self.f32_from_bf16 is None else round(self.f32_from_bf16, 4),
        }
        if self.selfdup_pairs:
            out["selfdup_pairs"] = self.selfdup_pairs[:20]
        return out


def component_signals(ckpt: Checkpoint, fingerprints: list[TensorFingerprint]) -> dict[str, ComponentSignals]:
    """Signals per component of one checkpoint."""
    by_comp: dict[str, list[TensorFingerprint]] = defaultdict(list)
    for fp in fingerprints:
        by_comp[fp.component].append(fp)
    out: dict[str, ComponentSignals] = {}
    for comp, fps in sorted(by_comp.items()):
        sig = ComponentSignals(comp, len(fps), sum(fp.numel for fp in fps))
        dtypes: Counter[str] = Counter()
        for fp in fps:
            dtypes[fp.dtype] += fp.numel
        sig.dtype = dtypes.most_common(1)[0][0] if dtypes else None
        norms = [fp for fp in fps if fp.role == "norm" and not fp.name.endswith("bias")]
        sig.norm_tensors = len(norms)
        if norms:
            sig.norms_eq_1 = sum(1 for fp in norms if fp.constant == 1.0) / len(norms)
        f32 = [fp for fp in fps if fp.dtype == "F32" and "bf16_exact" in fp.extra and fp.constant is None]
        if f32:
            total = sum(fp.numel for fp in f32)
            sig.f32_from_bf16 = sum(fp.numel for fp in f32 if fp.extra["bf16_exact"]) / total if total else None
        sig.selfdup_max, sig.selfdup_pairs = _selfdup(ckpt, fps)
        out[comp] = sig
    lm = out.get(LANGUAGE_MODEL)
    if lm is not None:
        for comp, sig in out.items():
            sig.dtype_differs = comp != LANGUAGE_MODEL and sig.dtype is not None and sig.dtype != lm.dtype
    return out


def _selfdup(ckpt: Checkpoint, fps: list[TensorFingerprint]) -> tuple[float | None, list[dict[str, Any]]]:
    """Max |cos| between same-slot matrices of different layers, on strided samples, confirmed
    with a full cosine for pairs above the threshold."""
    groups: dict[tuple[str, tuple[int, ...]], list[TensorFingerprint]] = defaultdict(list)
    for fp in fps:
        if fp.layer is not None and fp.role in MATRIX_ROLES and fp.numel >= SELFDUP_MIN_ELEMENTS and len(fp.shape) >= 2:
            groups[(fp.slot, fp.shape)].append(fp)
    best: float | None = None
    pairs: list[dict[str, Any]] = []
    for (_slot, _shape), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        members.sort(key=lambda f: f.layer or 0)
        samples = [strided_sample(ckpt, fp.name) for fp in members]
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                c = abs(cosine(samples[i], samples[j]))
                if c > SELFDUP_THRESHOLD:
                    c = abs(flat_cosine(ckpt, members[i].name, ckpt, members[j].name))
                    if c > SELFDUP_THRESHOLD:
                        pairs.append(
                            {"a": members[i].name, "b": members[j].name, "cosine": round(c, 4)}
                        )
                best = c if best is None else max(best, c)
    pairs.sort(key=lambda p: -p["cosine"])
    return best, pairs


def layer_map(pairs: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Distinct (layer a, layer b) pairs among duplicated-layer evidence."""
    import re

    out: set[tuple[int, int]] = set()
    for p in pairs:
        la = re.search(r"\.(\d+)\.", p["a"])
        lb = re.search(r"\.(\d+)\.", p["b"])
        if la and lb:
            out.add((int(la.group(1)), int(lb.group(1))))
    return sorted(out)

