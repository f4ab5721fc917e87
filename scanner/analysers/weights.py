"""Weight provenance: does the target carry weights of a known model, and did training start
from random weights?

Entry point: `analyse_weights(graph, source, store=None, training_log=None, options=None)`.
It reads the target's safetensors through `source.local_path()` (never pickles), fingerprints
every tensor (`scanner.weights.fingerprint`), and writes what it finds into `graph`:

Edges (the rules engine consumes these; `kr-sovereign-2026` treats confidence >= 0.9 as a
technical fail, lower confidence as review):
- `reuses_weights_of`: `weights:<model>#<component>` -> `model:<reference id>`. Tensors of the
  component are identical to the reference's (raw bytes, or after rounding to bf16), or rows of
  its 2-D tensors are. Evidence lists the tensor names and counts ("vision_tower: 24 of 24
  indexed tensors identical to org/name"). Confidence 0.99 (tensor hashes), 0.95 (rows only,
  at least half of a tensor's rows) or 0.6 (a few rows only: they may be untrained rows left
  from a shared-seed initialisation, so a reviewer decides).
  Attributes: `method: "hash"`, `component`, `matched_tensors`, `indexed_tensors`,
  `matched_params`, `param_share`, `raw_matches`, `canonical_matches`, `row_matches`.
- `finetune_of` / `derived_from` with `attributes.method == "weight-similarity"`: large 2-D
  matrices are similar beyond any independent pair. From `model:<target>` when the language
  model is derived, else from the component node. `finetune_of` when every matrix matched its
  same-named counterpart in the same basis (median cosine >= 0.5), `derived_from` otherwise
  (permuted, re-stacked, pruned). Attributes: `statistic` (`same_basis_cosine`,
  `ffn_agreement`, `sketch_cosine`), `component`, `strength` (`strong` | `weak`), the measured
  values (`median_cosine`, `max_cosine`, `max_z`, `flagged_param_share`, `tensors_compared`,
  `ffn_agreement_max`, `layer_map`...) and `null_band` (`source`: `references` measured on the
  other compared references of compatible shape, or `theoretical` 1/sqrt(n)). Confidence: 0.95
  same-basis, 0.9 neuron matching, 0.8 sketch only, 0.4 weak (inconclusive: needs review).

Node attributes:
- weights nodes: `weights_signals` (reference-free: `selfdup_max`, `duplicated_layers`,
  `norms_eq_1`, `dtype`, `dtype_differs_from_language_model`, counts) and, when no reference
  matched, `weights_checked: {references_compared: [...] (hash lookups), similarity_compared:
  [...] (references with matrices of compatible shape), max_similarity: x, statistic}`:
  absence of a match is reported as such, it is not proof of independence.
- the target model node: `training_log: {first_loss, ln_vocab, verdict, ...}` with `verdict` in
  `from_trained` | `from_scratch` | `inconclusive`, and `norm_only_similarity`
  (`{cosine: {reference: value}, note}`) for information only: norm weights look alike in unrelated models
  (null cosine 0.98-0.99), so this is never an edge and never evidence.

Thresholds (from `shared/spec/weights-provenance.md`, to be calibrated on real independent
pairs): a matrix counts as derived at |cos| >= 0.10 with z = cos*sqrt(n) >= 10, a component when
such matrices hold >= 1% of its compared parameters; weak at |cos| >= 0.03 with z >= 6; FFN
agreement >= 0.10 with -log10 p >= 10 (only when the embedding columns align: mean best |cos|
>= 0.2, independent ~0.05); sketch mean cosine >= 0.10 with z >= 8.

Problems (unreadable or truncated files, pickles, weights not available locally) become
`ScanIssue`s in the report; they never crash the scan and never count as a pass.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import numpy as np
from threadpoolctl import threadpool_limits

from scanner.graph import Edge, ModelGraph, Node, NodeKind, Relation
from scanner.model import Evidence, ScanIssue
from scanner.sources.interface import SourceError
from scanner.weights import compare
from scanner.weights.fingerprint import TensorFingerprint, fingerprint_checkpoint, sketch_positions
from scanner.weights.roles import LANGUAGE_MODEL, MATRIX_ROLES, classify
from scanner.weights.safetensors_reader import (
    PICKLE_SUFFIXES,
    Checkpoint,
    SafetensorsError,
    open_checkpoint,
    remote_metadata,
)
from scanner.weights.signals import ComponentSignals, component_signals
from scanner.weights.store import ReferenceInfo, ReferenceStore, StoredTensor, StoreError
from scanner.weights.training_log import (
    LOG_NAME_RE,
    LossVerdict,
    TrainingLogError,
    judge,
    parse_log,
    vocab_size_from_config,
)

# -- thresholds (see module docstring) ---------------------------------------------------------
COS_DERIVED = 0.10
Z_DERIVED = 10.0
COS_WEAK = 0.03
Z_WEAK = 6.0
SHARE_DERIVED = 0.01
FFN_DERIVED = 0.10
FFN_LOG10P = 10.0
SKETCH_DERIVED = 0.10
SKETCH_Z = 8.0
FINETUNE_MEDIAN = 0.5
MIN_COMPARE_ELEMENTS = 4096
RESID_MATCH_MIN = 0.2
ROWS_MAJORITY = 0.5
ROWS_CONFIDENT = 0.95
ROWS_FEW_CONFIDENCE = 0.6
MAX_LOG_BYTES = 16 * 1024 * 1024


@dataclass
class WeightOptions:
    """How much work the analysis does. `progress` receives byte counts while hashing."""

    workers: int = 2
    progress: Callable[[int], None] | None = None
    full_compare_top: int = 3
    max_neurons: int = 1024
    vocab_size: int | None = None
    #: BLAS threads during comparisons. One by default: hashing already runs `workers` threads,
    #: and an oversubscribed multi-threaded BLAS was measured 5x slower on a busy 2-core machine.
    blas_threads: int = 1


@dataclass
class ReuseMatch:
    component: str
    reference: str
    tensors: list[tuple[str, str, str]]  # (target tensor, reference tensor, raw|canonical)
    indexed_tensors: int
    matched_params: int
    component_params: int
    row_matches: dict[str, int] = field(default_factory=dict)  # target tensor -> rows found
    row_share: float = 0.0  # the largest share of a tensor's informative rows found
    confidence: float = 0.99


@dataclass
class Derivation:
    component: str
    reference: str
    relation: Relation
    statistic: str
    strength: str
    confidence: float
    values: dict[str, Any]
    null_band: dict[str, Any]


@dataclass
class WeightReport:
    """Everything the analysis found; the graph has already been updated with it."""

    model_node: str
    fingerprints: list[TensorFingerprint] = field(default_factory=list)
    reuse: list[ReuseMatch] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    signals: dict[str, ComponentSignals] = field(default_factory=dict)
    training_log: LossVerdict | None = None
    references_compared: list[str] = field(default_factory=list)
    max_similarity: dict[str, float] = field(default_factory=dict)
    #: per component, the references whose matrices were actually compared (full or sketch)
    similarity_compared: dict[str, list[str]] = field(default_factory=dict)
    issues: list[ScanIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
def analyse_weights(
    graph: ModelGraph,
    source: Any,
    store: ReferenceStore | None = None,
    training_log: str | os.PathLike[str] | None = None,
    options: WeightOptions | None = None,
) -> WeightReport:
    """Fingerprint the target's weights, compare them with `store`, check the training log, and
    record edges/attributes in `graph` (see the module docstring for the contract).

    `source` is a `scanner.sources.interface.Source`; `training_log` an explicit loss log file
    (CSV or JSON Lines) used instead of logs found in the repository. The caller adds
    `report.issues` to the scan result's `scan_issues`; everything else is already in `graph`.
    """
    opts = options or WeightOptions()
    model_id = _target_model(graph, source)
    model_name = graph.node(model_id).name
    report = WeightReport(model_node=model_id)

    files = _list_files(source, report)
    _pickle_issues(files, report, model_id)
    ckpt = _open_target(source, files, report, model_id)
    vocab_size = opts.vocab_size or _vocab_size(source, files)

    if ckpt is not None:
        try:
            _analyse_checkpoint(graph, ckpt, source, files, store, report, model_id, model_name, opts)
        except (OSError, ValueError, SafetensorsError, StoreError, sqlite3.Error) as exc:
            # A file that changes under us, a store that breaks mid-scan: recorded, never a pass.
            report.issues.append(ScanIssue(report.files[0] if report.files else str(getattr(source, "ref", "")),
                                           f"weight analysis incomplete: {type(exc).__name__}: {exc}", model_id))
        finally:
            ckpt.close()
    else:
        # Nothing was hashed: say so on the component nodes the resolver made.
        for node in graph.nodes(NodeKind.WEIGHTS):
            if node.id.startswith(f"weights:{model_name}#") and "weights_checked" not in node.attributes:
                node.attributes["weights_checked"] = {
                    "references_compared": [],
                    "max_similarity": None,
                    "note": "weights not read (not on this machine, unreadable, or not safetensors): nothing was compared",
                }

    _training_log(graph, source, files, training_log, vocab_size, report, model_id)
    return report


def _analyse_checkpoint(
    graph: ModelGraph, ckpt: Checkpoint, source: Any, files: list[str], store: ReferenceStore | None,
    report: WeightReport, model_id: str, model_name: str, opts: WeightOptions,
) -> None:
    """Fingerprints, reference-free signals, then (with a store) reuse and derivation."""
    report.fingerprints = fingerprint_checkpoint(ckpt, progress=opts.progress, workers=opts.workers)
    with threadpool_limits(limits=opts.blas_threads, user_api="blas"):
        report.signals = component_signals(ckpt, report.fingerprints)
    comp_nodes = {c: _ensure_component_node(graph, model_id, model_name, c, report) for c in report.signals}
    for comp, sig in report.signals.items():
        node = graph.node(comp_nodes[comp])
        node.attributes["weights_signals"] = sig.to_dict()
        if sig.duplicated_layers:
            node.evidence.append(_signal_evidence(report, comp, sig))
    if store is not None:
        _exact_reuse(graph, store, report, comp_nodes, exclude=model_name)
        with threadpool_limits(limits=opts.blas_threads, user_api="blas"):
            _derivation(graph, store, report, comp_nodes, ckpt, source, files, opts)
    _record_checked(graph, report, comp_nodes, store)


# -- target and files ---------------------------------------------------------------------------
def _target_model(graph: ModelGraph, source: Any) -> str:
    if graph.root is not None and graph.root in graph:
        return graph.root
    name = getattr(source, "repo_id", None) or Path(str(getattr(source, "ref", "model"))).name or "model"
    node = graph.add_node(Node(id=f"model:{name}", kind=NodeKind.MODEL, name=name, attributes={"is_target": True}))
    graph.root = node.id
    return node.id


def _list_files(source: Any, report: WeightReport) -> list[str]:
    try:
        return [f.path for f in source.list_files()]
    except SourceError as exc:
        report.issues.append(ScanIssue(str(getattr(source, "ref", "")), f"cannot list files: {exc}"))
        return []


def _pickle_issues(files: list[str], report: WeightReport, model_id: str) -> None:
    for path in files:
        name = PurePosixPath(path).name.lower()
        if name.endswith(PICKLE_SUFFIXES) and not name.startswith(("training_args", "optimizer", "scheduler", "rng_state")):
            report.issues.append(
                ScanIssue(path, "pickle weights not read (unsafe format): provenance of these weights is unchecked", model_id)
            )


def _open_target(source: Any, files: list[str], report: WeightReport, model_id: str) -> Checkpoint | None:
    st_files = [p for p in files if p.endswith(".safetensors")]
    if not st_files:
        return None
    # The shards named by an index, else every safetensors file at the shallowest level.
    index = [p for p in files if p.endswith(".safetensors.index.json")]
    chosen: list[str]
    if index:
        base = PurePosixPath(index[0]).parent
        try:
            data = json.loads(source.read_text(index[0]))
            weight_map = data.get("weight_map") if isinstance(data, dict) else None
            if not isinstance(weight_map, dict):
                raise ValueError("no `weight_map` object")
            chosen = sorted({str(base / v) if str(base) != "." else v for v in weight_map.values()})
        except (SourceError, ValueError, RecursionError, KeyError, TypeError, AttributeError) as exc:
            report.issues.append(ScanIssue(index[0], f"unreadable safetensors index: {exc}", model_id))
            chosen = [p for p in st_files if "/" not in p]
    else:
        depth = min(p.count("/") for p in st_files)
        chosen = [p for p in st_files if p.count("/") == depth]
    local: list[str] = []
    for rel in chosen:
        lp = source.local_path(rel)
        if lp is None:
            break
        local.append(lp)
    if len(local) != len(chosen):
        _remote_only(source, report, model_id)
        return None
    report.files = chosen
    try:
        return open_checkpoint(Path(local[0]).parent, files=local)
    except SafetensorsError as exc:
        report.issues.append(ScanIssue(_rel(exc, chosen), f"safetensors not readable: {exc}", model_id))
    # One bad shard must not hide the others: open the readable ones.
    good: list[str] = []
    for rel, lp in zip(chosen, local):
        try:
            open_checkpoint(lp).close()
            good.append(lp)
        except SafetensorsError as exc:
            if not any(i.path == rel for i in report.issues):
                report.issues.append(ScanIssue(rel, f"safetensors not readable: {exc}", model_id))
    if not good:
        return None
    try:
        return open_checkpoint(Path(good[0]).parent, files=good)
    except SafetensorsError as exc:
        report.issues.append(ScanIssue(chosen[0], f"safetensors not readable: {exc}", model_id))
        return None


def _rel(exc: Exception, chosen: list[str]) -> str:
    text = str(exc)
    for rel in chosen:
        if rel in text or PurePosixPath(rel).name in text:
            return rel
    return chosen[0]


def _remote_only(source: Any, report: WeightReport, model_id: str) -> None:
    repo_id = getattr(source, "repo_id", None)
    detail = ""
    headers = getattr(source, "safetensors_metadata", None)  # a Hub source reads them once for all
    if callable(headers):
        try:
            count = sum(len(t) for t in headers().values())
            detail = f" (headers list {count} tensors)"
        except (SourceError, OSError, ValueError) as exc:
            detail = f" (headers unreadable: {exc})"
    elif repo_id:
        try:
            tensors = remote_metadata(repo_id, getattr(source, "revision", None))
            detail = f" (headers list {len(tensors)} tensors)"
        except SafetensorsError as exc:
            detail = f" (headers unreadable: {exc})"
    report.issues.append(
        ScanIssue(
            str(getattr(source, "ref", repo_id or "")),
            f"weights are not available locally, so they were not hashed or compared{detail}",
            model_id,
        )
    )


def _vocab_size(source: Any, files: list[str]) -> int | None:
    if "config.json" not in files:
        return None
    try:
        return vocab_size_from_config(json.loads(source.read_text("config.json")))
    except (SourceError, ValueError, RecursionError, AttributeError):  # the resolver reports a bad config
        return None


# -- graph helpers ------------------------------------------------------------------------------
def _ensure_component_node(graph: ModelGraph, model_id: str, model_name: str, comp: str, report: WeightReport) -> str:
    node_id = f"weights:{model_name}#{comp}"
    if node_id not in graph:
        sig = report.signals.get(comp)
        target = graph.node(model_id)
        graph.add_node(
            Node(
                id=node_id,
                kind=NodeKind.WEIGHTS,
                name=f"{model_name} {comp.replace('_', ' ')}",
                supplier=target.supplier,
                country=target.country,
                attributes={
                    "component": comp,
                    "tensor_count": sig.tensor_count if sig else 0,
                    "param_count": sig.param_count if sig else 0,
                    "weights_origin": "unknown",
                },
            )
        )
        graph.add_edge(Edge(model_id, node_id, Relation.CONTAINS, [], 1.0, {"source": "weights"}))
    return node_id


def _reference_node(graph: ModelGraph, ref: ReferenceInfo | str) -> str:
    ref_id = ref if isinstance(ref, str) else ref.id
    node_id = f"model:{ref_id}"
    if node_id in graph:
        return node_id
    supplier = ref_id.split("/", 1)[0] if "/" in ref_id else None
    country = None
    entity = None
    if supplier:
        try:
            from scanner.licences.knowledge import licensors

            found = licensors().lookup(supplier)
        except Exception:  # the knowledge base is optional here; its own errors surface elsewhere
            found = None
        if found is not None:
            entity, country = found.entity, found.country
    attributes: dict[str, Any] = {"revision": None if isinstance(ref, str) else ref.revision, "fingerprint_reference": True}
    licence = None
    declared = None if isinstance(ref, str) else ref.licence
    if declared:
        attributes["declared_licence"] = declared
        licence = _licence_key(declared)
        if licence is None:
            licence = declared
            attributes["licence_known"] = False
    graph.add_node(
        Node(
            id=node_id,
            kind=NodeKind.MODEL,
            name=ref_id,
            supplier=entity or supplier,
            country=country,
            licence=licence,
            attributes=attributes,
        )
    )
    return node_id


def _licence_key(declared: str) -> str | None:
    """The knowledge-base key of a declared licence, when the knowledge base knows it."""
    try:
        from scanner.licences.knowledge import knowledge

        found = knowledge().lookup(declared)
    except Exception:  # the knowledge base is optional here; its own errors surface elsewhere
        return None
    return found.key if found is not None else None


def _evidence_path(report: WeightReport, tensor: str | None = None) -> str:
    if tensor is not None:
        for fp in report.fingerprints:
            if fp.name == tensor:
                for f in report.files:
                    if PurePosixPath(f).name == fp.file:
                        return f
    return report.files[0] if report.files else "model.safetensors"


def _signal_evidence(report: WeightReport, comp: str, sig: ComponentSignals) -> Evidence:
    pairs = sig.selfdup_pairs[:5]
    return Evidence(
        path=_evidence_path(report),
        key=pairs[0]["a"] if pairs else None,
        excerpt=(
            f"{comp}: layers repeat within the model (max cosine {sig.selfdup_max:.3f} between different "
            "layers; independent layers stay below 0.03): depth up-scaling or copied layers"
        ),
        detail={"selfdup_pairs": pairs},
    )


# -- exact reuse --------------------------------------------------------------------------------
def _exact_reuse(
    graph: ModelGraph, store: ReferenceStore, report: WeightReport, comp_nodes: dict[str, str], exclude: str
) -> None:
    """Hash and row-hash lookups. `exclude` is the target's own id: a model fingerprinted into
    the store is not evidence against itself. Tied copies (same content twice, e.g. an
    embedding saved again as the LM head) count their parameters once."""
    fps = report.fingerprints
    by_name = {fp.name: fp for fp in fps}
    indexed_by_comp: dict[str, list[TensorFingerprint]] = defaultdict(list)
    for fp in fps:
        if fp.indexed:
            indexed_by_comp[fp.component].append(fp)
    hash_hits = store.match_hashes(fps)
    row_hits = store.match_rows(fps)
    grouped: dict[tuple[str, str], ReuseMatch] = {}
    counted: dict[tuple[str, str], set[str | None]] = defaultdict(set)
    for tname, hits in hash_hits.items():
        fp = by_name[tname]
        best: dict[str, tuple[str, str]] = {}
        for ref, rname, kind in hits:
            if ref not in best or (kind == "raw" and best[ref][1] != "raw") or (kind == best[ref][1] and rname == tname):
                best[ref] = (rname, kind)
        for ref, (rname, kind) in best.items():
            if ref == exclude:
                continue
            m = grouped.setdefault((fp.component, ref), _new_match(fp.component, ref, indexed_by_comp))
            m.tensors.append((tname, rname, kind))
            if fp.canon_hash not in counted[(fp.component, ref)]:
                counted[(fp.component, ref)].add(fp.canon_hash)
                m.matched_params += fp.numel
    for tname, refs in row_hits.items():
        fp = by_name[tname]
        n_rows = fp.row_hashes.size if fp.row_hashes is not None else 0
        for ref, count in refs.items():
            if ref == exclude:
                continue
            if any(t == tname for t, _r, _k in grouped.get((fp.component, ref), _empty_match()).tensors):
                continue  # the whole tensor already matched
            if count < max(8, 0.01 * n_rows):
                continue
            m = grouped.setdefault((fp.component, ref), _new_match(fp.component, ref, indexed_by_comp))
            m.row_matches[tname] = count
            m.row_share = max(m.row_share, count / n_rows if n_rows else 0.0)
    for (comp, ref), m in sorted(grouped.items()):
        if not m.tensors:
            # Rows only. Most rows kept (vocabulary expansion, pruning): reuse. A few rows only
            # can be rows never trained since a shared-seed initialisation (unused tokens).
            m.confidence = ROWS_CONFIDENT if m.row_share >= ROWS_MAJORITY else ROWS_FEW_CONFIDENCE
        report.reuse.append(m)
        info = store.reference(ref)
        target = _reference_node(graph, info or ref)
        raw = sum(1 for _t, _r, k in m.tensors if k == "raw")
        canon = len(m.tensors) - raw
        share = m.matched_params / m.component_params if m.component_params else 0.0
        if m.tensors:
            excerpt = (
                f"{comp}: {len(m.tensors)} of {m.indexed_tensors} indexed tensors identical to {ref} "
                f"(raw bytes: {raw}, after bf16 rounding: {canon}; {share:.1%} of the component's indexed parameters)"
            )
        else:
            excerpt = f"{comp}: rows of {len(m.row_matches)} tensors identical to rows of {ref}"
        if m.row_matches:
            excerpt += "; rows found in " + ", ".join(f"{t} ({c} rows)" for t, c in sorted(m.row_matches.items())[:5])
        ev = Evidence(
            path=_evidence_path(report, m.tensors[0][0] if m.tensors else next(iter(m.row_matches))),
            key=m.tensors[0][0] if m.tensors else next(iter(m.row_matches)),
            excerpt=excerpt,
            repo=None,
            detail={
                "reference": ref,
                "tensors": [{"tensor": t, "reference_tensor": r, "match": k} for t, r, k in sorted(m.tensors)],
                "row_matches": dict(sorted(m.row_matches.items())),
            },
        )
        graph.add_edge(
            Edge(
                comp_nodes[comp],
                target,
                Relation.REUSES_WEIGHTS_OF,
                [ev],
                m.confidence,
                {
                    "method": "hash",
                    "component": comp,
                    "matched_tensors": len(m.tensors),
                    "indexed_tensors": m.indexed_tensors,
                    "matched_params": m.matched_params,
                    "param_share": round(share, 4),
                    "raw_matches": raw,
                    "canonical_matches": canon,
                    "row_matches": sum(m.row_matches.values()),
                },
            )
        )
        graph.node(comp_nodes[comp]).attributes["weights_origin"] = "inherited"


def _new_match(comp: str, ref: str, indexed_by_comp: dict[str, list[TensorFingerprint]]) -> ReuseMatch:
    items = indexed_by_comp.get(comp, [])
    return ReuseMatch(comp, ref, [], len(items), 0, sum(fp.numel for fp in items))


def _empty_match() -> ReuseMatch:
    return ReuseMatch("", "", [], 0, 0, 0)


# -- derivation ---------------------------------------------------------------------------------
@dataclass
class _ComponentComparison:
    reference: str
    component: str
    pairs: list[dict[str, Any]] = field(default_factory=list)  # per target matrix
    ffn: list[dict[str, Any]] = field(default_factory=list)  # per target layer
    resid_match: float | None = None
    eligible: int = 0  # target matrices that could be compared
    ref_matrices: int = 0  # matrices of this component in the reference

    def max_abs_cos(self) -> float:
        return max((abs(p["cosine"]) for p in self.pairs), default=0.0)

    def max_ffn(self) -> float:
        return max((f["agreement"] for f in self.ffn), default=0.0)


def _sketch_scores(
    store: ReferenceStore, report: WeightReport
) -> dict[tuple[str, str], dict[str, float]]:
    """Per (reference, component): ranking score (mean best sketch cosine) and the unbiased
    same-slot mean with its z-score (each sketch cosine has sd ~ 1/sqrt(sketch size))."""
    targets = [fp for fp in report.fingerprints if fp.indexed and fp.role in MATRIX_ROLES and fp.sketch is not None and len(fp.shape) >= 2]
    stored: dict[tuple[str, str, tuple[int, ...]], list[StoredTensor]] = defaultdict(list)
    for role in {fp.role for fp in targets}:
        for st in store.tensors(role=role):
            if st.sketch is not None:
                stored[(st.component, st.role, st.shape)].append(st)
    # One matrix of unit sketches per (component, role, shape): a target tensor is scored
    # against every stored tensor of its kind with one matrix-vector product.
    stacked: dict[tuple[str, str, tuple[int, ...]], np.ndarray] = {}
    for key, sts in stored.items():
        m = np.stack([st.sketch.astype(np.float64) for st in sts])  # type: ignore[union-attr]
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        stacked[key] = m / norms
    acc: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: {"best": [], "slot": []})
    for fp in targets:
        key = (fp.component, fp.role, fp.shape)
        sts = stored.get(key, [])
        if not sts:
            continue
        t = fp.sketch.astype(np.float64)  # type: ignore[union-attr]
        tn = float(np.linalg.norm(t))
        cos = stacked[key] @ (t / tn) if tn else np.zeros(len(sts))
        best: dict[str, float] = {}
        for st, c in zip(sts, cos.tolist()):
            if st.ref not in best or abs(c) > abs(best[st.ref]):
                best[st.ref] = c
            if st.name == fp.name:
                acc[(st.ref, fp.component)]["slot"].append(c)
        for ref, c in best.items():
            acc[(ref, fp.component)]["best"].append(c)
    out: dict[tuple[str, str], dict[str, float]] = {}
    k = len(sketch_positions(1 << 30))
    for key, lists in acc.items():
        slot = lists["slot"]
        mean_slot = float(np.mean(slot)) if slot else 0.0
        out[key] = {
            "rank": float(np.mean(np.abs(lists["best"]))) if lists["best"] else 0.0,
            "slot_mean": mean_slot,
            "slot_n": float(len(slot)),
            "slot_z": mean_slot * math.sqrt(k) * math.sqrt(len(slot)) if slot else 0.0,
        }
    return out


def _derivation(
    graph: ModelGraph,
    store: ReferenceStore,
    report: WeightReport,
    comp_nodes: dict[str, str],
    ckpt: Checkpoint,
    source: Any,
    files: list[str],
    opts: WeightOptions,
) -> None:
    target_name = graph.node(report.model_node).name
    refs = {r.id: r for r in store.references() if r.id != target_name}
    if not refs:
        return
    sketch = _sketch_scores(store, report)
    reused_full = {(m.component, m.reference) for m in report.reuse if m.tensors and len(m.tensors) == m.indexed_tensors}
    # Rank references by their best component sketch score; compare fully only the closest ones
    # whose weights are on this machine.
    rank: dict[str, float] = defaultdict(float)
    for (ref, _comp), s in sketch.items():
        rank[ref] = max(rank[ref], s["rank"])
    ordered = sorted(refs, key=lambda r: (-rank.get(r, 0.0), r))
    full: dict[str, dict[str, _ComponentComparison]] = {}
    target_vocab = _load_vocab_from_source(source, files)
    for ref_id in ordered:
        if len(full) >= opts.full_compare_top:
            break
        info = refs[ref_id]
        if not info.local_path:
            continue
        try:
            ref_ckpt = open_checkpoint(info.local_path)
        except SafetensorsError as exc:
            report.issues.append(ScanIssue(info.local_path, f"reference {ref_id} not readable: {exc}", report.model_node))
            continue
        with ref_ckpt:
            full[ref_id] = _compare_full(ckpt, ref_ckpt, report, ref_id, target_vocab, _load_vocab_dir(info.local_path), opts)
    report.references_compared = sorted(set(refs))
    components = sorted(report.signals)
    for comp in components:
        best_sim = 0.0
        for ref_id in ordered:
            cmp = full.get(ref_id, {}).get(comp)
            sk = sketch.get((ref_id, comp))
            if cmp is not None and cmp.pairs:
                best_sim = max(best_sim, cmp.max_abs_cos(), cmp.max_ffn())
                report.similarity_compared.setdefault(comp, []).append(ref_id)
            elif sk is not None and sk["slot_n"]:
                best_sim = max(best_sim, abs(sk["slot_mean"]))
                report.similarity_compared.setdefault(comp, []).append(ref_id)
            if (comp, ref_id) in reused_full:
                continue
            d = _judge(comp, ref_id, cmp, sk, full)
            if d is None:
                continue
            report.derivations.append(d)
            _derivation_edge(graph, report, comp_nodes, d, refs[ref_id])
        report.max_similarity[comp] = round(best_sim, 4)
    _norm_only(graph, report, ckpt, full, refs)


def _compare_full(
    ckpt: Checkpoint,
    ref: Checkpoint,
    report: WeightReport,
    ref_id: str,
    target_vocab: list[str] | None,
    ref_vocab: list[str] | None,
    opts: WeightOptions,
) -> dict[str, _ComponentComparison]:
    ref_roles = {name: classify(name, len(info.shape)) for name, info in ref.tensors.items()}
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, r in ref_roles.items():
        info = ref.tensors[name]
        if r.role in MATRIX_ROLES and len(info.shape) == 2 and info.is_float:
            by_key[(r.component, r.role)].append(name)
    out: dict[str, _ComponentComparison] = {}
    t_rows, r_rows = _token_rows(ckpt, ref, target_vocab, ref_vocab)
    samples: dict[str, np.ndarray] = {}
    for fp in report.fingerprints:
        if fp.role not in MATRIX_ROLES or len(fp.shape) != 2 or fp.numel < MIN_COMPARE_ELEMENTS or fp.constant is not None:
            continue
        if fp.dtype not in ("F32", "F16", "BF16", "F64"):
            continue
        cmp = out.setdefault(fp.component, _ComponentComparison(ref_id, fp.component))
        cmp.eligible += 1
        pair = _best_pair(ckpt, ref, fp, by_key.get((fp.component, fp.role), []), t_rows, r_rows, samples)
        if pair is not None:
            cmp.pairs.append(pair)
    for (comp, _role), names in by_key.items():
        if comp in out:
            out[comp].ref_matrices += sum(1 for n in names if ref.tensors[n].numel >= MIN_COMPARE_ELEMENTS)
    lm = out.get(LANGUAGE_MODEL)
    # Neuron matching is only needed when the same-basis cosine has not already settled it.
    if lm is not None and _component_stats(lm)["flagged_param_share"] < SHARE_DERIVED:
        _ffn_check(ckpt, ref, report, ref_roles, lm, t_rows, r_rows, opts)
    return out


def _token_rows(
    ckpt: Checkpoint, ref: Checkpoint, tv: list[str] | None, rv: list[str] | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Embedding rows of the target and reference that hold the same token (by string when both
    vocabularies are known, else by id over the common range)."""
    if tv and rv:
        ref_index = {tok: i for i, tok in enumerate(rv)}
        pairs = [(i, ref_index[t]) for i, t in enumerate(tv) if t in ref_index]
        if pairs:
            arr = np.array(pairs, dtype=np.int64)
            return arr[:, 0], arr[:, 1]
    return None, None


