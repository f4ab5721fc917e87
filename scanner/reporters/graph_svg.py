"""The dependency graph as an inline SVG that stays readable at 50+ nodes.

Layout: nodes are layered by their distance from the target (breadth-first along the edges, which
point from dependent to dependency); a layer wider than the page wraps into several rows, so the
picture grows downwards instead of shrinking. Labels are truncated; the full id, kind, country,
licence and revision are in each node's `<title>` (a hover tooltip). Fill colour says the
supplier's country, the outline the worst unwaived finding on the node. Every string from the scan
is XML-escaped here, because the result is inserted into the HTML as markup.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from dataclasses import dataclass
from html import escape
from typing import Any, Callable, Iterable

from scanner.graph import WEIGHT_INHERITANCE

WIDTH = 1200
PAD = 16
BOX_W = 178
BOX_H = 46
GAP_X = 14
ROW_GAP = 54
LAYER_HEAD = 22
PER_ROW = max(1, (WIDTH - 2 * PAD + GAP_X) // (BOX_W + GAP_X))
LEGEND_H = 64
#: Characters that fit in a box (bold 12.5px name, 11px meta line), checked in the browser test.
NAME_CHARS = 21
META_CHARS = 27
#: Relation names are written on the edges of graphs up to this many edges (beyond, in tooltips).
EDGE_LABELS_UP_TO = 16

#: The review's home country: its nodes are drawn green; others get a colour per country.
HOME_COUNTRY = "KR"
HOME_FILL = "#cdebd3"
UNKNOWN_FILL = "#e6e6e6"
FOREIGN_FILLS = ("#fbd9b5", "#cfe0fa", "#ead7f7", "#f8cfd6", "#d6f1ef", "#f4ecc0", "#dcdcf7")
OUTLINE = {"fail": ("#c62828", 3.0), "review": ("#e08a00", 3.0), "ok": ("#6b7b86", 1.2)}

_INHERITED = {str(r) for r in WEIGHT_INHERITANCE}


@dataclass(frozen=True)
class Placed:
    id: str
    x: int
    y: int
    layer: int


def layers(nodes: dict[str, dict[str, Any]], edges: list[dict[str, Any]], root: str | None) -> list[list[str]]:
    """Nodes grouped by breadth-first depth from `root`; unreachable nodes form a last layer."""
    out: dict[str, list[str]] = {}
    for edge in edges:
        out.setdefault(edge["source"], []).append(edge["target"])
    for targets in out.values():
        targets.sort()
    depth: dict[str, int] = {}
    if root in nodes:
        depth[root] = 0
        queue = deque([root])
        while queue:
            nid = queue.popleft()
            for nxt in out.get(nid, []):
                if nxt in nodes and nxt not in depth:
                    depth[nxt] = depth[nid] + 1
                    queue.append(nxt)
    result: list[list[str]] = []
    for nid in sorted(depth, key=lambda n: (depth[n], nodes[n].get("kind", ""), n)):
        d = depth[nid]
        while len(result) <= d:
            result.append([])
        result[d].append(nid)
    rest = sorted((n for n in nodes if n not in depth), key=lambda n: (nodes[n].get("kind", ""), n))
    if rest:
        result.append(rest)
    return result


def shown_country(node: dict[str, Any]) -> str:
    """The country a node is drawn in: a weight component not trained by its distributor (taken
    over, or of unknown origin) is drawn in its design's country of origin, so a foreign encoder
    inside a domestic model stands out."""
    attrs = node.get("attributes") or {}
    if node.get("kind") == "weights" and attrs.get("weights_origin") in ("inherited", "unknown") and attrs.get("origin_country"):
        return str(attrs["origin_country"])
    return str(node.get("country") or "")


def country_fills(nodes: Iterable[dict[str, Any]]) -> dict[str, str]:
    """A fixed colour per country present (home country green), deterministic by country code."""
    fills = {HOME_COUNTRY: HOME_FILL}
    foreign = sorted({shown_country(n) for n in nodes if shown_country(n) and shown_country(n) != HOME_COUNTRY})
    for i, code in enumerate(foreign):
        fills[code] = FOREIGN_FILLS[i % len(FOREIGN_FILLS)]
    return fills


def node_status(findings: Iterable[Any]) -> dict[str, str]:
    """Worst unwaived finding severity per node: `fail`, `review` or absent."""
    status: dict[str, str] = {}
    for f in findings:
        if f.waived:
            continue
        sev = str(f.severity)
        if sev == "fail" or (sev == "review" and status.get(f.node) != "fail"):
            status[f.node] = sev
    return status


def truncate(text: str, limit: int, middle: bool = True) -> str:
    """Shorten to `limit` characters; from the middle by default, because ids differ at their
    ends (`org/model-7b` vs `org/model-70b`)."""
    if len(text) <= limit:
        return text
    if not middle:
        return text[: limit - 1] + "…"
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def text_width(text: str, size: float = 11.0) -> float:
    """Rough rendered width: CJK and other wide characters take about a full em, Latin ~0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.62 for ch in text)


