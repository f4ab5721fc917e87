"""Follow upstream models and datasets recursively: breadth-first, bounded, cycle-safe, parallel.

Why breadth-first: the nearest ancestors matter most, and a depth bound then cuts the least
important part of the tree. Each repository is fetched once per scan (keyed by kind and id;
the commit the Hub resolved is recorded as the node's `revision`), one level's Hub fetches run
in parallel under the Hub's process-wide limit (cache reads are CPU-bound and run in sequence),
and an edge that closes a loop (A → B → A) is added, marked `cycle: true`, and reported as a
scan issue instead of being followed again.
A repository that cannot be fetched stays in the graph as `resolved: false` with the reason
(gated, not found, network fault...) and a scan issue naming it: never a silent gap.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx

from scanner.extractors.card import parse_card
from scanner.extractors.interface import ExtractionError
from scanner.extractors.lineage import LineageClaim, declared_claims, tag_claims
from scanner.graph import Edge, ModelGraph, Node, NodeKind, Relation
from scanner.model import Evidence, ScanIssue
from scanner.resolver.build import add_description, link_upstream
from scanner.resolver.repository import (
    RepoDescription,
    Upstream,
    dataset_node_id,
    describe_repository,
    model_node_id,
    unresolved_node,
)
from scanner.sources.interface import Source, SourceError

DEFAULT_DEPTH = 8

#: progress callback: (event, repo id) with event in {"fetch", "done", "failed"}
Progress = Callable[[str, str], None]


@dataclass
class Fetched:
    """The outcome of reading one upstream repository (made in a worker thread)."""

    repo_id: str
    kind: NodeKind
    description: RepoDescription | None = None
    source_kind: str | None = None
    revision: str | None = None
    fallback: str | None = None
    error: SourceError | None = None
    hub_info: dict[str, Any] | None = None
    upstreams: list[Upstream] = field(default_factory=list)


def claims_to_upstreams(claims: list[LineageClaim], from_node: str) -> list[Upstream]:
    """Lineage claims as resolver upstreams (models only; datasets come from the card)."""
    return [Upstream(c.upstream_id, NodeKind.MODEL, c.relation, from_node, c.confidence, c.all_evidence) for c in claims]


def describe_dataset(source: Source, repo_id: str) -> RepoDescription:
    """A dataset repository: its node (declared licence, revision) and its source datasets."""
    node_id = dataset_node_id(repo_id)
    desc = RepoDescription(node_id=node_id)
    names = {f.path for f in source.list_files()}
    org = repo_id.split("/", 1)[0] if "/" in repo_id else None
    node = Node(id=node_id, kind=NodeKind.DATASET, name=repo_id, supplier=org, resolved=True,
                attributes={"is_target": False, "revision": source.revision, "source": source.kind})
    if "README.md" in names:
        try:
            card = parse_card(source.read_text("README.md"), "README.md")
        except (ExtractionError, SourceError) as exc:
            desc.issues.append(ScanIssue(path="README.md", problem=f"dataset card unreadable: {exc}", node=node_id))
            card = None
        if card is not None:
            desc.card = card
            node.attributes.update({"declared_licence": card.license, "licence_name": card.license_name,
                                    "licence_link": card.license_link, "tags": card.tags})
            from scanner.analysers.licences import annotate_licences

            desc.issues.extend(annotate_licences(node, source, card))
            node.evidence.extend(card.evidence[k] for k in ("license", "license_name", "license_link") if k in card.evidence)
            sources = card.raw.get("source_datasets") if isinstance(card.raw, dict) else None
            for ds in sources if isinstance(sources, list) else []:
                if isinstance(ds, str) and "/" in ds and ds != repo_id:
                    ev = Evidence(path="README.md", key="source_datasets", excerpt=ds)
                    desc.upstreams.append(Upstream(ds, NodeKind.DATASET, Relation.DEPENDS_ON, node_id, 0.9, (ev,)))
    desc.nodes.append(node)
    return desc


def _open(repo_id: str, kind: NodeKind, offline: bool | None) -> Source:
    from scanner.sources.open import open_hub

    return open_hub(repo_id, offline=offline, repo_type="dataset" if kind == NodeKind.DATASET else "model")


def fetch_repository(repo_id: str, kind: NodeKind, offline: bool | None) -> Fetched:
    """Open and describe one upstream repository; any failure is returned, not raised."""
    out = Fetched(repo_id=repo_id, kind=kind)
    try:
        source = _open(repo_id, kind, offline)
        if kind == NodeKind.DATASET:
            desc = describe_dataset(source, repo_id)
        else:
            desc = describe_repository(source, repo_id, is_target=False)
    except SourceError as exc:
        out.error = exc
        out.hub_info = getattr(exc, "info", None)
        if out.hub_info:
            out.upstreams = _upstreams_from_info(out.hub_info, repo_id, kind)
        return out
    except Exception as exc:  # a bug or unexpected data in one upstream must not end the scan
        out.error = SourceError(f"{repo_id}: unexpected {type(exc).__name__}: {exc}")
        return out
    out.description = desc
    out.source_kind = source.kind
    out.revision = source.revision
    out.fallback = getattr(source, "fallback_reason", None)
    out.hub_info = getattr(source, "hub_info", None)
    out.upstreams = list(desc.upstreams)
    return out


def _upstreams_from_info(info: dict[str, Any], repo_id: str, kind: NodeKind) -> list[Upstream]:
    """What a gated repository's public description still says about its own bases."""
    if kind != NodeKind.MODEL:
        return []
    card = info.get("cardData") if isinstance(info.get("cardData"), dict) else {}
    bases = card.get("base_model")
    bases = [bases] if isinstance(bases, str) else [b for b in bases or [] if isinstance(b, str)]
    siblings = [s.get("rfilename", "") for s in info.get("siblings") or [] if isinstance(s, dict)]
    rel = card.get("base_model_relation") if isinstance(card.get("base_model_relation"), str) else None
    claims = declared_claims(bases, rel, siblings, None,
                             Evidence(path="api/models", key="cardData.base_model", excerpt=", ".join(bases), repo=repo_id))
    claims += tag_claims(info.get("tags") or [], "api/models", key="tags (Hub)")
    node = model_node_id(repo_id)
    return [u for u in claims_to_upstreams(claims, node) if u.repo_id != repo_id]