def _embed_rows_for(fp: TensorFingerprint, ref_shape: tuple[int, ...], t_rows: np.ndarray | None, r_rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if t_rows is not None and r_rows is not None:
        keep = (t_rows < fp.shape[0]) & (r_rows < ref_shape[0])
        return t_rows[keep], r_rows[keep]
    n = min(fp.shape[0], ref_shape[0])
    idx = np.arange(n, dtype=np.int64)
    return idx, idx


def _best_pair(
    ckpt: Checkpoint, ref: Checkpoint, fp: TensorFingerprint, candidates: list[str],
    t_rows: np.ndarray | None, r_rows: np.ndarray | None, samples: dict[str, np.ndarray],
) -> dict[str, Any] | None:
    """The reference tensor of the same role that matches `fp` best (strided samples pick it,
    a full cosine measures it); embeddings and heads are compared over shared-token rows.
    `samples` caches the reference's strided samples across target tensors."""
    vocab_role = fp.role in ("embed", "lm_head")
    usable = [c for c in candidates if ref.tensors[c].shape == fp.shape or (vocab_role and ref.tensors[c].shape[1] == fp.shape[1])]
    if not usable:
        return None
    if vocab_role:
        best: dict[str, Any] | None = None
        for c in usable:
            tr, rr = _embed_rows_for(fp, ref.tensors[c].shape, t_rows, r_rows)
            if len(tr) == 0:
                continue
            identity = len(tr) == fp.shape[0] == ref.tensors[c].shape[0] and np.array_equal(tr, rr) and np.array_equal(tr, np.arange(len(tr)))
            if identity:
                cos = compare.flat_cosine(ckpt, fp.name, ref, c)
            else:
                cos = _rows_cosine(ckpt, fp.name, ref, c, tr, rr)
            n = len(tr) * fp.shape[1]
            cand = {"tensor": fp.name, "reference_tensor": c, "cosine": cos, "z": cos * math.sqrt(n), "numel": n}
            if best is None or abs(cand["cosine"]) > abs(best["cosine"]):
                best = cand
        return best
    if len(usable) == 1:
        choice = usable[0]
    else:
        same = [c for c in usable if c == fp.name]
        sample_t = compare.strided_sample(ckpt, fp.name)
        for c in usable:
            if c not in samples:
                samples[c] = compare.strided_sample(ref, c)
        scored = [(abs(compare.cosine(sample_t, samples[c])), c) for c in usable]
        scored.sort(key=lambda x: (-x[0], x[1]))
        choice = scored[0][1]
        if same and scored[0][0] - next(s for s, c in scored if c == same[0]) < 0.02:
            choice = same[0]
    cos = compare.flat_cosine(ckpt, fp.name, ref, choice)
    return {"tensor": fp.name, "reference_tensor": choice, "cosine": cos, "z": cos * math.sqrt(fp.numel), "numel": fp.numel}


def _rows_cosine(ckpt: Checkpoint, t_name: str, ref: Checkpoint, r_name: str, tr: np.ndarray, rr: np.ndarray, block: int = 4096) -> float:
    dot = na = nb = 0.0
    for s in range(0, len(tr), block):
        x = compare.matrix(ckpt, t_name, tr[s : s + block]).astype(np.float64)
        y = compare.matrix(ref, r_name, rr[s : s + block]).astype(np.float64)
        dot += float(np.sum(x * y))
        na += float(np.sum(x * x))
        nb += float(np.sum(y * y))
    return dot / math.sqrt(na * nb) if na and nb else 0.0


def _ffn_check(
    ckpt: Checkpoint, ref: Checkpoint, report: WeightReport, ref_roles: dict[str, Any],
    lm: _ComponentComparison, t_rows: np.ndarray | None, r_rows: np.ndarray | None, opts: WeightOptions,
) -> None:
    t_embed = next((fp for fp in report.fingerprints if fp.component == LANGUAGE_MODEL and fp.role == "embed"), None)
    r_embed = next((n for n, r in ref_roles.items() if r.component == LANGUAGE_MODEL and r.role == "embed"), None)
    if t_embed is None or r_embed is None:
        return
    tr, rr = _embed_rows_for(t_embed, ref.tensors[r_embed].shape, t_rows, r_rows)
    rmap = compare.residual_map(ckpt, t_embed.name, ref, r_embed, tr, rr)
    if rmap is None:
        return
    lm.resid_match = rmap.match
    if rmap.match < RESID_MATCH_MIN:
        # No embedding column of the target resembles one of the reference (independent models:
        # ~0.05; derived ones, even heavily trained: >= 0.3): there is no shared residual basis
        # to align FFN neurons in, so the neuron test cannot apply.
        return
    t_layers = _ffn_layers({fp.name: (fp.component, fp.role, fp.layer) for fp in report.fingerprints})
    r_layers = _ffn_layers({n: (r.component, r.role, r.layer) for n, r in ref_roles.items()})
    if not t_layers or not r_layers:
        return
    r_keys = sorted(r_layers)
    cache: dict[tuple[str, bool], np.ndarray] = {}
    for li, (t_up, t_down) in sorted(t_layers.items()):
        if len(r_keys) <= 12:
            cands = r_keys
        else:
            centre = li * len(r_keys) / max(1, len(t_layers))
            width = 2  # bounds the cost on deep models; permuted AND re-indexed by > 2 layers is missed
            cands = [k for k in r_keys if abs(k - centre) <= width]
        best: tuple[float, int, compare.FfnAgreement] | None = None
        # The same layer index first: a permuted or lightly changed copy settles it at once.
        ordered_cands = sorted(cands, key=lambda k: (k != li, k))
        for rk in ordered_cands:
            r_up, r_down = r_layers[rk]
            res = compare.ffn_agreement(ckpt, t_up, t_down, ref, r_up, r_down, rmap, max_neurons=min(128, opts.max_neurons), cache=cache)
            if res is not None and (best is None or res.agreement > best[0]):
                best = (res.agreement, rk, res)
            if best is not None and best[0] >= 0.5:
                break
        if best is None:
            continue
        rk = best[1]
        r_up, r_down = r_layers[rk]
        final = compare.ffn_agreement(ckpt, t_up, t_down, ref, r_up, r_down, rmap, max_neurons=opts.max_neurons, cache=cache) or best[2]
        lm.ffn.append({"layer": li, "reference_layer": rk, "agreement": final.agreement, "neurons": final.neurons,
                       "ref_width": final.ref_width, "log10_p": final.log10_p})


def _ffn_layers(roles: dict[str, tuple[str, str, int | None]]) -> dict[int, tuple[str, str]]:
    ups: dict[int, str] = {}
    gates: dict[int, str] = {}
    downs: dict[int, str] = {}
    for name, (comp, role, layer) in roles.items():
        if comp != LANGUAGE_MODEL or layer is None:
            continue
        if role == "up":
            ups[layer] = name
        elif role == "gate":
            gates[layer] = name
        elif role == "down":
            downs[layer] = name
    out: dict[int, tuple[str, str]] = {}
    for layer, down in downs.items():
        up = ups.get(layer) or gates.get(layer)
        if up is not None:
            out[layer] = (up, down)
    return out


def _component_stats(cmp: _ComponentComparison) -> dict[str, Any]:
    pairs = cmp.pairs
    total = sum(p["numel"] for p in pairs)
    flagged = [p for p in pairs if abs(p["cosine"]) >= COS_DERIVED and abs(p["z"]) >= Z_DERIVED]
    weak = [p for p in pairs if abs(p["cosine"]) >= COS_WEAK and abs(p["z"]) >= Z_WEAK]
    coss = [abs(p["cosine"]) for p in pairs]
    return {
        "tensors_compared": len(pairs),
        "median_cosine": round(float(np.median(coss)), 4) if coss else 0.0,
        "max_cosine": round(max(coss), 4) if coss else 0.0,
        "max_z": round(max((abs(p["z"]) for p in pairs), default=0.0), 1),
        "flagged_tensors": len(flagged),
        "flagged_param_share": round(sum(p["numel"] for p in flagged) / total, 4) if total else 0.0,
        "weak_tensors": len(weak),
        # Same architecture: every matrix found its same-named, same-shaped counterpart and the
        # reference has no matrices more (pruning, dropped or added layers make it derived_from).
        "same_names": bool(pairs) and all(p["tensor"] == p["reference_tensor"] for p in pairs)
        and len(pairs) == cmp.eligible == cmp.ref_matrices,
        "min_numel": min((p["numel"] for p in pairs), default=0),
        "flagged": flagged,
    }


def _null_band(comp: str, ref_id: str, full: dict[str, dict[str, _ComponentComparison]], stats: dict[str, Any]) -> dict[str, Any]:
    others = [c for r, comps in full.items() if r != ref_id and (c := comps.get(comp)) is not None and c.pairs]
    if others:
        return {
            "source": "references",
            "references": sorted(c.reference for c in others),
            "max_cosine": round(max(c.max_abs_cos() for c in others), 4),
            "max_ffn_agreement": round(max(c.max_ffn() for c in others), 4),
        }
    n = stats.get("min_numel") or 1
    return {"source": "theoretical", "cosine_sd": round(1 / math.sqrt(n), 5), "note": "no other reference of compatible shape was compared"}


def _judge(
    comp: str, ref_id: str, cmp: _ComponentComparison | None, sk: dict[str, float] | None,
    full: dict[str, dict[str, _ComponentComparison]],
) -> Derivation | None:
    if cmp is not None and cmp.pairs:
        stats = _component_stats(cmp)
        flagged = stats.pop("flagged")
        null = _null_band(comp, ref_id, full, stats)
        strong_ffn = [f for f in cmp.ffn if f["agreement"] >= FFN_DERIVED and f["log10_p"] >= FFN_LOG10P]
        values = dict(stats)
        if cmp.ffn:
            values["ffn_agreement_max"] = round(cmp.max_ffn(), 4)
            values["ffn_layers"] = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in f.items()} for f in cmp.ffn]
        if cmp.resid_match is not None:
            values["residual_match"] = round(cmp.resid_match, 4)
        values["layer_map"] = sorted({(p["tensor"], p["reference_tensor"]) for p in flagged})[:50]
        values["flagged_tensor_names"] = [p["tensor"] for p in flagged][:100]
        if stats["flagged_param_share"] >= SHARE_DERIVED:
            finetune = comp == LANGUAGE_MODEL and stats["same_names"] and stats["median_cosine"] >= FINETUNE_MEDIAN
            return Derivation(comp, ref_id, Relation.FINETUNE_OF if finetune else Relation.DERIVED_FROM,
                              "same_basis_cosine", "strong", 0.95, values, null)
        if strong_ffn:
            return Derivation(comp, ref_id, Relation.DERIVED_FROM, "ffn_agreement", "strong", 0.9, values, null)
        if stats["weak_tensors"]:
            return Derivation(comp, ref_id, Relation.DERIVED_FROM, "same_basis_cosine", "weak", 0.4, values, null)
        return None
    if sk is not None and sk["slot_n"] >= 1:
        values = {"sketch_mean_cosine": round(sk["slot_mean"], 4), "sketch_z": round(sk["slot_z"], 1), "tensors_compared": int(sk["slot_n"])}
        null = {"source": "theoretical", "cosine_sd": round(1 / math.sqrt(len(sketch_positions(1 << 30)) * sk["slot_n"]), 5),
                "note": "reference weights not on this machine: sketch comparison only"}
        if sk["slot_mean"] >= SKETCH_DERIVED and sk["slot_z"] >= SKETCH_Z:
            return Derivation(comp, ref_id, Relation.DERIVED_FROM, "sketch_cosine", "strong", 0.8, values, null)
    return None


