"""Weight provenance end to end on generated checkpoints: each variant comes out as documented
in `scanner.analysers.weights`, and independent pairs give no reuse and no derivation."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

import weights_factory as wf
from scanner.analysers.weights import analyse_weights
from scanner.graph import ModelGraph, Node, NodeKind, Relation
from scanner.sources.local import LocalDirSource
from scanner.weights.fingerprint import fingerprint_checkpoint
from scanner.weights.safetensors_reader import open_checkpoint
from scanner.weights.store import ReferenceStore

BASE = "org/base-a"
OTHER = "org/other-c"
PROVENANCE = {Relation.REUSES_WEIGHTS_OF, Relation.FINETUNE_OF, Relation.DERIVED_FROM}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("weights")
    a = wf.base_model(1)
    wf.save(a, root / "ref-a")
    wf.save(wf.base_model(3), root / "ref-c")
    store = ReferenceStore(root / "refs.sqlite")
    for ref_id, d, licence in ((BASE, "ref-a", "qwen"), (OTHER, "ref-c", "Some Custom Licence")):
        with open_checkpoint(root / d) as ckpt:
            store.add(ref_id, fingerprint_checkpoint(ckpt), local_path=str(root / d), revision="r1", licence=licence)
    # The same references as a shared fingerprint pack: no weights on this machine.
    buf = io.StringIO()
    store.export(buf)
    buf.seek(0)
    sketch_store = ReferenceStore(root / "pack.sqlite")
    sketch_store.import_(buf)
    return {"root": root, "a": a, "store": store, "sketch_store": sketch_store}


def _scan(world: dict, name: str, model: wf.Model, store_key: str = "store", **save_kw) -> tuple[ModelGraph, object]:
    d = world["root"] / name
    if not d.exists():
        wf.save(model, d, **save_kw)
    graph = ModelGraph()
    report = analyse_weights(graph, LocalDirSource(str(d)), world[store_key])
    return graph, report


def _provenance_edges(graph: ModelGraph) -> list:
    return [e for e in graph.edges() if e.relation in PROVENANCE]


@pytest.mark.parametrize("seed", [2, 4])
def test_independent_model_gives_no_reuse_and_no_derivation(world: dict, seed: int) -> None:
    graph, report = _scan(world, f"indep-{seed}", wf.base_model(seed))
    assert _provenance_edges(graph) == []
    for comp in ("language_model", "vision_tower", "projector"):
        checked = graph.node(f"weights:indep-{seed}#{comp}").attributes["weights_checked"]
        assert checked["references_compared"] == [BASE, OTHER]
        assert checked["similarity_compared"] == [BASE, OTHER]
        assert checked["max_similarity"] < 0.05
        assert "not proof" in checked["note"]


def test_bf16_copy_is_exact_reuse_through_the_canonical_hash(world: dict) -> None:
    graph, _ = _scan(world, "a-bf16", wf.converted(world["a"], "BF16"))
    edges = _provenance_edges(graph)
    assert {(e.source, e.relation) for e in edges} == {
        ("weights:a-bf16#language_model", Relation.REUSES_WEIGHTS_OF),
        ("weights:a-bf16#vision_tower", Relation.REUSES_WEIGHTS_OF),
        ("weights:a-bf16#projector", Relation.REUSES_WEIGHTS_OF),
    }
    lm = next(e for e in edges if e.source.endswith("#language_model"))
    assert lm.target == f"model:{BASE}"
    assert lm.attributes["canonical_matches"] == lm.attributes["matched_tensors"] == 30
    assert lm.attributes["raw_matches"] == 0


@pytest.mark.parametrize("eps", [0.001, 0.01, 0.1])
def test_finetune_is_finetune_of_the_base(world: dict, eps: float) -> None:
    graph, report = _scan(world, f"ft-{eps}", wf.finetuned(world["a"], eps))
    edges = _provenance_edges(graph)
    assert not any(e.relation == Relation.REUSES_WEIGHTS_OF for e in edges)
    ft = [e for e in edges if e.relation == Relation.FINETUNE_OF]
    assert len(ft) == 1
    edge = ft[0]
    assert edge.source == f"model:ft-{eps}" and edge.target == f"model:{BASE}"
    assert edge.attributes["method"] == "weight-similarity"
    assert edge.attributes["statistic"] == "same_basis_cosine"
    assert edge.confidence >= 0.9
    assert edge.attributes["values"]["median_cosine"] > 0.9
    null = edge.attributes["null_band"]
    assert null["source"] == "references" and null["references"] == [OTHER]
    assert null["max_cosine"] < 0.05
    # Every edge points at the base, never at the unrelated reference.
    assert {e.target for e in edges} == {f"model:{BASE}"}


def test_byte_copied_vision_tower_is_reuse_with_the_tensor_list(world: dict) -> None:
    """Done-when of the issue: the copied tower yields reuses_weights_of with the tensors."""
    graph, report = _scan(world, "copied-tower", wf.with_component(wf.base_model(5), world["a"]))
    edges = _provenance_edges(graph)
    tower = [e for e in edges if e.source == "weights:copied-tower#vision_tower"]
    assert len(tower) == 1 and tower[0].relation == Relation.REUSES_WEIGHTS_OF
    edge = tower[0]
    assert edge.target == f"model:{BASE}" and edge.confidence >= 0.99
    ev = edge.evidence[0]
    assert ev.excerpt.startswith("vision_tower: 9 of 9 indexed tensors identical to org/base-a")
    listed = {t["tensor"] for t in ev.detail["tensors"]}
    assert "visual.blocks.0.attn.qkv.weight" in listed and len(listed) == 9
    assert graph.node("weights:copied-tower#vision_tower").attributes["weights_origin"] == "inherited"
    ref_node = graph.node(f"model:{BASE}")
    assert ref_node.licence == "qwen" and ref_node.attributes["declared_licence"] == "qwen"
    assert ref_node.attributes["revision"] == "r1"
    # The language model is independent: no edge from it or from the model node.
    assert not [e for e in edges if e.source in ("weights:copied-tower#language_model", "model:copied-tower")]


def test_reinitialised_vision_tower_yields_nothing(world: dict) -> None:
    """Done-when of the issue: the same model with the tower re-initialised has no reuse."""
    graph, _ = _scan(world, "reinit-tower", wf.with_component(wf.base_model(5), wf.base_model(11)))
    assert _provenance_edges(graph) == []


def test_permuted_copy_is_caught_by_neuron_matching(world: dict) -> None:
    graph, _ = _scan(world, "permuted", wf.permuted(wf.finetuned(world["a"], 0.03)))
    derived = [e for e in graph.edges(Relation.DERIVED_FROM) if e.source == "model:permuted"]
    assert len(derived) == 1
    edge = derived[0]
    assert edge.attributes["statistic"] == "ffn_agreement"
    values = edge.attributes["values"]
    assert values["ffn_agreement_max"] > 0.9
    assert values["max_cosine"] < 0.1  # same-basis cosine does not survive the permutation
    assert edge.attributes["null_band"]["max_ffn_agreement"] < 0.05


def test_depth_upscaled_model_is_derived_and_self_similar(world: dict) -> None:
    graph, _ = _scan(world, "dus", wf.depth_upscaled(world["a"]))
    lm_edges = [e for e in _provenance_edges(graph) if e.source == "model:dus"]
    assert [e.relation for e in lm_edges] == [Relation.DERIVED_FROM]
    layer_map = dict(tuple(p) for p in lm_edges[0].attributes["values"]["layer_map"])
    assert layer_map["model.layers.4.mlp.up_proj.weight"] == "model.layers.2.mlp.up_proj.weight"
    signals = graph.node("weights:dus#language_model").attributes["weights_signals"]
    assert signals["duplicated_layers"] and signals["selfdup_max"] > 0.99


def test_pruned_model_is_derived_not_finetuned(world: dict) -> None:
    graph, _ = _scan(world, "pruned", wf.pruned(world["a"]))
    lm = [e for e in _provenance_edges(graph) if e.source == "model:pruned"]
    assert [e.relation for e in lm] == [Relation.DERIVED_FROM]
    assert lm[0].target == f"model:{BASE}" and lm[0].attributes["statistic"] == "same_basis_cosine"


def test_vocabulary_expansion_keeps_rows_that_hash_match(world: dict) -> None:
    graph, _ = _scan(world, "vocab-expanded", wf.vocab_expanded(world["a"]), vocab_size=wf.VOCAB + 200)
    reuse = [e for e in graph.edges(Relation.REUSES_WEIGHTS_OF) if e.source.endswith("#language_model")]
    assert len(reuse) == 1 and reuse[0].confidence == 0.95
    rows = reuse[0].evidence[0].detail["row_matches"]
    assert rows == {"lm_head.weight": wf.VOCAB, "model.embed_tokens.weight": wf.VOCAB}
    assert [e.relation for e in _provenance_edges(graph) if e.source == "model:vocab-expanded"] == [Relation.FINETUNE_OF]


def test_renamed_copied_tower_still_matches(world: dict) -> None:
    model = wf.renamed(wf.with_component(wf.base_model(5), world["a"]))
    graph, _ = _scan(world, "renamed-tower", model)
    edges = _provenance_edges(graph)
    assert [(e.source, e.relation) for e in edges] == [("weights:renamed-tower#vision_tower", Relation.REUSES_WEIGHTS_OF)]
    pairs = {t["tensor"]: t["reference_tensor"] for t in edges[0].evidence[0].detail["tensors"]}
    assert pairs["model.vision_tower.blocks.0.mlp.fc1.weight"] == "visual.blocks.0.mlp.fc1.weight"


def test_reference_free_signals(world: dict) -> None:
    mixed = wf.base_model(6, dtype="BF16")
    mixed.update({n: ("F32", v) for n, (_d, v) in wf.vision_tower(np.random.default_rng(6)).items()})
    graph, report = _scan(world, "signals", mixed)
    vision = graph.node("weights:signals#vision_tower").attributes["weights_signals"]
    lm = graph.node("weights:signals#language_model").attributes["weights_signals"]
    assert vision["dtype"] == "F32" and vision["dtype_differs_from_language_model"]
    assert lm["dtype"] == "BF16" and not lm["duplicated_layers"] and lm["selfdup_max"] < 0.1
    assert lm["norms_eq_1"] == 0.0 and lm["f32_from_bf16"] is None
    assert vision["f32_from_bf16"] == 0.0
    upcast = {n: ("F32", wf.to_bf16_values(v)) for n, (_d, v) in wf.base_model(6).items()}
    g2, _ = _scan(world, "upcast", upcast)
    assert g2.node("weights:upcast#language_model").attributes["weights_signals"]["f32_from_bf16"] == 1.0
    fresh, _ = _scan(world, "fresh", wf.base_model(7, fresh_norms=True))
    assert fresh.node("weights:fresh#language_model").attributes["weights_signals"]["norms_eq_1"] == 1.0
    assert _provenance_edges(fresh) == []


def test_sketches_alone_rank_and_flag_without_reference_weights(world: dict) -> None:
    graph, _ = _scan(world, "ft-sketch", wf.finetuned(world["a"], 0.1), store_key="sketch_store")
    edges = [e for e in _provenance_edges(graph) if e.source == "model:ft-sketch"]
    assert len(edges) == 1 and edges[0].attributes["statistic"] == "sketch_cosine"
    assert edges[0].target == f"model:{BASE}" and 0.5 <= edges[0].confidence < 0.9
    graph, _ = _scan(world, "indep-sketch", wf.base_model(8), store_key="sketch_store")
    assert _provenance_edges(graph) == []


def test_existing_resolver_nodes_are_used(world: dict) -> None:
    d = world["root"] / "copied-tower"
    graph = ModelGraph()
    graph.add_node(Node("model:acme/vlm", NodeKind.MODEL, "acme/vlm", attributes={"is_target": True}))
    graph.add_node(Node("weights:acme/vlm#vision_tower", NodeKind.WEIGHTS, "acme/vlm vision tower", attributes={"component": "vision_tower"}))
    graph.root = "model:acme/vlm"
    analyse_weights(graph, LocalDirSource(str(d)), world["store"])
    reuse = list(graph.edges(Relation.REUSES_WEIGHTS_OF))
    assert {e.source for e in reuse} == {"weights:acme/vlm#vision_tower", "weights:acme/vlm#projector"}
    assert graph.get(f"model:{BASE}") is not None
    assert graph.to_dict()["edges"]  # serialisable


def test_without_store_the_report_says_nothing_was_compared(world: dict) -> None:
    d = world["root"] / "copied-tower"
    graph = ModelGraph()
    analyse_weights(graph, LocalDirSource(str(d)), None)
    checked = graph.node("weights:copied-tower#vision_tower").attributes["weights_checked"]
    assert checked["references_compared"] == [] and "nothing was compared" in checked["note"]


def test_unreadable_weights_and_pickles_become_scan_issues(tmp_path: Path, world: dict) -> None:
    d = wf.save(wf.base_model(12), tmp_path / "broken", shards=2)
    shard = d / "model-00002-of-00002.safetensors"
    shard.write_bytes(shard.read_bytes()[:-1000])
    (d / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    graph = ModelGraph()
    report = analyse_weights(graph, LocalDirSource(str(d)), world["store"])
    problems = {i.path: i.problem for i in report.issues}
    assert "pickle weights not read" in problems["pytorch_model.bin"]
    assert "truncated" in problems["model-00002-of-00002.safetensors"]
    # The readable shard is still fingerprinted.
    assert report.fingerprints and all(fp.file == "model-00001-of-00002.safetensors" for fp in report.fingerprints)
    assert _provenance_edges(graph) == []


def test_training_log_in_the_repo(tmp_path: Path, world: dict) -> None:
    state = {"log_history": [{"step": 10, "loss": 2.31}, {"step": 20, "loss": 2.2}, {"step": 30, "loss": 2.1}]}
    d = wf.save(wf.base_model(13), tmp_path / "logged", extra_files={"trainer_state.json": json.dumps(state)})
    graph = ModelGraph()
    report = analyse_weights(graph, LocalDirSource(str(d)), None)
    log = graph.node("model:logged").attributes["training_log"]
    assert log["verdict"] == "from_trained" and log["first_loss"] == 2.31
    assert abs(log["ln_vocab"] - 6.9078) < 1e-3
    assert report.training_log is not None and report.training_log.path == "trainer_state.json"


def test_explicit_training_log_from_scratch(tmp_path: Path, world: dict) -> None:
    log = tmp_path / "loss.csv"
    log.write_text("step,loss\n0,7.05\n1,6.98\n2,6.80\n100,4.1\n")
    graph = ModelGraph()
    analyse_weights(graph, LocalDirSource(str(world["root"] / "ref-a")), None, training_log=log)
    assert graph.node("model:ref-a").attributes["training_log"]["verdict"] == "from_scratch"


def test_a_model_is_not_evidence_against_itself(world: dict) -> None:
    graph = ModelGraph()
    graph.add_node(Node(f"model:{BASE}", NodeKind.MODEL, BASE, attributes={"is_target": True}))
    graph.root = f"model:{BASE}"
    analyse_weights(graph, LocalDirSource(str(world["root"] / "ref-a")), world["store"])
    assert _provenance_edges(graph) == []
    checked = graph.node(f"weights:{BASE}#language_model").attributes["weights_checked"]
    assert checked["references_compared"] == [OTHER]


def test_tied_copies_count_once(world: dict) -> None:
    a = dict(world["a"])
    tied = dict(a)
    tied["lm_head.weight"] = a["model.embed_tokens.weight"]
    d = world["root"] / "tied-ref"
    wf.save(tied, d)
    store = ReferenceStore(world["root"] / "tied.sqlite")
    with open_checkpoint(d) as ckpt:
        store.add("org/tied", fingerprint_checkpoint(ckpt))
    graph, _ = _scan({**world, "tied_store": store}, "tied-copy", tied, store_key="tied_store")
    lm = next(e for e in graph.edges(Relation.REUSES_WEIGHTS_OF) if e.source.endswith("#language_model"))
    assert lm.attributes["matched_tensors"] == lm.attributes["indexed_tensors"]
    assert lm.attributes["matched_params"] == sum(
        v.size for n, (_d, v) in tied.items() if not n.startswith("visual.") and v.size >= 1024
    ) - tied["lm_head.weight"][1].size


def test_remote_headers_fail_cleanly_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as hf_constants

    from scanner.weights.safetensors_reader import SafetensorsError, remote_metadata

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(SafetensorsError, match="cannot read safetensors headers"):
        remote_metadata("Qwen/Qwen2.5-VL-7B-Instruct", "main")


def test_weights_not_on_this_machine_are_a_scan_issue(world: dict) -> None:
    class HeadersOnly(LocalDirSource):
        """A source whose weights are not local (as a Hub scan without downloads)."""

        def local_path(self, path: str) -> str | None:
            return None if path.endswith(".safetensors") else super().local_path(path)

        def safetensors_metadata(self) -> dict:
            return {"model.safetensors": {"a": ("F32", [2]), "b": ("F32", [3])}}

    graph = ModelGraph()
    graph.add_node(Node("model:ref-a", NodeKind.MODEL, "ref-a"))
    graph.add_node(Node("weights:ref-a#vision_tower", NodeKind.WEIGHTS, "ref-a vision tower"))
    graph.root = "model:ref-a"
    report = analyse_weights(graph, HeadersOnly(str(world["root"] / "ref-a")), world["store"])
    assert "nothing was compared" in graph.node("weights:ref-a#vision_tower").attributes["weights_checked"]["note"]
    assert report.fingerprints == []
    assert any("not available locally" in i.problem and "2 tensors" in i.problem for i in report.issues)
    assert _provenance_edges(graph) == []


def test_a_few_shared_rows_need_review_not_a_fail(world: dict) -> None:
    """Rows never trained since a shared-seed initialisation can coincide: 2% of the rows is
    reported for review (confidence below 0.9), not as proven reuse."""
    b = wf.base_model(14)
    name = "model.embed_tokens.weight"
    emb = b[name][1].copy()
    emb[-20:] = world["a"][name][1][-20:]
    b[name] = ("F32", emb)
    graph, _ = _scan(world, "few-rows", b)
    edges = _provenance_edges(graph)
    assert len(edges) == 1 and edges[0].relation == Relation.REUSES_WEIGHTS_OF
    assert edges[0].confidence < 0.9
    assert edges[0].evidence[0].detail["row_matches"] == {name: 20}
