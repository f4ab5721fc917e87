"""`report.cdx.json`: a CycloneDX 1.6 ML-BOM through `cyclonedx-python-lib`.

The target is `metadata.component`; every other node is a component (`machine-learning-model` for
models and weight components, `data` for datasets, `library`/`file` otherwise). Lineage goes into
`pedigree.ancestors` (the whole chain of inherited weights, so a reader sees where the weights come
from without following references), every edge into `dependencies`. The library has no model for
`modelCard` and component `data` yet, so those two fields are added to its JSON output, and the
result is checked against the library's own 1.6 JSON schema before it is returned.

Licences: an SPDX id only when it is on the SPDX list; anything else is a named licence, so the
document never carries an id the schema rejects.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import DisjunctiveLicense, LicenseAcknowledgement
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from scanner.graph import WEIGHT_INHERITANCE
from scanner.model import ScanResult
from scanner.reporters.bom import created, document_uuid, licence_info, node_name, node_version, plain, purl
from scanner.reporters.interface import Reporter, ReporterError, ReportOptions

_TYPES = {
    "model": ComponentType.MACHINE_LEARNING_MODEL,
    "weights": ComponentType.MACHINE_LEARNING_MODEL,
    "dataset": ComponentType.DATA,
    "tokenizer": ComponentType.FILE,
    "code": ComponentType.LIBRARY,
    "package": ComponentType.LIBRARY,
}
_LINEAGE = {str(r) for r in WEIGHT_INHERITANCE}


def _licences(node: dict[str, Any]) -> list[DisjunctiveLicense]:
    """The concluded licence (`node.licence`) and, when it differs, the declared one."""
    attrs = node.get("attributes") or {}
    declared = attrs.get("declared_licence")
    if declared == "other" and attrs.get("licence_name"):
        declared = attrs["licence_name"]
    out: list[DisjunctiveLicense] = []
    seen: set[str] = set()
    for value, ack in ((node.get("licence"), LicenseAcknowledgement.CONCLUDED), (declared, LicenseAcknowledgement.DECLARED)):
        if not value:
            continue
        info = licence_info(str(value))
        if info.expression_id in seen:
            continue
        seen.add(info.expression_id)
        if info.spdx_id:
            out.append(DisjunctiveLicense(id=info.spdx_id, acknowledgement=ack))
        else:
            url = XsUri(info.url) if info.url.startswith(("http://", "https://")) else None
            out.append(DisjunctiveLicense(name=plain(info.name or info.key, 300), url=url, acknowledgement=ack))
    return out


def _component(node: dict[str, Any], bom_ref: str) -> Component:
    attrs = node.get("attributes") or {}
    props = [Property(name="sovscan:node", value=node["id"]), Property(name="sovscan:kind", value=str(node.get("kind")))]
    for key in ("component", "weights_origin", "origin_org", "origin_country", "model_type", "config_key"):
        if attrs.get(key):
            props.append(Property(name=f"sovscan:{key}", value=plain(attrs[key], 300)))
    if node.get("country"):
        props.append(Property(name="sovscan:supplier_country", value=str(node["country"])))
    if not node.get("resolved", True):
        props.append(Property(name="sovscan:resolved", value="false"))
    locator = purl(node)
    refs = []
    if node.get("kind") == "code" and str(node["id"]).startswith("code:github.com/"):
        refs.append(ExternalReference(type=ExternalReferenceType.VCS, url=XsUri("https://" + str(node["id"])[5:])))
    return Component(
        name=plain(node_name(node), 400),
        type=_TYPES.get(str(node.get("kind")), ComponentType.LIBRARY),
        bom_ref=bom_ref,
        version=node_version(node),
        supplier=OrganizationalEntity(name=plain(node["supplier"], 200)) if node.get("supplier") else None,
        licenses=_licences(node),
        purl=PackageURL.from_string(locator) if locator else None,
        properties=props,
        external_references=refs,
    )


def build_bom(result: ScanResult) -> tuple[Bom, dict[str, str], dict[str, dict[str, Any]]]:
    graph = result.graph or {}
    nodes = {n["id"]: n for n in graph.get("nodes", []) if isinstance(n, dict) and "id" in n}
    edges = sorted(graph.get("edges", []), key=lambda e: (e["source"], e["target"], e.get("relation", "")))
    refs = {nid: f"node:{nid}" for nid in nodes}
    components = {nid: _component(nodes[nid], refs[nid]) for nid in sorted(nodes)}
    upstream: dict[str, list[str]] = {}
    for edge in edges:
        if edge.get("relation") in _LINEAGE and edge["source"] in nodes and edge["target"] in nodes:
            upstream.setdefault(edge["source"], []).append(edge["target"])
    for nid, comp in components.items():
        chain = _ancestors(nid, upstream)
        if chain:
            comp.pedigree = Pedigree(
                ancestors=[
                    _component(nodes[a], f"ancestor:{nid}:{a}") for a in chain
                ],
                notes="Upstream models whose weights this component inherits (sovscan lineage).",
            )
    root = graph.get("root")
    tool = Component(name="sovscan", type=ComponentType.APPLICATION, version=result.tool_version, bom_ref="tool:sovscan")
    metadata = BomMetaData(
        component=components.get(root) if root in components else None,
        timestamp=created(result),
        properties=[
            Property(name="sovscan:policy", value=f"{result.policy_id} {result.policy_version}"),
            Property(name="sovscan:verdict", value=str(result.verdict.overall)),
        ]
        + [Property(name=f"sovscan:verdict:{c}", value=str(o)) for c, o in sorted(result.verdict.criteria.items())],
    )
    metadata.tools.components.add(tool)
    bom = Bom(
        serial_number=UUID(str(document_uuid(result, "cyclonedx"))),
        metadata=metadata,
        components=[c for nid, c in components.items() if nid != root],
    )
    deps: dict[str, list[str]] = {}
    for edge in edges:
        if edge["source"] in components and edge["target"] in components:
            deps.setdefault(edge["source"], []).append(edge["target"])
    for nid in sorted(components):
        bom.register_dependency(components[nid], [components[t] for t in sorted(set(deps.get(nid, [])))])
    return bom, refs, nodes


def _ancestors(start: str, upstream: dict[str, list[str]]) -> list[str]:
    """Every node reached from `start` through weight-inheritance edges, nearest first."""
    seen: list[str] = []
    frontier = sorted(upstream.get(start, []))
    while frontier:
        nxt = []
        for nid in frontier:
            if nid not in seen and nid != start:
                seen.append(nid)
                nxt.extend(upstream.get(nid, []))
        frontier = sorted(set(nxt))
    return seen


def _model_card(node: dict[str, Any], result: ScanResult, trained: list[str], tested: list[str]) -> dict[str, Any]:
    attrs = node.get("attributes") or {}
    params: dict[str, Any] = {}
    if attrs.get("model_type"):
        params["architectureFamily"] = plain(attrs["model_type"], 200)
    if attrs.get("architectures"):
        params["modelArchitecture"] = plain(", ".join(str(a) for a in attrs["architectures"]), 300)
    if trained:
        params["datasets"] = [{"ref": f"node:{d}"} for d in trained]
    card: dict[str, Any] = {"bom-ref": f"modelcard:{node['id']}"}
    if params:
        card["modelParameters"] = params
    limitations = []
    for f in sorted(result.findings, key=lambda f: (f.rule, f.id)):
        if f.node == node["id"] and not f.waived and str(f.severity) != "info":
            limitations.append(plain(f"[{f.criterion}/{f.severity}] {f.rule}: {f.message}", 1000))
    if limitations:
        card["considerations"] = {"technicalLimitations": limitations}
    props = []
    if attrs.get("weights_origin"):
        props.append({"name": "sovscan:weights_origin", "value": str(attrs["weights_origin"])})
    for d in tested:
        props.append({"name": "sovscan:evaluated_on", "value": d})
    if props:
        card["properties"] = props
    return card


def render_json(result: ScanResult) -> str:
    bom, refs, nodes = build_bom(result)
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    data = json.loads(text)
    graph = result.graph or {}
    trained: dict[str, list[str]] = {}
    tested: dict[str, list[str]] = {}
    for edge in graph.get("edges", []):
        if edge.get("relation") == "trained_on":
            trained.setdefault(edge["source"], []).append(edge["target"])
        elif edge.get("relation") == "evaluated_on":
            tested.setdefault(edge["source"], []).append(edge["target"])

    def enrich(comp: dict[str, Any]) -> None:
        ref = comp.get("bom-ref", "")
        nid = ref[5:] if ref.startswith("node:") else None
        node = nodes.get(nid) if nid else None
        if node is not None and comp.get("type") == "machine-learning-model":
            comp["modelCard"] = _model_card(node, result, sorted(trained.get(nid, [])), sorted(tested.get(nid, [])))
        if node is not None and comp.get("type") == "data":
            comp["data"] = [{"type": "dataset", "name": plain(node_name(node), 400)}]
        for child in comp.get("components", []):
            enrich(child)

    if "component" in data.get("metadata", {}):
        enrich(data["metadata"]["component"])
    for comp in data.get("components", []):
        enrich(comp)
    out = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(out)
    if error is not None:
        raise ReporterError(f"CycloneDX 1.6 document is invalid: {error}")
    return out


class CycloneDxReporter(Reporter):
    format = "cyclonedx"
    filename = "report.cdx.json"

    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        return render_json(result).encode("utf-8")