class UpstreamWalk:
    """The state of one scan's recursion: what was fetched, at which depth, and what failed."""

    def __init__(self, depth: int = DEFAULT_DEPTH, offline: bool | None = None,
                 progress: Progress | None = None, workers: int | None = None) -> None:
        from scanner.sources.hub import HubSettings

        self.depth = max(0, depth)
        self.offline = offline
        self.progress = progress
        self.workers = workers or HubSettings.from_env().concurrency
        self.fetched: dict[tuple[NodeKind, str], Fetched] = {}
        self._lock = threading.Lock()

    def __call__(self, graph: ModelGraph, upstreams: list[Upstream], issues: list[ScanIssue]) -> None:
        level = 1
        frontier = list(upstreams)
        while frontier:
            todo: list[tuple[NodeKind, str]] = []
            resolved = _resolved_ids(graph)
            for up in frontier:
                key = (up.kind, up.repo_id)
                if key not in self.fetched and key not in todo and level <= self.depth and _node_id(up) not in resolved:
                    todo.append(key)
            results = self._fetch_all(todo)
            next_frontier: list[Upstream] = []
            for result in results:
                self.fetched[(result.kind, result.repo_id)] = result
                self._add_result(graph, result, issues)
                next_frontier.extend(result.upstreams)
            for up in frontier:
                self._link(graph, up, level, issues)
            frontier = next_frontier
            level += 1

    # -- fetching ---------------------------------------------------------------------------
    def _fetch_all(self, todo: list[tuple[NodeKind, str]]) -> list[Fetched]:
        if not todo:
            return []

        def one(key: tuple[NodeKind, str]) -> Fetched:
            kind, repo_id = key
            if self.progress:
                self.progress("fetch", repo_id)
            result = fetch_repository(repo_id, kind, self.offline)
            if self.progress:
                self.progress("failed" if result.error else "done", repo_id)
            return result

        from scanner.sources.hub import is_offline

        if len(todo) == 1 or self.offline or (self.offline is None and is_offline()):
            # Cache reads are CPU-bound parsing: threads only add lock contention (the GIL).
            return [one(key) for key in todo]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo)), thread_name_prefix="sovscan-fetch") as pool:
            return list(pool.map(one, todo))  # map keeps the order: the graph is deterministic

    # -- merging into the graph ------------------------------------------------------------
    def _add_result(self, graph: ModelGraph, result: Fetched, issues: list[ScanIssue]) -> None:
        node_id = model_node_id(result.repo_id) if result.kind == NodeKind.MODEL else dataset_node_id(result.repo_id)
        if result.description is not None:
            add_description(graph, result.description)
            node = graph.node(node_id)
            node.resolved = True
            node.attributes["revision"] = result.revision
            node.attributes["source"] = result.source_kind
            node.attributes.pop("unresolved_reason", None)
            issues.extend(result.description.issues)
            if result.fallback:
                node.attributes["fallback_reason"] = result.fallback
                issues.append(ScanIssue(path=result.repo_id, problem=result.fallback, node=node_id))
            return
        err = result.error
        reason = getattr(err, "reason", "error")
        node = unresolved_node(result.repo_id, result.kind, f"{reason}: {err}")
        node.attributes["fetch_error"] = reason
        info = result.hub_info or {}
        card = info.get("cardData") if isinstance(info.get("cardData"), dict) else {}
        if info:
            node.attributes["gated"] = info.get("gated")
            node.attributes["revision"] = info.get("sha")
            for attr, key in (("declared_licence", "license"), ("licence_name", "license_name"), ("licence_link", "license_link")):
                if isinstance(card.get(key), str):
                    node.attributes[attr] = card[key]
            if isinstance(card.get("license"), str):
                node.evidence.append(Evidence(path="api/models", key="cardData.license", excerpt=card["license"], repo=result.repo_id))
                node.licence, node.attributes["licence_known"] = _declared_key(card)
        graph.add_node(node)
        issues.append(ScanIssue(path=result.repo_id, problem=f"upstream {result.repo_id} not resolved ({reason}): {err}", node=node.id))

    def _link(self, graph: ModelGraph, up: Upstream, level: int, issues: list[ScanIssue]) -> None:
        target = _node_id(up)
        if up.from_node not in graph:
            return
        if target not in graph:
            reason = f"beyond the resolution depth ({self.depth})" if level > self.depth else "not fetched"
            graph.add_node(unresolved_node(up.repo_id, up.kind, reason))
            if level > self.depth:
                graph.node(target).attributes["depth_limited"] = True
        cycle = target == up.from_node or _reaches(graph, target, up.from_node)
        edge = Edge(up.from_node, target, up.relation, list(up.evidence), up.confidence)
        if cycle:
            edge.attributes["cycle"] = True
            path = f"{up.from_node} → {target}"
            issues.append(ScanIssue(path=up.repo_id, problem=f"lineage cycle: {path} closes a loop; not followed again", node=target))
        graph.add_edge(edge)


