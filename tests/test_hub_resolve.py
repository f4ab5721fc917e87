"""Recursive upstream resolution against the loopback Hub: the three-level chain online and then
offline from the cache alone, merges and tag/prose lineage, gated and failing upstreams, cycles,
depth, fetch-once; and `sovscan scan` / `sovscan graph` end to end in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub_fixtures import hub, hub_env, hub_root, run_sovscan  # noqa: F401  (pytest fixtures)
from hub_server import Fault, HubServer
from scanner.graph import NodeKind, Relation
from scanner.resolver.build import build_graph
from scanner.sources.open import open_source

CHAIN = ["acme-test/Qwen3-8B-ko-distill-GPTQ", "acme-test/Qwen3-8B-ko-distill", "Qwen/Qwen3-8B"]


def _sha(root: Path, repo_id: str, dataset: bool = False) -> str:
    base = root / "datasets" / repo_id if dataset else root / repo_id
    return json.loads((base / "_info.json").read_text())["sha"]


def _resolve(target: str, **kw):
    src = open_source(target)
    return build_graph(src, src.repo_id, **kw)


def _comparable(graph) -> dict:
    """The graph without the one attribute that names where it was read from (hub / hf-cache)."""
    data = graph.to_dict()
    for node in data["nodes"]:
        node["attributes"].pop("source", None)
    return data


def _edges(graph, relation=None) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, str(e.relation)) for e in graph.edges() if relation is None or e.relation == relation}


def test_three_level_chain_online_then_offline_identical(hub: HubServer, hub_env: dict, hub_root: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    online = _resolve(CHAIN[0])
    g = online.graph
    assert ("model:" + CHAIN[0], "model:" + CHAIN[1], "quantized_of") in _edges(g)
    assert ("model:" + CHAIN[1], "model:" + CHAIN[2], "finetune_of") in _edges(g)
    assert ("model:" + CHAIN[1], "model:" + CHAIN[2], "distilled_from") in _edges(g)  # from the card's prose
    assert ("model:" + CHAIN[1], "dataset:acme-test/ko-instruct", "trained_on") in _edges(g)
    for repo in CHAIN:
        node = g.node("model:" + repo)
        assert node.resolved and node.attributes["revision"] == _sha(hub_root, repo)
    assert g.node("dataset:acme-test/ko-instruct").attributes["revision"] == _sha(hub_root, "acme-test/ko-instruct", True)
    assert g.node("dataset:acme-test/ko-web-crawl").resolved  # source_datasets of the dataset card
    assert g.node("dataset:acme-test/ko-instruct").attributes["declared_licence"] == "cc-by-4.0"
    assert g.node("dataset:acme-test/ko-instruct").licence is not None
    assert online.issues == []
    for repo in CHAIN:  # each repository's info fetched exactly once in the scan
        assert hub.info_requests(f"{repo}") == 1

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    before = len(hub.requests)
    offline = _resolve(CHAIN[0])
    assert len(hub.requests) == before
    assert _comparable(offline.graph) == _comparable(g)
    assert {n.attributes.get("source") for n in offline.graph.nodes(NodeKind.MODEL)} == {"hf-cache"}
    assert offline.issues == []


def test_merge_card_with_empty_base_model_is_never_independent(hub: HubServer, hub_env: dict) -> None:
    build = _resolve("acme-test/community-merge-7b")
    g = build.graph
    merges = _edges(g, Relation.MERGE_OF)
    assert merges == {("model:acme-test/community-merge-7b", "model:mistralai/Mistral-7B-v0.3", "merge_of"),
                      ("model:acme-test/community-merge-7b", "model:acme-test/mistral-ko-sft", "merge_of")}
    for edge in g.out_edges("model:acme-test/community-merge-7b"):
        if edge.relation == Relation.MERGE_OF:
            assert edge.confidence == pytest.approx(0.9)
            assert any("models--" in (e.excerpt or "") for e in edge.evidence)
    assert ("model:acme-test/mistral-ko-sft", "model:mistralai/Mistral-7B-v0.3", "finetune_of") in _edges(g)
    assert g.node("model:mistralai/Mistral-7B-v0.3").resolved


def test_tags_and_prose_lineage(hub: HubServer, hub_env: dict) -> None:
    g = _resolve("acme-test/solar-ko-legal").graph
    [edge] = [e for e in g.out_edges("model:acme-test/solar-ko-legal") if e.relation != Relation.CONTAINS]
    assert (edge.target, edge.relation) == ("model:upstage/Solar-Open-100B", Relation.FINETUNE_OF)
    assert edge.confidence == pytest.approx(0.9)
    assert {e.key for e in edge.evidence} == {"tags", "card body"}
    assert g.node("model:upstage/Solar-Open-100B").attributes["declared_licence"] == "other"


def test_gated_upstream_stays_unresolved_with_its_public_licence(hub: HubServer, hub_env: dict, hub_root: Path) -> None:
    build = _resolve("acme-test/uses-gated")
    node = build.graph.node("model:acme-gated/secret-base")
    assert not node.resolved
    assert node.attributes["fetch_error"] == "gated"
    assert node.attributes["declared_licence"] == "llama3.1"
    assert node.licence == "llama3.1" and node.attributes["licence_known"] is True
    assert node.attributes["revision"] == _sha(hub_root, "acme-gated/secret-base")
    assert any(i.node == node.id and "gated" in i.problem for i in build.issues)
    # its own declared base (from the public description) is still followed
    assert ("model:acme-gated/secret-base", "model:meta-llama/Llama-3.1-8B", "finetune_of") in _edges(build.graph)


@pytest.mark.parametrize(
    "fault, reason",
    [
        (Fault("status", status=500, path="_info"), "server_error"),
        (Fault("status", status=429, retry_after=0.05, path="_info"), "rate_limited"),
        (Fault("slow", delay=1.2, path="_info"), "timeout"),
        (Fault("truncate", path="_info"), "truncated"),
        (Fault("status", status=401, error_code="RepoNotFound", path="_info"), "unauthorized"),
    ],
)
def test_faulty_upstream_is_unresolved_with_a_scan_issue(hub: HubServer, hub_env: dict, fault: Fault, reason: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if fault.kind == "slow":  # a short timeout keeps the test short; the delay still exceeds it 3-fold
        monkeypatch.setenv("SOVSCAN_HUB_TIMEOUT", "0.4")
    hub.inject(CHAIN[1], fault)
    build = _resolve(CHAIN[0])
    node = build.graph.node("model:" + CHAIN[1])
    assert not node.resolved and node.attributes["fetch_error"] == reason
    assert any(i.node == node.id and reason in i.problem for i in build.issues)
    assert ("model:" + CHAIN[0], "model:" + CHAIN[1], "quantized_of") in _edges(build.graph)


def test_cycle_is_reported_not_looped(hub: HubServer, hub_env: dict) -> None:
    build = _resolve("acme-test/cycle-a")
    back = [e for e in build.graph.edges() if e.source == "model:acme-test/cycle-b" and e.target == "model:acme-test/cycle-a"]
    assert len(back) == 1 and back[0].attributes.get("cycle") is True
    assert any("cycle" in i.problem for i in build.issues)
    assert hub.info_requests("acme-test/cycle-a") == 1 and hub.info_requests("acme-test/cycle-b") == 1


def test_depth_bounds_the_walk(hub: HubServer, hub_env: dict) -> None:
    build = _resolve(CHAIN[0], depth=1)
    base = build.graph.node("model:" + CHAIN[2])
    assert not base.resolved and base.attributes.get("depth_limited") is True
    assert hub.info_requests(f"{CHAIN[2]}") == 0
    assert build.graph.node("model:" + CHAIN[1]).resolved


def test_sovscan_graph_prints_only_the_graph(hub: HubServer, hub_env: dict, tmp_path: Path) -> None:
    done = run_sovscan(["graph", CHAIN[0], "--format", "json"], hub_env, tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["root"] == "model:" + CHAIN[0]
    assert {n["id"] for n in data["nodes"]} >= {"model:" + r for r in CHAIN}
    from scanner.reporters.graph_text import render_graph

    mermaid = render_graph(data, "mermaid")
    assert mermaid.startswith("graph LR") and "quantized_of" in mermaid
    dot = run_sovscan(["graph", CHAIN[0], "--format", "dot", "--quiet"], hub_env, tmp_path)
    assert dot.stdout.startswith("digraph") and "quantized_of" in dot.stdout


def test_sovscan_scan_never_passes_when_an_upstream_cannot_be_read(hub: HubServer, hub_env: dict, tmp_path: Path) -> None:
    hub.inject(CHAIN[1], Fault("status", status=500, path="_info"))
    out = tmp_path / "report"
    done = run_sovscan(["scan", CHAIN[0], "--format", "json", "--output-dir", str(out), "--quiet"], hub_env, tmp_path)
    assert "internal error" not in done.stderr, done.stderr
    assert done.returncode in (1, 3, 4), done.stderr
    if done.returncode != 4:
        report = json.loads((out / "report.json").read_text())
        assert report["target"]["revision"]
        assert any(i.get("node") == "model:" + CHAIN[1] for i in report["scan_issues"])
        node = next(n for n in report["graph"]["nodes"] if n["id"] == "model:" + CHAIN[1])
        assert node["resolved"] is False


def test_sovscan_scan_of_a_missing_hub_target_exits_4(hub: HubServer, hub_env: dict, tmp_path: Path) -> None:
    done = run_sovscan(["scan", "acme-test/does-not-exist", "--output-dir", str(tmp_path / "r"), "--quiet"], hub_env, tmp_path)
    assert done.returncode == 4
    assert "internal error" not in done.stderr, done.stderr
    assert "does-not-exist" in done.stderr


def test_tokenizer_code_remote_code_and_packages(hub: HubServer, hub_env: dict) -> None:
    g = _resolve("acme-test/remote-code-vlm").graph
    remote = [e for e in g.out_edges("model:acme-test/remote-code-vlm") if e.relation == Relation.RUNS_REMOTE_CODE_OF]
    assert [e.target for e in remote] == ["code:acme-org/shared-vlm-code"]
    assert remote[0].attributes["module"] == "modeling_vlm" and remote[0].evidence[0].key == "auto_map.AutoModelForCausalLM"
    code = g.node("code:acme-test/remote-code-vlm")
    assert code.attributes["copyright_holders"] == ["Acme Test Org"] and code.attributes["code_licences"] == ["Apache-2.0"]
    copies = {e.target: e for e in g.out_edges(code.id) if e.relation == Relation.COPIES_CODE_FROM}
    assert set(copies) == {"code:transformers", "code:github.com/vllm-project/vllm"}
    assert copies["code:transformers"].evidence[0].line == 7
    deps = {e.target for e in g.out_edges(code.id) if e.relation == Relation.DEPENDS_ON}
    assert deps == {"package:pypi/torch", "package:pypi/transformers", "package:pypi/qwen-vl-utils"}
    assert g.node("package:pypi/transformers").attributes["specifier"] == "==4.51.0"

    chain = _resolve(CHAIN[0]).graph
    tok = chain.node("tokenizer:acme-test/Qwen3-8B-ko-distill")
    assert tok.attributes["tokenizer_class"] == "Qwen2Tokenizer" and tok.attributes["families"] == ["Qwen"]
    [family] = [e for e in chain.out_edges(tok.id) if e.relation == Relation.DERIVED_FROM]
    assert family.target == "tokenizer:Qwen/Qwen2.5-7B" and family.confidence == pytest.approx(0.3)
    assert not chain.node(family.target).resolved and chain.node(family.target).attributes["reference_only"]
    own = chain.node("tokenizer:Qwen/Qwen3-8B")  # Qwen's own tokenizer: no family claim against itself
    assert own.attributes["families"] == ["Qwen"] and not [e for e in chain.out_edges(own.id) if e.relation == Relation.DERIVED_FROM]


def test_progress_events_and_silence_off_a_terminal(hub: HubServer, hub_env: dict) -> None:
    import io

    from scanner.cli.progress import fetch_progress

    events: list[tuple[str, str]] = []
    src = open_source(CHAIN[0])
    build_graph(src, src.repo_id, progress=lambda event, repo: events.append((event, repo)))
    assert ("fetch", CHAIN[1]) in events and ("done", CHAIN[2]) in events
    assert fetch_progress(io.StringIO()) is None  # not a terminal: no progress at all


def test_sovscan_graph_with_unreadable_upstream_exits_3_and_reports_on_stderr(hub: HubServer, hub_env: dict, tmp_path: Path) -> None:
    hub.inject(CHAIN[2], Fault("status", status=500, path="_info"))
    done = run_sovscan(["graph", CHAIN[0], "--format", "json"], hub_env, tmp_path)
    assert done.returncode == 3
    assert json.loads(done.stdout)["root"] == "model:" + CHAIN[0]  # stdout stays clean JSON
    assert "Qwen/Qwen3-8B" in done.stderr and "server_error" in done.stderr
    quiet = run_sovscan(["graph", CHAIN[0], "--quiet"], hub_env, tmp_path)
    assert quiet.returncode == 3 and quiet.stderr == ""


def test_exaone_gptq_real_front_matter_resolves_to_its_base(hub: HubServer, hub_env: dict, hub_root: Path) -> None:
    build = _resolve("LGAI-EXAONE/EXAONE-4.0-32B-GPTQ")
    g = build.graph
    [edge] = [e for e in g.out_edges("model:LGAI-EXAONE/EXAONE-4.0-32B-GPTQ") if e.relation == Relation.QUANTIZED_OF]
    assert edge.target == "model:LGAI-EXAONE/EXAONE-4.0-32B" and edge.confidence == pytest.approx(0.95)
    assert any(e.key == "base_model" and e.line == 2 for e in edge.evidence)
    assert any(e.key == "tags (Hub)" for e in edge.evidence)  # the Hub's base_model:quantized: tag agrees
    base = g.node("model:LGAI-EXAONE/EXAONE-4.0-32B")
    assert base.resolved and base.attributes["revision"] == _sha(hub_root, "LGAI-EXAONE/EXAONE-4.0-32B")
    assert base.attributes["declared_licence"] == "other" and base.attributes["licence_name"] == "exaone"
    tok = g.node("tokenizer:LGAI-EXAONE/EXAONE-4.0-32B")
    assert tok.attributes["families"] == ["EXAONE"]  # EXAONE's own tokens on EXAONE's own model: no claim
    assert not [e for e in g.out_edges(tok.id) if e.relation == Relation.DERIVED_FROM]