def node_label(node: dict[str, Any]) -> str:
    """A weights component is shown by its component name (its model is the box above it)."""
    attrs = node.get("attributes") or {}
    if node.get("kind") == "weights" and attrs.get("component"):
        return str(attrs["component"])
    return str(node.get("name") or node["id"])


def render_svg(
    nodes: dict[str, dict[str, Any]],
    edges: list[dict[str, Any]],
    root: str | None,
    findings: Iterable[Any],
    loc: Any,
) -> str:
    """The whole `<svg>` element as a string (safe to insert into HTML: all text is escaped).

    `loc` is the report's `Localiser` (its gettext and severity labels)."""
    _ = loc.gettext
    findings = list(findings)
    status = node_status(findings)
    fills = country_fills(nodes.values())
    placed: dict[str, Placed] = {}
    heads: list[tuple[int, str]] = []
    y = PAD
    reached = reachable(nodes, edges, root)
    for depth, layer in enumerate(layers(nodes, edges, root)):
        label = _("Depth %(depth)s") % {"depth": depth} if layer[0] in reached else _("Not connected to the target")
        heads.append((y, f"{label} · {len(layer)}"))
        y += LAYER_HEAD
        for start in range(0, len(layer), PER_ROW):
            row = layer[start : start + PER_ROW]
            row_w = len(row) * BOX_W + (len(row) - 1) * GAP_X
            x0 = (WIDTH - row_w) // 2
            for i, nid in enumerate(row):
                placed[nid] = Placed(nid, x0 + i * (BOX_W + GAP_X), y, depth)
            y += BOX_H + ROW_GAP // 2
        y += ROW_GAP // 2
    legend_y = y
    title = _("Dependency graph")
    label_relation, label_confidence = _("Relation"), _("Confidence")
    labels = {
        "kind": _("Kind"),
        "supplier": _("Supplier"),
        "country": _("Country"),
        "licence": _("Licence"),
        "origin": _("Weights origin"),
        "revision": _("Revision"),
        "worst": _("Worst finding"),
    }
    height = y + LEGEND_H + PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="dependency-graph" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" style="max-width:{WIDTH}px" '
        f'aria-label="{escape(title)}">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#56646e"/></marker>'
        '<marker id="arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker>'
        "</defs>",
    ]
    for hy, text in heads:
        parts.append(f'<text x="{PAD}" y="{hy + 14}" class="g-layer">{escape(text)}</text>')
    parts.append('<g class="g-edges">')
    drawn = [e for e in edges if e["source"] in placed and e["target"] in placed]
    edge_labels: list[str] = []
    for edge in sorted(edges, key=lambda e: (e["source"], e["target"], e.get("relation", ""))):
        a, b = placed.get(edge["source"]), placed.get(edge["target"])
        if a is None or b is None:
            continue
        relation = str(edge.get("relation", ""))
        inherited = relation in _INHERITED
        x1, y1 = a.x + BOX_W // 2, a.y + BOX_H
        x2, y2 = b.x + BOX_W // 2, b.y
        if b.y <= a.y:  # same row or pointing back up: leave from the side and loop round
            x1, y1 = a.x + BOX_W, a.y + BOX_H // 2
            x2, y2 = b.x + BOX_W, b.y + BOX_H // 2
            path = f"M{x1},{y1} C{x1 + 60},{y1} {x2 + 60},{y2} {x2 + 2},{y2}"
        else:
            mid = (y1 + y2) // 2
            path = f"M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2 - 2}"
        stroke = "#c62828" if inherited else "#8a98a3"
        dash = ' stroke-dasharray="6 4"' if edge.get("confidence", 1.0) < 0.75 else ""
        marker = "arrow-red" if inherited else "arrow"
        conf = edge.get("confidence", 1.0)
        tip = f"{edge['source']} → {edge['target']}\n{label_relation}: {relation}\n{label_confidence}: {conf}"
        parts.append(
            f'<path d="{path}" fill="none" stroke="{stroke}" stroke-width="{1.8 if inherited else 1.2}"{dash} '
            f'marker-end="url(#{marker})"><title>{escape(tip)}</title></path>'
        )
        if len(drawn) <= EDGE_LABELS_UP_TO and b.y > a.y:  # small graphs: name the relation on the edge
            lx, ly = (x1 + x2) // 2, (y1 + y2) // 2 + 4
            edge_labels.append(f'<text x="{lx}" y="{ly}" class="g-edge" text-anchor="middle">{escape(relation)}</text>')
    parts.append("</g>")
    parts.append('<g class="g-edge-labels">' + "".join(edge_labels) + "</g>")
    parts.append('<g class="g-nodes">')
    for nid in sorted(placed):
        p = placed[nid]
        node = nodes[nid]
        attrs = node.get("attributes") or {}
        country = shown_country(node)
        fill = fills.get(country, UNKNOWN_FILL)
        state = status.get(nid, "ok")
        colour, width = OUTLINE[state]
        dash = "" if node.get("resolved", True) else ' stroke-dasharray="5 3"'
        name = node_label(node)
        kind = str(node.get("kind", ""))
        line2 = " · ".join(x for x in (kind, country or "?", str(node.get("licence") or "—")) if x)
        tip_lines = [
            nid,
            f"{labels['kind']}: {kind}",
            f"{labels['supplier']}: {node.get('supplier') or '?'}",
            f"{labels['country']}: {country or '?'}",
            f"{labels['licence']}: {node.get('licence') or '—'}",
        ]
        if attrs.get("weights_origin"):
            tip_lines.append(f"{labels['origin']}: {attrs['weights_origin']}")
        if attrs.get("revision"):
            tip_lines.append(f"{labels['revision']}: {attrs['revision']}")
        if not node.get("resolved", True):
            tip_lines.append(_("Not resolved: known from its id only"))
        if state != "ok":
            tip_lines.append(f"{labels['worst']}: {loc.severity(state)}")
        target = " g-target" if nid == root else ""
        parts.append(
            f'<g class="g-node{target}" data-node="{escape(nid)}"><title>{escape(chr(10).join(tip_lines))}</title>'
            f'<rect x="{p.x}" y="{p.y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
            f'stroke="{colour}" stroke-width="{width + (1 if nid == root else 0)}"{dash}/>'
            f'<text x="{p.x + 8}" y="{p.y + 19}" class="g-name">{escape(truncate(name, NAME_CHARS))}</text>'
            f'<text x="{p.x + 8}" y="{p.y + 36}" class="g-meta">{escape(truncate(line2, META_CHARS, middle=False))}</text></g>'
        )
    parts.append("</g>")
    parts.append(_legend(legend_y, fills, nodes, _))
    parts.append("</svg>")
    return "".join(parts)