def _derivation_edge(graph: ModelGraph, report: WeightReport, comp_nodes: dict[str, str], d: Derivation, info: ReferenceInfo) -> None:
    target = _reference_node(graph, info)
    src = report.model_node if d.component == LANGUAGE_MODEL else comp_nodes[d.component]
    v = d.values
    if d.statistic == "same_basis_cosine":
        what = (f"{v['flagged_tensors']} of {v['tensors_compared']} matrices with same-basis |cos| >= {COS_DERIVED} "
                f"(median {v['median_cosine']}, max {v['max_cosine']}, max z {v['max_z']})")
        if d.strength == "weak":
            what = (f"{v['weak_tensors']} of {v['tensors_compared']} matrices with |cos| between {COS_WEAK} and {COS_DERIVED} "
                    f"(max {v['max_cosine']}, max z {v['max_z']}): inconclusive, needs review")
    elif d.statistic == "ffn_agreement":
        what = (f"FFN neuron matching agrees in up to {v['ffn_agreement_max']:.0%} of neurons (independent models: ~1/width) "
                f"after aligning the residual basis (embedding column match {v.get('residual_match', 0):.2f}); "
                f"same-basis cosine only {v['max_cosine']}: a permuted copy")
    else:
        what = f"sketch mean cosine {v['sketch_mean_cosine']} over {v['tensors_compared']} matrices (z {v['sketch_z']})"
    null = d.null_band
    null_txt = (f"null band from {', '.join(null['references'])}: max |cos| {null['max_cosine']}" if null["source"] == "references"
                else f"theoretical null sd {null['cosine_sd']}")
    ev = Evidence(
        path=_evidence_path(report),
        key=(v.get("flagged_tensor_names") or [None])[0],
        excerpt=f"{d.component}: {what} against {d.reference}; {null_txt}",
        detail={"values": v, "null_band": null},
    )
    graph.add_edge(
        Edge(src, target, d.relation, [ev], d.confidence,
             {"method": "weight-similarity", "statistic": d.statistic, "strength": d.strength,
              "component": d.component, "values": v, "null_band": null})
    )
    if d.strength == "strong":
        node = graph.node(comp_nodes[d.component])
        if node.attributes.get("weights_origin") != "inherited":
            node.attributes["weights_origin"] = "inherited"


