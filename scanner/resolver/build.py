"""Build the dependency graph of a scan target from its repository description.

The target is described from its own source; every repository it points at becomes a node.
When an upstream resolver is given (Hub, cache), those repositories are read too, recursively;
otherwise they stay as placeholder nodes (`resolved: false`) carrying what their id tells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from scanner.graph import Edge, ModelGraph, NodeKind
from scanner.model import ScanIssue
from scanner.resolver.repository import RepoDescription, Upstream, describe_repository, placeholder_node
from scanner.sources.interface import Source

#: resolves upstream repositories into the graph (see scanner.resolver.upstream); None = don't fetch
UpstreamResolver = Callable[[ModelGraph, list[Upstream], list[ScanIssue]], None]


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
    """Add the edge to an upstream, creating a placeholder node when it is not in the graph."""
    node_id = placeholder_node(up.repo_id, up.kind).id
    if node_id not in graph:
        graph.add_node(placeholder_node(up.repo_id, up.kind, reason))
    graph.add_edge(Edge(up.from_node, node_id, up.relation, list(up.evidence), up.confidence))


def build_graph(
    source: Source,
    repo_id: str,
    resolve_upstreams: UpstreamResolver | None = None,
) -> GraphBuild:
    """The graph of `source` (the scan target, named `repo_id`)."""
    desc = describe_repository(source, repo_id, is_target=True)
    graph = ModelGraph()
    graph.root = desc.node_id
    add_description(graph, desc)
    issues = list(desc.issues)
    if resolve_upstreams is not None:
        resolve_upstreams(graph, desc.upstreams, issues)
    else:
        for up in desc.upstreams:
            link_upstream(graph, up, "upstream resolution was not requested (offline local scan)")
    return GraphBuild(graph=graph, target=desc, issues=issues)


def unresolved_nodes(graph: ModelGraph) -> list[str]:
    return sorted(n.id for n in graph.nodes() if not n.resolved and n.kind in (NodeKind.MODEL, NodeKind.DATASET))
