"""SPDX 2.3 documents (JSON `report.spdx.json`, tag-value `report.spdx`) through `spdx-tools`.

Every graph node becomes a package (the model, its weight components, upstream models, datasets,
code, packages) with concluded and declared licences; lineage and containment become SPDX
relationships; findings become REVIEW annotations on the package they concern. Licences off the
SPDX list are `LicenseRef-` ids with an `ExtractedLicensingInfo` that identifies them (name, text
location, restrictive clauses with their sections) without reproducing the text. The document is
validated by spdx-tools before it is written; an invalid document is a `ReporterError`.
"""

from __future__ import annotations

import io
import re

from license_expression import get_spdx_licensing
from spdx_tools.spdx.model import (
    Actor,
    ActorType,
    Annotation,
    AnnotationType,
    CreationInfo,
    Document,
    ExternalPackageRef,
    ExternalPackageRefCategory,
    ExtractedLicensingInfo,
    Package,
    PackagePurpose,
    Relationship,
    RelationshipType,
    SpdxNoAssertion,
)
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.writer.json import json_writer
from spdx_tools.spdx.writer.tagvalue import tagvalue_writer

from scanner.model import ScanResult
from scanner.reporters.bom import created, document_uuid, licence_info, node_name, node_version, plain, purl, short_hash
from scanner.reporters.interface import Reporter, ReporterError, ReportOptions

#: graph relation → (SPDX relationship, reversed?) read as "source <type> target"
RELATIONSHIPS: dict[str, tuple[RelationshipType, bool]] = {
    "finetune_of": (RelationshipType.DESCENDANT_OF, False),
    "adapter_of": (RelationshipType.DESCENDANT_OF, False),
    "merge_of": (RelationshipType.DESCENDANT_OF, False),
    "distilled_from": (RelationshipType.DESCENDANT_OF, False),
    "derived_from": (RelationshipType.DESCENDANT_OF, False),
    "reuses_weights_of": (RelationshipType.DESCENDANT_OF, False),
    "quantized_of": (RelationshipType.VARIANT_OF, False),
    "contains": (RelationshipType.CONTAINS, False),
    "copies_code_from": (RelationshipType.GENERATED_FROM, False),
    "runs_remote_code_of": (RelationshipType.DEPENDS_ON, False),
    "depends_on": (RelationshipType.DEPENDS_ON, False),
    "trained_on": (RelationshipType.GENERATED_FROM, False),
    "evaluated_on": (RelationshipType.TEST_OF, True),  # the dataset is a test of the model
}

_PURPOSE = {
    "model": PackagePurpose.OTHER,
    "weights": PackagePurpose.FILE,
    "tokenizer": PackagePurpose.FILE,
    "code": PackagePurpose.SOURCE,
    "dataset": PackagePurpose.OTHER,
    "package": PackagePurpose.LIBRARY,
}


def spdx_ref(node_id: str) -> str:
    """A stable, valid SPDX element id for a node id (readable prefix + hash against collisions)."""
    body = re.sub(r"[^A-Za-z0-9.-]+", "-", node_id).strip("-.")[:80]
    return f"SPDXRef-{body}-{short_hash(node_id)}"


