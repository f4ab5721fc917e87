"""The dependency graph of a model: typed nodes, typed edges, evidence on both.

A thin layer over `networkx.MultiDiGraph` so that every stage speaks the same node kinds and
edge relations, and so the graph serialises to the `graph` part of `report.json` and back.
Edges point from the dependent to what it depends on (a fine-tune points at its base).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable, Iterator

import networkx as nx

from scanner.model import Evidence


class NodeKind(StrEnum):
    MODEL = "model"
    WEIGHTS = "weights"
    TOKENIZER = "tokenizer"
    CODE = "code"
    DATASET = "dataset"
    PACKAGE = "package"


class Relation(StrEnum):
    FINETUNE_OF = "finetune_of"
    ADAPTER_OF = "adapter_of"
    MERGE_OF = "merge_of"
    QUANTIZED_OF = "quantized_of"
    DISTILLED_FROM = "distilled_from"
    DERIVED_FROM = "derived_from"  # a derivation of unknown kind
    CONTAINS = "contains"
    REUSES_WEIGHTS_OF = "reuses_weights_of"
    COPIES_CODE_FROM = "copies_code_from"
    RUNS_REMOTE_CODE_OF = "runs_remote_code_of"
    TRAINED_ON = "trained_on"
    EVALUATED_ON = "evaluated_on"  # model-index datasets: evaluation only, never training data
    DEPENDS_ON = "depends_on"


#: Relations through which trained weights flow from the target into the upstream node.
WEIGHT_INHERITANCE = frozenset(
    {
        Relation.FINETUNE_OF,
        Relation.ADAPTER_OF,
        Relation.MERGE_OF,
        Relation.QUANTIZED_OF,
        Relation.DISTILLED_FROM,
        Relation.DERIVED_FROM,
        Relation.REUSES_WEIGHTS_OF,
    }
)


@dataclass
class Node:
    """A thing the model consists of or depends on.

    `licence` is the licence that counts for policy (detected from shipped texts when known,
    else declared); `attributes` holds everything kind-specific (declared and detected licence,
    tensor counts, architecture, resolved revision...).
    """

    id: str
    kind: NodeKind
    name: str
    supplier: str | None = None
    country: str | None = None
    licence: str | None = None
    resolved: bool = True
    evidence: list[Evidence] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "name": self.name,
            "supplier": self.supplier,
            "country": self.country,
            "licence": self.licence,
            "resolved": self.resolved,
            "evidence": [e.to_dict() for e in self.evidence],
            "attributes": _jsonable(self.attributes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Node:
        return cls(
            id=data["id"],
            kind=NodeKind(data["kind"]),
            name=data["name"],
            supplier=data.get("supplier"),
            country=data.get("country"),
            licence=data.get("licence"),
            resolved=data.get("resolved", True),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
            attributes=dict(data.get("attributes") or {}),
        )


@dataclass
class Edge:
    """`source` depends on `target` through `relation`; `confidence` is how sure we are (0..1)."""

    source: str
    target: str
    relation: Relation
    evidence: list[Evidence] = field(default_factory=list)
    confidence: float = 1.0
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "relation": str(self.relation),
            "confidence": round(self.confidence, 3),
            "evidence": [e.to_dict() for e in self.evidence],
            "attributes": _jsonable(self.attributes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edge:
        return cls(
            source=data["source"],
            target=data["target"],
            relation=Relation(data["relation"]),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
            confidence=float(data.get("confidence", 1.0)),
            attributes=dict(data.get("attributes") or {}),
        )


class ModelGraph:
    """Nodes and edges of one scan. The target is the root node (`root`)."""

    def __init__(self) -> None:
        self._g = nx.MultiDiGraph()
        self.root: str | None = None

    # -- building -------------------------------------------------------------------------
    def add_node(self, node: Node) -> Node:
        """Add `node`, or merge it into an existing node of the same id (evidence is appended,
        empty fields filled, an unresolved placeholder upgraded when a resolved copy arrives)."""
        if node.id in self._g:
            existing: Node = self._g.nodes[node.id]["node"]
            for ev in node.evidence:
                if ev not in existing.evidence:
                    existing.evidence.append(ev)
            for attr in ("supplier", "country", "licence"):
                if getattr(existing, attr) is None and getattr(node, attr) is not None:
                    setattr(existing, attr, getattr(node, attr))
            if node.resolved and not existing.resolved:
                existing.resolved = True
            for key, value in node.attributes.items():
                existing.attributes.setdefault(key, value)
            return existing
        self._g.add_node(node.id, node=node)
        return node

    def add_edge(self, edge: Edge) -> Edge:
        """Add `edge`; an edge with the same ends and relation is merged (evidence appended,
        the higher confidence kept)."""
        for missing in (edge.source, edge.target):
            if missing not in self._g:
                raise KeyError(f"edge {edge.relation} refers to unknown node {missing!r}")
        for _key, data in self._g.get_edge_data(edge.source, edge.target, default={}).items():
            existing: Edge = data["edge"]
            if existing.relation == edge.relation:
                for ev in edge.evidence:
                    if ev not in existing.evidence:
                        existing.evidence.append(ev)
                existing.confidence = max(existing.confidence, edge.confidence)
                for key, value in edge.attributes.items():
                    existing.attributes.setdefault(key, value)
                return existing
        self._g.add_edge(edge.source, edge.target, key=str(edge.relation), edge=edge)
        return edge

    # -- reading --------------------------------------------------------------------------
    def __contains__(self, node_id: object) -> bool:
        return node_id in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def node(self, node_id: str) -> Node:
        return self._g.nodes[node_id]["node"]

    def get(self, node_id: str) -> Node | None:
        return self._g.nodes[node_id]["node"] if node_id in self._g else None

    def nodes(self, kind: NodeKind | None = None) -> Iterator[Node]:
        for _nid, data in self._g.nodes(data=True):
            node: Node = data["node"]
            if kind is None or node.kind == kind:
                yield node

    def edges(self, relation: Relation | None = None) -> Iterator[Edge]:
        for _s, _t, data in self._g.edges(data=True):
            edge: Edge = data["edge"]
            if relation is None or edge.relation == relation:
                yield edge

    def out_edges(self, node_id: str) -> list[Edge]:
        return [d["edge"] for _s, _t, d in self._g.out_edges(node_id, data=True)]

    def in_edges(self, node_id: str) -> list[Edge]:
        return [d["edge"] for _s, _t, d in self._g.in_edges(node_id, data=True)]

    def paths_from(
        self,
        start: str,
        relations: frozenset[Relation] | set[Relation] | None = None,
        max_hops: int = 8,
        follow: Callable[[Edge], bool] | None = None,
    ) -> dict[str, list[Edge]]:
        """Every node reachable from `start` through edges of `relations` (and accepted by
        `follow`) within `max_hops`, mapped to the shortest edge path that reaches it
        (breadth-first, cycle-safe, the same path on every run)."""
        found: dict[str, list[Edge]] = {start: []}
        frontier = [start]
        for _ in range(max_hops):
            nxt: list[str] = []
            for nid in frontier:
                for edge in sorted(self.out_edges(nid), key=lambda e: (str(e.relation), e.target)):
                    if relations is not None and edge.relation not in relations:
                        continue
                    if follow is not None and not follow(edge):
                        continue
                    if edge.target not in found:
                        found[edge.target] = found[nid] + [edge]
                        nxt.append(edge.target)
            if not nxt:
                break
            frontier = nxt
        found.pop(start)
        return found

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (node attr `node`, edge attr `edge`)."""
        return self._g

    # -- serialising ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        nodes = sorted((n.to_dict() for n in self.nodes()), key=lambda n: n["id"])
        edges = sorted(
            (e.to_dict() for e in self.edges()),
            key=lambda e: (e["source"], e["target"], e["relation"]),
        )
        return {"root": self.root, "nodes": nodes, "edges": edges}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelGraph:
        graph = cls()
        for nd in data.get("nodes", []):
            graph.add_node(Node.from_dict(nd))
        for ed in data.get("edges", []):
            graph.add_edge(Edge.from_dict(ed))
        graph.root = data.get("root")
        return graph


def _jsonable(value: Any) -> Any:
    """Attributes may hold tuples, sets and enums; make them plain JSON values, deterministically."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, StrEnum):
        return str(value)
    return value
