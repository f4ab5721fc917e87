"""`report.spdx3.jsonld`: SPDX 3.0.1 JSON-LD with the AI and Dataset profiles.

Models and their weight components are `ai_AIPackage`, datasets `dataset_DatasetPackage`, code,
tokenizers and packages `software_Package`. Lineage is `ancestorOf` (from the upstream model to
the derivative), training and evaluation data `trainedOn` / `testedOn`, parts `contains`,
runtime needs `dependsOn`. Every package has exactly one `hasConcludedLicense` and one
`hasDeclaredLicense` relationship (the AI profile's conformance rule); a licence off the SPDX list
is a `LicenseRef-` with its text's location in `simplelicensing_customIdToUri`. Findings are
`review` annotations. Ids are IRIs derived from the document UUID and node ids, so output is
stable. Element ids are written as `@id` (the context maps `spdxId` to it) and the no-assertion
licence as its full IRI: those are the forms both the pinned SPDX 3.0.1 JSON schema and the SPDX
project's Python bindings accept, and the tests check the output with both.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scanner.model import ScanResult
from scanner.reporters.bom import created_iso, document_uuid, licence_info, node_name, node_version, plain, purl, short_hash
from scanner.reporters.interface import Reporter, ReportOptions

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
NO_ASSERTION_LICENCE = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense"

#: graph relation → (SPDX 3 relationship type, True when SPDX reads it upstream → dependent)
RELATIONSHIPS: dict[str, tuple[str, bool]] = {
    "finetune_of": ("ancestorOf", True),
    "adapter_of": ("ancestorOf", True),
    "merge_of": ("ancestorOf", True),
    "distilled_from": ("ancestorOf", True),
    "derived_from": ("ancestorOf", True),
    "reuses_weights_of": ("ancestorOf", True),
    "quantized_of": ("ancestorOf", True),
    "copies_code_from": ("ancestorOf", True),
    "contains": ("contains", False),
    "runs_remote_code_of": ("dependsOn", False),
    "depends_on": ("dependsOn", False),
    "trained_on": ("trainedOn", False),
    "evaluated_on": ("testedOn", False),
}

_PURPOSE = {
    "model": "model",
    "weights": "model",
    "tokenizer": "other",
    "code": "source",
    "dataset": "data",
    "package": "library",
}


class Spdx3Document:
    """Builds the `@graph` of one document; element ids are IRIs under the document's base."""

    def __init__(self, result: ScanResult) -> None:
        self.result = result
        self.base = f"https://sovscan.dev/spdx3/{document_uuid(result, 'spdx3')}"
        self.ci = "_:creationinfo"
        self.graph: list[dict[str, Any]] = []
        self.elements: list[str] = []
        self.suppliers: dict[str, str] = {}
        self.licences: dict[str, str] = {}

    def iri(self, kind: str, key: str) -> str:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-")[:60] or "x"
        return f"{self.base}/{kind}/{slug}-{short_hash(key)}"

    def add(self, element: dict[str, Any]) -> str:
        element.setdefault("creationInfo", self.ci)
        self.graph.append(element)
        if "@id" in element:
            self.elements.append(element["@id"])
        return element.get("@id", "")

    def supplier(self, name: str) -> str:
        if name not in self.suppliers:
            self.suppliers[name] = self.add(
                {"type": "Organization", "@id": self.iri("organization", name), "name": plain(name, 200)}
            )
        return self.suppliers[name]

    def licence(self, licence: str | None) -> str:
        if not licence:
            return NO_ASSERTION_LICENCE
        info = licence_info(licence)
        expression = info.expression_id
        if expression not in self.licences:
            element: dict[str, Any] = {
                "type": "simplelicensing_LicenseExpression",
                "@id": self.iri("licence", expression),
                "simplelicensing_licenseExpression": expression,
            }
            if info.spdx_id is None:
                element["name"] = plain(info.name, 300)
                if info.facts_summary:
                    element["comment"] = plain(f"Clauses: {info.facts_summary}")
                uri = info.url if info.url.startswith(("http://", "https://")) else f"{self.base}/licence-text/{info.ref}"
                element["simplelicensing_customIdToUri"] = [
                    {"type": "DictionaryEntry", "key": info.ref, "value": uri}
                ]
            self.licences[expression] = self.add(element)
        return self.licences[expression]

    def relationship(self, source: str, rtype: str, targets: list[str], comment: str | None = None) -> None:
        key = f"{source}|{rtype}|{'|'.join(targets)}"
        element: dict[str, Any] = {
            "type": "Relationship",
            "@id": self.iri("relationship", key),
            "from": source,
            "relationshipType": rtype,
            "to": targets,
        }
        if comment:
            element["comment"] = comment
        self.add(element)