def build_document(result: ScanResult) -> Document:
    licensing = get_spdx_licensing()
    graph = result.graph or {}
    nodes = sorted((n for n in graph.get("nodes", []) if isinstance(n, dict) and "id" in n), key=lambda n: n["id"])
    when = created(result)
    tool = Actor(ActorType.TOOL, f"sovscan-{result.tool_version}")
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", result.target.ref).strip("-") or "target"
    creation = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"sovscan-{slug}",
        document_namespace=f"https://sovscan.dev/spdxdocs/{slug}-{document_uuid(result, 'spdx2')}",
        creators=[tool],
        created=when,
        creator_comment=plain(
            f"Dependency and licence graph of {result.target.ref} judged with policy {result.policy_id} "
            f"{result.policy_version}: overall {result.verdict.overall}; "
            + ", ".join(f"{c} {o}" for c, o in sorted(result.verdict.criteria.items()))
        ),
    )
    extracted: dict[str, ExtractedLicensingInfo] = {}

    def expression(licence: str | None):  # type: ignore[no-untyped-def]
        if not licence:
            return SpdxNoAssertion()
        info = licence_info(licence)
        if info.spdx_id is None and info.ref not in extracted:
            text = f"Licence {info.name!r} (sovscan key {info.key})."
            if info.url:
                text += f" Text: {info.url}."
            if info.facts_summary:
                text += f" Clauses: {info.facts_summary}."
            text += " The full text is not reproduced here."
            extracted[info.ref] = ExtractedLicensingInfo(
                license_id=info.ref,
                extracted_text=plain(text, 4000),
                license_name=plain(info.name, 300),
                cross_references=[info.url] if info.url.startswith(("http://", "https://")) else [],
                comment="Not on the SPDX licence list; identified by sovscan's licence knowledge base."
                if info.facts_summary
                else "Not on the SPDX licence list and not in sovscan's knowledge base: needs review.",
            )
        return licensing.parse(info.expression_id)

    packages = []
    ids: dict[str, str] = {}
    for node in nodes:
        attrs = node.get("attributes") or {}
        ref = spdx_ref(node["id"])
        ids[node["id"]] = ref
        declared_raw = attrs.get("declared_licence")
        if declared_raw == "other" and attrs.get("licence_name"):
            declared_raw = attrs["licence_name"]
        external = []
        locator = purl(node)
        if locator:
            external.append(ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", locator))
        comment_bits = [f"sovscan node {node['id']} (kind {node.get('kind')})"]
        for key in ("component", "weights_origin", "origin_org", "origin_country", "model_type", "config_key"):
            if attrs.get(key):
                comment_bits.append(f"{key}: {attrs[key]}")
        if node.get("country"):
            comment_bits.append(f"supplier country: {node['country']}")
        if not node.get("resolved", True):
            comment_bits.append("not resolved: known from its id only")
        packages.append(
            Package(
                spdx_id=ref,
                name=plain(node_name(node), 400),
                download_location=SpdxNoAssertion(),
                version=node_version(node),
                supplier=Actor(ActorType.ORGANIZATION, plain(node["supplier"], 200))
                if node.get("supplier")
                else SpdxNoAssertion(),
                files_analyzed=False,
                license_concluded=expression(node.get("licence")),
                license_declared=expression(declared_raw) if declared_raw else expression(node.get("licence")),
                license_comment=None if attrs.get("licence_known", True) else "Declared licence not identified.",
                copyright_text=SpdxNoAssertion(),
                comment=plain("; ".join(comment_bits)),
                external_references=external,
                primary_package_purpose=_PURPOSE.get(str(node.get("kind")), PackagePurpose.OTHER),
            )
        )
    relationships = []
    root = graph.get("root")
    if root in ids:
        relationships.append(Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, ids[root]))
    for edge in sorted(graph.get("edges", []), key=lambda e: (e["source"], e["target"], e.get("relation", ""))):
        if edge["source"] not in ids or edge["target"] not in ids:
            continue
        relation = str(edge.get("relation"))
        rtype, flipped = RELATIONSHIPS.get(relation, (RelationshipType.OTHER, False))
        a, b = ids[edge["source"]], ids[edge["target"]]
        if flipped:
            a, b = b, a
        relationships.append(
            Relationship(a, rtype, b, comment=f"sovscan relation {relation}, confidence {edge.get('confidence', 1.0)}")
        )
    annotations = []
    for finding in sorted(result.findings, key=lambda f: (f.node, f.rule, f.id)):
        if finding.node not in ids:
            continue
        state = "waived" if finding.waived else str(finding.severity)
        annotations.append(
            Annotation(
                spdx_id=ids[finding.node],
                annotation_type=AnnotationType.REVIEW,
                annotator=tool,
                annotation_date=when,
                annotation_comment=plain(f"[{finding.criterion}/{state}] {finding.rule}: {finding.message}"),
            )
        )
    return Document(
        creation_info=creation,
        packages=packages,
        relationships=relationships,
        annotations=annotations,
        extracted_licensing_info=[extracted[k] for k in sorted(extracted)],
    )


def validate(document: Document) -> None:
    messages = validate_full_spdx_document(document)
    if messages:
        details = "; ".join(m.validation_message for m in messages[:5])
        raise ReporterError(f"SPDX 2.3 document is invalid ({len(messages)} problems): {details}")


class _Spdx2Reporter(Reporter):
    """Build, validate with spdx-tools, then write with one of its writers (validated once)."""

    writer = staticmethod(json_writer.write_document_to_stream)
    trailer = ""

    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        document = build_document(result)
        validate(document)
        out = io.StringIO()
        self.writer(document, out, validate=False)
        return (out.getvalue() + self.trailer).encode("utf-8")


class SpdxJsonReporter(_Spdx2Reporter):
    format = "spdx-json"
    filename = "report.spdx.json"
    writer = staticmethod(json_writer.write_document_to_stream)
    trailer = "\n"


class SpdxTagValueReporter(_Spdx2Reporter):
    format = "spdx"
    filename = "report.spdx"
    writer = staticmethod(tagvalue_writer.write_document_to_stream)
