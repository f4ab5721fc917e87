"""The dependency graph alone, as text: JSON (the `graph` part of report.json), Graphviz DOT or
Mermaid, for `sovscan graph`. Deterministic: nodes and edges in sorted order."""

from __future__ import annotations

import json
from typing import Any

GRAPH_FORMATS = ("json", "dot", "mermaid")

_DOT_SHAPES = {"model": "box", "weights": "component", "tokenizer": "note", "code": "folder",
               "dataset": "cylinder", "package": "tab"}


def render_graph(graph: dict[str, Any], fmt: str) -> str:
    """`graph` is `ModelGraph.to_dict()`; `fmt` one of GRAPH_FORMATS."""
    if fmt == "json":
        return json.dumps(graph, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "dot":
        return _dot(graph)
    if fmt == "mermaid":
        return _mermaid(graph)
    raise ValueError(f"unknown graph format {fmt!r}; choose from {', '.join(GRAPH_FORMATS)}")


def _label(node: dict[str, Any]) -> str:
    parts = [node["name"], node["kind"]]
    if node.get("licence"):
        parts.append(f"licence: {node['licence']}")
    rev = (node.get("attributes") or {}).get("revision")
    if isinstance(rev, str) and rev:
        parts.append(f"@{rev[:12]}")
    if not node.get("resolved", True):
        parts.append("UNRESOLVED")
    return "\n".join(parts)


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(graph: dict[str, Any]) -> str:
    lines = ["digraph sovscan {", "  rankdir=LR;", "  node [fontname=\"Helvetica\", fontsize=10];"]
    for node in graph["nodes"]:
        attrs = [f"label={_dot_quote(_label(node))}", f"shape={_DOT_SHAPES.get(node['kind'], 'box')}"]
        if not node.get("resolved", True):
            attrs.append("style=dashed")
        if node["id"] == graph.get("root"):
            attrs.append("penwidth=2")
        lines.append(f"  {_dot_quote(node['id'])} [{', '.join(attrs)}];")
    for edge in graph["edges"]:
        label = f"{edge['relation']} {edge['confidence']:.2f}"
        style = ", style=dotted" if (edge.get("attributes") or {}).get("cycle") else ""
        lines.append(f"  {_dot_quote(edge['source'])} -> {_dot_quote(edge['target'])} [label={_dot_quote(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", "<br/>")


def _mermaid(graph: dict[str, Any]) -> str:
    ids = {node["id"]: f"n{i}" for i, node in enumerate(graph["nodes"])}
    lines = ["graph LR"]
    for node in graph["nodes"]:
        open_, close = ("[", "]") if node.get("resolved", True) else ("[/", "/]")
        lines.append(f"  {ids[node['id']]}{open_}\"{_mermaid_text(_label(node))}\"{close}")
    for edge in graph["edges"]:
        if edge["source"] in ids and edge["target"] in ids:
            arrow = "-.->" if (edge.get("attributes") or {}).get("cycle") else "-->"
            lines.append(f"  {ids[edge['source']]} {arrow}|\"{edge['relation']} {edge['confidence']:.2f}\"| {ids[edge['target']]}")
    return "\n".join(lines) + "\n"
