"""Build the dependency graph of a scan target: the resolver's entry point.

The target is described from its own source (`repository.describe_repository`); every
repository it points at is then read too, breadth-first up to `depth` levels
(`upstream.UpstreamWalk`: Hub, or the local cache when offline). What cannot be read stays in
the graph as an unresolved node (`resolved: false`) carrying what its id tells, with a scan issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from scanner.graph import Edge, ModelGraph, NodeKind
from scanner.model import ScanIssue
from scanner.resolver.repository import RepoDescription, Upstream, describe_repository, unresolved_node
from scanner.sources.interface import Source

DEFAULT_DEPTH = 8


@dataclass
class GraphBuild:
    graph: ModelGraph
    target: RepoDescription
    issues: list[ScanIssue] = field(default_factory=list)


def add_description(graph: ModelGraph, desc: RepoDescription) -> None:
    """Merge one repository's nodes and edges into the graph."""
    for node in desc.nodes:
        graph.add_node(node)
    for edge in desc.edges:
        graph.add_edge(edge)


def link_upstream(graph: ModelGraph, up: Upstream, reason: str = "not fetched") -> None:
    """Add the edge to an upstream, creating an unresolved node when it is not in the graph."""
    node_id = unresolved_node(up.repo_id, up.kind).id
    if node_id not in graph:
        graph.add_node(unresolved_node(up.repo_id, up.kind, reason))
    graph.add_edge(Edge(up.from_node, node_id, up.relation, list(up.evidence), up.confidence))


def build_graph(
    source: Source,
    repo_id: str,
    depth: int = DEFAULT_DEPTH,
    offline: bool | None = None,
    quiet: bool = True,
    progress: Callable[[str, str], None] | None = None,
) -> GraphBuild:
    """The graph of `source` (the scan target, named `repo_id`) with its upstreams followed."""
    from scanner.resolver.upstream import make_upstream_resolver  # the walk imports this module

    desc = describe_repository(source, repo_id, is_target=True)
    graph = ModelGraph()
    graph.root = desc.node_id
    add_description(graph, desc)
    issues = list(desc.issues)
    if getattr(source, "fallback_reason", None):
        issues.append(ScanIssue(path=repo_id, problem=source.fallback_reason, node=desc.node_id))
    if depth > 0:
        walk = make_upstream_resolver(depth=depth, offline=offline, quiet=quiet, progress=progress)
        walk(graph, desc.upstreams, issues)
    else:
        for up in desc.upstreams:
            link_upstream(graph, up, "upstream resolution depth is 0")
    return GraphBuild(graph=graph, target=desc, issues=issues)


def unresolved_nodes(graph: ModelGraph) -> list[str]:
    return sorted(n.id for n in graph.nodes() if not n.resolved and n.kind in (NodeKind.MODEL, NodeKind.DATASET))
