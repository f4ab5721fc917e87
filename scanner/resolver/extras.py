"""The parts of a repository's graph that come from its tokenizer, its code and its manifests.

Why a separate step: `describe_repository` says what a model *is* from its card, config and
weights; this adds what it *carries*: a `tokenizer:` node (class, vocabulary, special tokens,
and a low-confidence `derived_from` edge to a known family's tokenizer when its signature
tokens are there), a `code:` node for the repository's Python files with `copies_code_from`
edges to the projects they say they copy or adapt, `runs_remote_code_of` edges for `auto_map`
entries in other repositories, and `package:pypi/…` nodes for its requirement files.
Only small files are read (bounded by `MAX_METADATA_BYTES` / `MAX_CODE_BYTES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.extractors.code import MAX_CODE_BYTES, auto_map_claims, code_origins
from scanner.extractors.interface import ExtractionError
from scanner.extractors.packages import PackageRequirement, is_requirements_file, parse_pyproject, parse_requirements
from scanner.extractors.tokenizer import family_matches, read_tokenizer, tokenizer_claims
from scanner.graph import Edge, Node, NodeKind, Relation
from scanner.model import Evidence, ScanIssue
from scanner.sources.interface import MAX_METADATA_BYTES, Source, SourceError

#: At most this many Python files of one repository are read for headers.
MAX_CODE_FILES = 200


@dataclass
class Extras:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    issues: list[ScanIssue] = field(default_factory=list)


def tokenizer_node_id(repo_id: str) -> str:
    return f"tokenizer:{repo_id}"


def code_node_id(ref: str) -> str:
    return f"code:{ref}"


def describe_extras(source: Source, repo_id: str, model_node: str, config: Any = None) -> Extras:
    """Tokenizer, code, remote code and package parts of one repository."""
    out = Extras()
    files = {f.path: f.size for f in source.list_files()}
    _tokenizer(source, repo_id, model_node, out)
    code_id = _code(source, repo_id, model_node, files, out)
    auto_map = getattr(config, "auto_map", None) if config is not None else None
    if auto_map:
        ev = getattr(config, "evidence", {}).get("auto_map")
        for claim in auto_map_claims(auto_map, own_id=repo_id, line=ev.line if ev else None):
            target = code_node_id(claim.repo_id)
            out.nodes.append(Node(id=target, kind=NodeKind.CODE, name=claim.repo_id, supplier=claim.repo_id.split("/")[0],
                                  resolved=False, attributes={"remote_code": True, "unresolved_reason": "remote code not fetched"}))
            out.edges.append(Edge(model_node, target, Relation.RUNS_REMOTE_CODE_OF, [claim.evidence], 0.95,
                                  {"module": claim.module, "class": claim.class_name, "auto_map_key": claim.key}))
    _packages(source, code_id or model_node, files, out)
    return out


def _tokenizer(source: Source, repo_id: str, model_node: str, out: Extras) -> None:
    info, problems = read_tokenizer(source, MAX_METADATA_BYTES)
    node_id = tokenizer_node_id(repo_id)
    for path, problem in problems:
        out.issues.append(ScanIssue(path=path, problem=problem, node=node_id))
    if info is None:
        return
    claims = tokenizer_claims(info, own_org=repo_id.split("/", 1)[0] if "/" in repo_id else None)
    out.nodes.append(Node(
        id=node_id, kind=NodeKind.TOKENIZER, name=f"{repo_id} tokenizer", supplier=repo_id.split("/", 1)[0] if "/" in repo_id else None,
        evidence=[e for e in info.evidence.values()][:4],
        attributes={"tokenizer_class": info.tokenizer_class, "vocab_size": info.vocab_size, "tokenizer_model": info.model_type,
                    "special_tokens": info.special_tokens[:64], "added_token_count": len(info.added_tokens),
                    "chat_template": info.chat_template,
                    "families": [f.family for f in family_matches(info)]},
    ))
    out.edges.append(Edge(model_node, node_id, Relation.CONTAINS, [], 1.0))
    for claim in claims:
        family = claim.evidence.detail.get("family")
        ref = tokenizer_node_id(claim.upstream_id)
        out.nodes.append(Node(id=ref, kind=NodeKind.TOKENIZER, name=f"{family} tokenizer ({claim.upstream_id})",
                              supplier=claim.evidence.detail.get("family_org"), resolved=False,
                              attributes={"reference_only": True, "family": family,
                                          "unresolved_reason": "tokenizer family reference; not fetched"}))
        out.edges.append(Edge(node_id, ref, Relation.DERIVED_FROM, [claim.evidence], claim.confidence,
                              {"basis": "tokenizer signature"}))


def _code(source: Source, repo_id: str, model_node: str, files: dict[str, int], out: Extras) -> str | None:
    py = [p for p in sorted(files) if p.endswith(".py")][:MAX_CODE_FILES]
    if not py:
        return None
    node_id = code_node_id(repo_id)
    holders: list[str] = []
    licences: list[str] = []
    origins = []
    for path in py:
        if files[path] > MAX_CODE_BYTES:
            out.issues.append(ScanIssue(path=path, problem=f"code file larger than {MAX_CODE_BYTES} bytes not read", node=node_id))
            continue
        try:
            text = source.read_text(path, limit=MAX_CODE_BYTES)
        except SourceError as exc:
            out.issues.append(ScanIssue(path=path, problem=f"unreadable: {exc}", node=node_id))
            continue
        for origin in code_origins(text, path):
            origins.append(origin)
            if origin.holder and origin.holder not in holders:
                holders.append(origin.holder)
            if origin.licence and origin.licence not in licences:
                licences.append(origin.licence)
    out.nodes.append(Node(id=node_id, kind=NodeKind.CODE, name=f"{repo_id} code", supplier=repo_id.split("/", 1)[0] if "/" in repo_id else None,
                          evidence=[o.evidence() for o in origins if o.kind in ("copyright", "spdx")][:8],
                          attributes={"files": py, "copyright_holders": holders, "code_licences": licences}))
    out.edges.append(Edge(model_node, node_id, Relation.CONTAINS, [], 1.0))
    by_project: dict[str, list[Evidence]] = {}
    for origin in origins:
        if origin.kind in ("copied_from", "adapted_from") and origin.origin_project:
            by_project.setdefault(origin.origin_project, []).append(origin.evidence())
    for project, evidence in sorted(by_project.items()):
        target = code_node_id(project)
        out.nodes.append(Node(id=target, kind=NodeKind.CODE, name=project, resolved=False,
                              attributes={"unresolved_reason": "origin project named in code comments; not fetched"}))
        out.edges.append(Edge(node_id, target, Relation.COPIES_CODE_FROM, evidence[:10], 0.9,
                              {"statements": len(evidence)}))
    return node_id


def _packages(source: Source, owner: str, files: dict[str, int], out: Extras) -> None:
    for path in sorted(files):
        name = path.rsplit("/", 1)[-1]
        if not (is_requirements_file(path) or name == "pyproject.toml"):
            continue
        try:
            text = source.read_text(path, limit=MAX_METADATA_BYTES)
            reqs, skipped = parse_pyproject(text, path) if name == "pyproject.toml" else parse_requirements(text, path)
        except (SourceError, ExtractionError) as exc:
            out.issues.append(ScanIssue(path=path, problem=f"dependency manifest unreadable: {exc}", node=owner))
            continue
        for line, problem in skipped:
            out.issues.append(ScanIssue(path=f"{path}:{line}", problem=problem, node=owner))
        for req in reqs:
            _package(req, owner, out)


def _package(req: PackageRequirement, owner: str, out: Extras) -> None:
    out.nodes.append(Node(id=req.node_id, kind=NodeKind.PACKAGE, name=req.name, resolved=True,
                          attributes={"ecosystem": "pypi", "specifier": req.specifier, "extras": list(req.extras),
                                      "marker": req.marker, "group": req.group}))
    out.edges.append(Edge(owner, req.node_id, Relation.DEPENDS_ON, [req.evidence()], 1.0, {"group": req.group}))