def _declared_key(card_data: dict[str, Any]) -> tuple[str | None, bool]:
    """The licence a public description declares: its knowledge-base key when known, else the
    raw value (so an unreadable repository still shows what it claims to be under)."""
    from scanner.licences.knowledge import knowledge

    kb = knowledge()
    for key in ("license", "license_name", "license_link"):
        value = card_data.get(key)
        if isinstance(value, str) and value.strip() and value.strip().lower() not in ("other", "unknown", "license"):
            facts = kb.lookup(value)
            if facts is not None:
                return facts.key, True
    raw = card_data.get("license_name") or card_data.get("license")
    return (str(raw) if raw else None), False


def _node_id(up: Upstream) -> str:
    return model_node_id(up.repo_id) if up.kind == NodeKind.MODEL else dataset_node_id(up.repo_id)


def _resolved_ids(graph: ModelGraph) -> set[str]:
    return {n.id for n in graph.nodes() if n.resolved and n.kind in (NodeKind.MODEL, NodeKind.DATASET)}


def _reaches(graph: ModelGraph, start: str, goal: str) -> bool:
    """Whether `goal` is reachable from `start` along existing edges (so start→…→goal→start loops)."""
    if start not in graph or goal not in graph:
        return False
    return nx.has_path(graph.nx, start, goal)


def make_upstream_resolver(depth: int = DEFAULT_DEPTH, offline: bool | None = None, quiet: bool = True,
                           progress: Progress | None = None) -> UpstreamWalk:
    """The resolver `build_graph` calls with the target's upstreams. Progress goes to stderr
    (rich) unless `quiet` or stderr is not a terminal."""
    if progress is None and not quiet:
        from scanner.cli.progress import fetch_progress

        progress = fetch_progress()
    return UpstreamWalk(depth=depth, offline=offline, progress=progress)


__all__ = [
    "DEFAULT_DEPTH",
    "Fetched",
    "UpstreamWalk",
    "claims_to_upstreams",
    "describe_dataset",
    "fetch_repository",
    "make_upstream_resolver",
]