def _norm_only(graph: ModelGraph, report: WeightReport, ckpt: Checkpoint, full: dict[str, Any], refs: dict[str, ReferenceInfo]) -> None:
    """Raw cosine of the concatenated norm weights against each fully compared reference: kept for
    information so that reviewers see the number and its trap, never used as evidence."""
    norms = [fp for fp in report.fingerprints if fp.role == "norm" and len(fp.shape) == 1 and not fp.name.endswith("bias")]
    if not norms or not full:
        return
    out: dict[str, float] = {}
    for ref_id in full:
        try:
            ref = open_checkpoint(refs[ref_id].local_path)  # type: ignore[arg-type]
        except SafetensorsError:
            continue
        with ref:
            xs, ys = [], []
            for fp in norms:
                info = ref.tensors.get(fp.name)
                if info is not None and info.shape == fp.shape:
                    xs.append(compare.matrix(ckpt, fp.name).astype(np.float64).ravel())
                    ys.append(compare.matrix(ref, fp.name).astype(np.float64).ravel())
            if xs:
                out[ref_id] = round(compare.cosine(np.concatenate(xs), np.concatenate(ys)), 4)
    if out:
        graph.node(report.model_node).attributes["norm_only_similarity"] = {
            "cosine": out,
            "note": "norm weights look alike in unrelated models (null 0.98-0.99): never evidence of derivation",
        }