def reachable(nodes: dict[str, dict[str, Any]], edges: list[dict[str, Any]], root: str | None) -> set[str]:
    """Nodes the target reaches along the edges (the target included)."""
    if root not in nodes:
        return set()
    out: dict[str, list[str]] = {}
    for edge in edges:
        out.setdefault(edge["source"], []).append(edge["target"])
    seen = {root}
    stack = [root]
    while stack:
        for nxt in out.get(stack.pop(), []):
            if nxt in nodes and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _legend(y: int, fills: dict[str, str], nodes: dict[str, dict[str, Any]], _: Callable[[str], str]) -> str:
    present = {shown_country(n) for n in nodes.values()}
    items: list[tuple[str, str, str, float]] = []  # (label, fill, stroke, width); dashed when fill is ""
    for code in sorted(fills, key=lambda c: (c != HOME_COUNTRY, c)):
        if code in present:
            items.append((code, fills[code], OUTLINE["ok"][0], 1.2))
    if "" in present:
        items.append((_("Country unknown"), UNKNOWN_FILL, OUTLINE["ok"][0], 1.2))
    items.append((_("Fail finding"), "#ffffff", *OUTLINE["fail"]))
    items.append((_("Needs review"), "#ffffff", *OUTLINE["review"]))
    if any(not n.get("resolved", True) for n in nodes.values()):
        items.append((_("Not resolved"), "", OUTLINE["ok"][0], 1.2))
    legend = _("Legend")
    out = [f'<g class="g-legend"><text x="{PAD}" y="{y + 14}" class="g-layer">{escape(legend)}</text>']
    x, row_y = PAD, y + 24
    for label, fill, stroke, width in items:
        w = 44 + int(text_width(label))
        if x + w > WIDTH - PAD:
            x, row_y = PAD, row_y + 22
        dash = ' stroke-dasharray="5 3"' if not fill else ""
        out.append(
            f'<rect x="{x}" y="{row_y}" width="22" height="14" rx="3" fill="{fill or "#ffffff"}" stroke="{stroke}" '
            f'stroke-width="{width}"{dash}/>'
            f'<text x="{x + 28}" y="{row_y + 12}" class="g-meta">{escape(label)}</text>'
        )
        x += w
    flow = _("Weights flow (inherited)")
    if x + 50 + text_width(flow) > WIDTH - PAD:
        x, row_y = PAD, row_y + 22
    out.append(
        f'<path d="M{x},{row_y + 7} L{x + 34},{row_y + 7}" stroke="#c62828" stroke-width="1.8" marker-end="url(#arrow-red)"/>'
        f'<text x="{x + 42}" y="{row_y + 12}" class="g-meta">{escape(flow)}</text>'
    )
    x += 60 + int(text_width(flow))
    weak = _("Low-confidence link")
    if x + 50 + text_width(weak) > WIDTH - PAD:
        x, row_y = PAD, row_y + 22
    out.append(
        f'<path d="M{x},{row_y + 7} L{x + 34},{row_y + 7}" stroke="#8a98a3" stroke-width="1.2" stroke-dasharray="6 4" '
        f'marker-end="url(#arrow)"/>'
        f'<text x="{x + 42}" y="{row_y + 12}" class="g-meta">{escape(weak)}</text>'
    )
    out.append("</g>")
    return "".join(out)