def build_document(result: ScanResult) -> dict[str, Any]:
    doc = Spdx3Document(result)
    graph = result.graph or {}
    nodes = sorted((n for n in graph.get("nodes", []) if isinstance(n, dict) and "id" in n), key=lambda n: n["id"])
    agent = doc.iri("agent", "sovscan")
    tool = doc.iri("tool", f"sovscan-{result.tool_version}")
    doc.graph.append(
        {
            "type": "CreationInfo",
            "@id": doc.ci,
            "specVersion": SPEC_VERSION,
            "created": created_iso(result),
            "createdBy": [agent],
            "createdUsing": [tool],
        }
    )
    doc.add({"type": "SoftwareAgent", "@id": agent, "name": "sovscan"})
    doc.add({"type": "Tool", "@id": tool, "name": f"sovscan {result.tool_version}"})

    ids: dict[str, str] = {}
    for node in nodes:
        ids[node["id"]] = _package(doc, node)
    for node in nodes:
        attrs = node.get("attributes") or {}
        declared = attrs.get("declared_licence")
        if declared == "other" and attrs.get("licence_name"):
            declared = attrs["licence_name"]
        doc.relationship(ids[node["id"]], "hasConcludedLicense", [doc.licence(node.get("licence"))])
        doc.relationship(ids[node["id"]], "hasDeclaredLicense", [doc.licence(declared or node.get("licence"))])
    for edge in sorted(graph.get("edges", []), key=lambda e: (e["source"], e["target"], e.get("relation", ""))):
        if edge["source"] not in ids or edge["target"] not in ids:
            continue
        relation = str(edge.get("relation"))
        rtype, upstream_first = RELATIONSHIPS.get(relation, ("other", False))
        a, b = ids[edge["source"]], ids[edge["target"]]
        if upstream_first:
            a, b = b, a
        doc.relationship(a, rtype, [b], f"sovscan relation {relation}, confidence {edge.get('confidence', 1.0)}")
    for finding in sorted(result.findings, key=lambda f: (f.node, f.rule, f.id)):
        if finding.node not in ids:
            continue
        state = "waived" if finding.waived else str(finding.severity)
        doc.add(
            {
                "type": "Annotation",
                "@id": doc.iri("annotation", finding.id + "|" + finding.node),
                "annotationType": "review",
                "subject": ids[finding.node],
                "statement": plain(f"[{finding.criterion}/{state}] {finding.rule}: {finding.message}"),
            }
        )
    root = graph.get("root")
    roots = [ids[root]] if root in ids else []
    verdict = ", ".join(f"{c} {o}" for c, o in sorted(result.verdict.criteria.items()))
    doc_id = doc.iri("document", result.target.ref)
    document = {
        "type": "SpdxDocument",
        "@id": doc_id,
        "creationInfo": doc.ci,
        "name": plain(f"sovscan report for {result.target.ref}", 300),
        "comment": plain(
            f"Judged with policy {result.policy_id} {result.policy_version}: overall {result.verdict.overall}; {verdict}"
        ),
        "profileConformance": ["core", "software", "simpleLicensing", "ai", "dataset"],
        "element": sorted(doc.elements),
        "rootElement": roots,
    }
    doc.graph.append(document)
    return {"@context": CONTEXT, "@graph": doc.graph}


def _package(doc: Spdx3Document, node: dict[str, Any]) -> str:
    attrs = node.get("attributes") or {}
    kind = str(node.get("kind"))
    spdx_type = {"model": "ai_AIPackage", "weights": "ai_AIPackage", "dataset": "dataset_DatasetPackage"}.get(
        kind, "software_Package"
    )
    element: dict[str, Any] = {
        "type": spdx_type,
        "@id": doc.iri(kind, node["id"]),
        "name": plain(node_name(node), 400),
        "software_primaryPurpose": _PURPOSE.get(kind, "other"),
    }
    bits = [f"sovscan node {node['id']}"]
    if node.get("country"):
        bits.append(f"supplier country {node['country']}")
    if not node.get("resolved", True):
        bits.append("not resolved: known from its id only")
    element["comment"] = plain("; ".join(bits))
    version = node_version(node)
    if version:
        element["software_packageVersion"] = plain(version, 200)
    locator = purl(node)
    if locator:
        element["software_packageUrl"] = locator
    if node.get("supplier"):
        element["suppliedBy"] = doc.supplier(str(node["supplier"]))
    if spdx_type == "ai_AIPackage":
        types = [str(t) for t in (attrs.get("architectures") or [])]
        if attrs.get("model_type"):
            types.insert(0, str(attrs["model_type"]))
        if types:
            element["ai_typeOfModel"] = [plain(t, 200) for t in types]
        origin = attrs.get("weights_origin")
        if origin or attrs.get("component"):
            element["ai_informationAboutTraining"] = plain(
                f"component {attrs.get('component') or '?'}; weights origin {origin or 'unknown'}"
                + (f"; origin {attrs['origin_org']} ({attrs.get('origin_country') or '?'})" if attrs.get("origin_org") else "")
            )
    if spdx_type == "dataset_DatasetPackage":
        element["dataset_datasetType"] = ["noAssertion"]
    return doc.add(element)


class Spdx3Reporter(Reporter):
    format = "spdx3"
    filename = "report.spdx3.jsonld"

    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        return (json.dumps(build_document(result), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