def _record_checked(graph: ModelGraph, report: WeightReport, comp_nodes: dict[str, str], store: ReferenceStore | None) -> None:
    matched = {m.component for m in report.reuse} | {d.component for d in report.derivations if d.strength == "strong"}
    own = graph.node(report.model_node).name
    compared = report.references_compared or (
        [r.id for r in store.references() if r.id != own] if store is not None else []
    )
    for comp, node_id in comp_nodes.items():
        if comp in matched:
            continue
        graph.node(node_id).attributes["weights_checked"] = {
            "references_compared": compared,
            "max_similarity": report.max_similarity.get(comp, 0.0),
            "similarity_compared": sorted(report.similarity_compared.get(comp, [])),
            "statistic": "max |same-basis cosine| or FFN agreement (sketch cosine when weights are not local)",
            "note": "no reference matched; absence of a match is not proof of independence" if compared
            else "no reference fingerprints available: nothing was compared",
        }


# -- vocabularies -------------------------------------------------------------------------------
def _vocab_from_tokenizer_json(text: str) -> list[str] | None:
    try:
        data = json.loads(text)
        vocab = data["model"]["vocab"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return None
    if isinstance(vocab, dict):
        out = [""] * (max(vocab.values(), default=-1) + 1)
        for tok, i in vocab.items():
            if isinstance(i, int) and 0 <= i < len(out):
                out[i] = tok
        return out
    if isinstance(vocab, list):
        return [v[0] if isinstance(v, list) and v else str(v) for v in vocab]
    return None


def _load_vocab_from_source(source: Any, files: list[str]) -> list[str] | None:
    try:
        if "tokenizer.json" in files:
            return _vocab_from_tokenizer_json(source.read_text("tokenizer.json"))
        if "vocab.txt" in files:
            return source.read_text("vocab.txt").splitlines()
    except SourceError:
        return None
    return None


def _load_vocab_dir(path: str) -> list[str] | None:
    d = Path(path)
    d = d if d.is_dir() else d.parent
    try:
        if (d / "tokenizer.json").is_file() and (d / "tokenizer.json").stat().st_size < MAX_LOG_BYTES:
            return _vocab_from_tokenizer_json((d / "tokenizer.json").read_text(encoding="utf-8"))
        if (d / "vocab.txt").is_file():
            return (d / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return None


# -- training log ------------------------------------------------------------------------------
def _training_log(
    graph: ModelGraph, source: Any, files: list[str], explicit: str | os.PathLike[str] | None,
    vocab_size: int | None, report: WeightReport, model_id: str,
) -> None:
    candidates: list[tuple[str, str]] = []
    if explicit is not None:
        p = Path(explicit)
        try:
            if p.stat().st_size > MAX_LOG_BYTES:
                report.issues.append(ScanIssue(str(p), f"training log larger than {MAX_LOG_BYTES} bytes, not read", model_id))
            else:
                candidates.append((str(p), p.read_text(encoding="utf-8", errors="replace")))
        except OSError as exc:
            report.issues.append(ScanIssue(str(p), f"training log unreadable: {exc.strerror or exc}", model_id))
    else:
        for path in files:
            if LOG_NAME_RE.search(path):
                try:
                    candidates.append((path, source.read_text(path, limit=MAX_LOG_BYTES)))
                except SourceError as exc:
                    report.issues.append(ScanIssue(path, f"training log unreadable: {exc}", model_id))
    for path, text in candidates:
        try:
            points = parse_log(text, path)
        except TrainingLogError as exc:  # a loss log that cannot be read is a gap, not an absence
            report.issues.append(ScanIssue(path, str(exc), model_id))
            continue
        verdict = judge(points, vocab_size, path)
        report.training_log = verdict
        node = graph.node(model_id)
        node.attributes["training_log"] = verdict.to_dict()
        node.evidence.append(
            Evidence(path=path, line=None, key="loss", excerpt=verdict.reason,
                     detail={"first_loss": verdict.first_loss, "ln_vocab": verdict.ln_vocab, "verdict": verdict.verdict})
        )
        return
