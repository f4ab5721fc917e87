"""Turn one repository (any `Source`) into graph nodes and edges, plus its declared upstreams.

This is the per-repository step of the resolver: it reads the card, the config, the tensor
inventory, the licence files, the tokenizer, code and package manifests through extractors,
and says what the repository *is* (model node, weight components, tokenizer, code, datasets,
packages) and what it *points at* (upstream models from every lineage claim, the checkpoints
its components were taken from). Following those pointers recursively is the job
of `scanner.resolver.upstream`; this module never fetches anything but the given source.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from scanner.analysers.licences import annotate_licences
from scanner.extractors.card import ModelCard, parse_card
from scanner.extractors.config import ModelConfig, parse_config_json
from scanner.extractors.interface import ExtractionError
from scanner.extractors.lineage import lineage_claims
from scanner.extractors.weight_index import TensorInventory, parse_safetensors_index
from scanner.graph import Edge, Node, NodeKind, Relation
from scanner.model import Evidence, ScanIssue
from scanner.resolver.components import Component, split_components
from scanner.resolver.extras import describe_extras
from scanner.resolver.organisations import organisation
from scanner.sources.interface import FileTooLarge, Source, SourceError

_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice|copyright)([-_.][\w.-]*)?$", re.IGNORECASE)
_CARD_TEXT_MAX = 200_000
_WEIGHT_PICKLES = ("*.bin", "*.pt", "*.pth", "*.pkl", "*.ckpt")


@dataclass(frozen=True)
class Upstream:
    """A repository this one points at, with how and how sure."""

    repo_id: str
    kind: NodeKind  # model or dataset
    relation: Relation
    from_node: str
    confidence: float
    evidence: tuple[Evidence, ...]


@dataclass
class RepoDescription:
    node_id: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    upstreams: list[Upstream] = field(default_factory=list)
    issues: list[ScanIssue] = field(default_factory=list)
    card: ModelCard | None = None
    config: ModelConfig | None = None


def model_node_id(repo_id: str) -> str:
    return f"model:{repo_id}"


def dataset_node_id(repo_id: str) -> str:
    return f"dataset:{repo_id}"


def unresolved_node(repo_id: str, kind: NodeKind = NodeKind.MODEL, reason: str = "not fetched") -> Node:
    """A node known only from its id: organisation, and from the licensors table its entity
    and country. `resolved` is False until its repository is read."""
    org = repo_id.split("/", 1)[0] if "/" in repo_id else None
    info = organisation(org) if org else None
    node_id = model_node_id(repo_id) if kind == NodeKind.MODEL else dataset_node_id(repo_id)
    return Node(
        id=node_id,
        kind=kind,
        name=repo_id,
        supplier=org,
        country=info.country if info else None,
        resolved=False,
        attributes={"unresolved_reason": reason, **({"legal_entity": info.entity} if info else {})},
    )


def describe_repository(source: Source, repo_id: str, is_target: bool = False) -> RepoDescription:
    """Read one repository and describe it. Unreadable files become scan issues."""
    node_id = model_node_id(repo_id)
    desc = RepoDescription(node_id=node_id)
    files = source.list_files()
    names = [f.path for f in files]
    for path, problem in getattr(source, "skipped", []):
        desc.issues.append(ScanIssue(path=path, problem=problem, node=node_id))

    card = _read(source, desc, "README.md", parse_card) if "README.md" in names else None
    config = _read(source, desc, "config.json", parse_config_json) if "config.json" in names else None
    desc.card, desc.config = card, config
    inventory = _inventory(source, desc, names)

    org = repo_id.split("/", 1)[0] if "/" in repo_id else None
    info = organisation(org) if org else None
    model = Node(
        id=node_id,
        kind=NodeKind.MODEL,
        name=repo_id,
        supplier=org,
        country=info.country if info else None,
        resolved=True,
        attributes={"is_target": is_target, "revision": source.revision, "source": source.kind},
    )
    if info:
        model.attributes["legal_entity"] = info.entity
    licence_files = [p for p in names if "/" not in p and _LICENCE_FILE.match(p)]
    model.attributes["licence_files"] = licence_files
    notices = [p for p in licence_files if p.lower().startswith("notice")]
    if notices:
        model.attributes["notice_text"] = "\n".join(_text_or_issue(source, desc, p) for p in notices)
    model.attributes["file_count"] = len(files)
    if card is not None:
        _describe_card(model, card, desc)
    else:
        model.attributes["card"] = False
    desc.issues.extend(annotate_licences(model, source, card))
    if config is not None:
        model.attributes["model_type"] = config.model_type
        model.attributes["architectures"] = config.architectures
        if config.vocab_size:
            model.attributes["vocab_size"] = config.vocab_size
        model.evidence.extend(config.evidence[k] for k in ("model_type", "architectures") if k in config.evidence)
    pickles = [p for p in names if any(fnmatch.fnmatch(p.lower(), g) for g in _WEIGHT_PICKLES)]
    safetensors = [p for p in names if p.endswith(".safetensors")]
    model.attributes["weight_files"] = safetensors + pickles
    for path in pickles:
        desc.issues.append(
            ScanIssue(path=path, problem="pickle weight file not read (pickles can execute code); its weights were not checked", node=node_id)
        )
    model.attributes["openness"] = {
        "weights": bool(safetensors or pickles or any(p.endswith(".gguf") for p in names)),
        "code": any(p.endswith(".py") for p in names),
        "data_card": bool(card and card.datasets),
        "training_logs": any(_is_training_log(p) for p in names),
    }
    desc.nodes.append(model)

    for comp in split_components(config, inventory):
        _add_component(desc, model, comp)
    _lineage_upstreams(desc, model, source, card, config, repo_id)
    extras = describe_extras(source, repo_id, desc.node_id, config)
    desc.nodes.extend(extras.nodes)
    desc.edges.extend(extras.edges)
    desc.issues.extend(extras.issues)
    for path, problem in getattr(source, "undecodable", ()):  # text that was read only in part
        desc.issues.append(ScanIssue(path=path, problem=problem, node=node_id))
    return desc


def _lineage_upstreams(desc: RepoDescription, model: Node, source: Source, card: ModelCard | None,
                       config: ModelConfig | None, repo_id: str) -> None:
    """Every lineage claim (declared base model, tags, adapter, GGUF, mergekit, cache paths and ids
    in the card's prose, `_name_or_path`) as an upstream of the model node."""
    have = {(u.repo_id, u.relation) for u in desc.upstreams}
    problems: list[tuple[str, str]] = []
    claims = lineage_claims(source, card, config, problems)
    desc.issues.extend(ScanIssue(path=path, problem=problem, node=desc.node_id) for path, problem in problems)
    for claim in claims:
        if claim.upstream_id.casefold() == repo_id.casefold() or (claim.upstream_id, claim.relation) in have:
            continue
        have.add((claim.upstream_id, claim.relation))
        desc.upstreams.append(
            Upstream(claim.upstream_id, NodeKind.MODEL, claim.relation, model.id, claim.confidence, claim.all_evidence)
        )


def _read(source: Source, desc: RepoDescription, path: str, parser):
    try:
        return parser(source.read_text(path), path)
    except ExtractionError as exc:
        desc.issues.append(ScanIssue(path=path, problem=exc.problem, node=desc.node_id))
    except FileTooLarge as exc:
        desc.issues.append(ScanIssue(path=path, problem=str(exc), node=desc.node_id))
    except SourceError as exc:
        desc.issues.append(ScanIssue(path=path, problem=f"unreadable: {exc}", node=desc.node_id))
    return None


def _text_or_issue(source: Source, desc: RepoDescription, path: str) -> str:
    try:
        return source.read_text(path)
    except SourceError as exc:
        desc.issues.append(ScanIssue(path=path, problem=f"unreadable: {exc}", node=desc.node_id))
        return ""


def _inventory(source: Source, desc: RepoDescription, names: list[str]) -> TensorInventory | None:
    """Tensor names and shapes from the safetensors headers (local files, or header-only reads
    of remote ones), else the bare names of the index file."""
    shards = [p for p in names if p.endswith(".safetensors")]
    inventory = TensorInventory(source_path=shards[0] if len(shards) == 1 else "*.safetensors")
    remote: list[str] = []
    for shard in shards:
        local = source.local_path(shard)
        if local is None:
            remote.append(shard)
            continue
        from scanner.weights.safetensors_reader import SafetensorsError, SafetensorsFile  # lazy: numpy

        try:
            with SafetensorsFile(local) as st:
                tensors = st.tensors
        except SafetensorsError as exc:
            desc.issues.append(ScanIssue(path=shard, problem=f"invalid safetensors file: {exc}", node=desc.node_id))
            continue
        for name, info in tensors.items():
            inventory.shapes[name] = tuple(info.shape)
            inventory.dtypes[name] = info.dtype
    headers = getattr(source, "safetensors_metadata", None)
    if remote and callable(headers):
        metadata = headers()
        for shard in remote:
            for name, (dtype, shape) in metadata.get(shard, {}).items():
                inventory.shapes[name] = tuple(shape)
                inventory.dtypes[name] = dtype
    if inventory.shapes:
        return inventory
    if "model.safetensors.index.json" in names:
        return _read(source, desc, "model.safetensors.index.json", parse_safetensors_index)
    return None


def _is_training_log(path: str) -> bool:
    low = path.lower()
    return (
        low.endswith("trainer_state.json")
        or ("loss" in low and low.endswith((".csv", ".jsonl", ".json", ".tsv")))
        or "tfevents" in low
    )


def _describe_card(model: Node, card: ModelCard, desc: RepoDescription) -> None:
    attrs = model.attributes
    attrs["card"] = card.has_front_matter
    attrs["declared_licence"] = card.license
    attrs["licence_name"] = card.license_name
    attrs["licence_link"] = card.license_link
    attrs["tags"] = card.tags
    attrs["library_name"] = card.library_name
    attrs["language"] = card.language
    attrs["base_models"] = card.base_model
    attrs["base_model_relation"] = card.base_model_relation
    attrs["datasets"] = card.datasets
    attrs["eval_datasets"] = card.eval_datasets
    # the whole body: licence duties ("Built with ...") are checked against it
    attrs["card_text"] = card.body[:_CARD_TEXT_MAX]
    if len(card.body) > _CARD_TEXT_MAX:
        attrs["card_text_truncated"] = True
    for key in ("license", "license_name", "license_link"):
        if key in card.evidence:
            model.evidence.append(card.evidence[key])
    for ds in card.datasets:
        _add_dataset(desc, model.id, ds, Relation.TRAINED_ON, card.evidence.get("datasets"))
    for ds in card.eval_datasets:
        _add_dataset(desc, model.id, ds, Relation.EVALUATED_ON, card.evidence.get("model-index"))


def _add_dataset(desc: RepoDescription, model_id: str, ds: str, relation: Relation, ev: Evidence | None) -> None:
    """Training datasets are dependencies to resolve; evaluation datasets (model-index) are only
    recorded: a benchmark a model was scored on is neither training data nor a dependency."""
    evidence = (ev,) if ev else ()
    if "/" in ds and relation != Relation.EVALUATED_ON:
        desc.upstreams.append(Upstream(ds, NodeKind.DATASET, relation, model_id, 0.95, evidence))
        return
    reason = ("evaluation dataset: not a dependency, not fetched" if relation == Relation.EVALUATED_ON
              else "dataset named without an organisation")
    node = Node(id=dataset_node_id(ds), kind=NodeKind.DATASET, name=ds, resolved=False,
                supplier=ds.split("/", 1)[0] if "/" in ds else None,
                attributes={"unresolved_reason": reason,
                            "role": "evaluation" if relation == Relation.EVALUATED_ON else "training"})
    desc.nodes.append(node)
    desc.edges.append(Edge(model_id, node.id, relation, list(evidence), 0.95))


def _add_component(desc: RepoDescription, model: Node, comp: Component) -> None:
    origin = comp.origin
    origin_info = organisation(origin.hub_org) if origin else None
    own_design = bool(origin and model.supplier and origin.hub_org.lower() == model.supplier.lower())
    if comp.inherited_from and not own_design:
        weights_origin = "inherited"
    elif origin is not None and origin.reused_pretrained and not own_design:
        weights_origin = "unknown"
    else:
        weights_origin = "own" if origin is None or own_design else "unknown"
    node = Node(
        id=f"weights:{model.name}#{comp.name}",
        kind=NodeKind.WEIGHTS,
        name=f"{model.name} {comp.name.replace('_', ' ')}",
        supplier=model.supplier,
        country=model.country,
        licence=None,
        resolved=True,
        evidence=list(comp.evidence),
        attributes={
            "component": comp.name,
            "config_key": comp.config_key,
            "model_type": comp.model_type,
            "architectures": comp.architectures,
            "shape": comp.shape,
            "tensor_prefixes": comp.tensor_prefixes,
            "tensor_count": comp.tensor_count,
            "param_count": comp.param_count,
            "weights_origin": weights_origin,
        },
    )
    if origin is not None:
        node.attributes.update(
            {
                "origin_family": origin.family,
                "origin_org": origin.hub_org,
                "origin_entity": origin_info.entity if origin_info else None,
                "origin_country": origin_info.country if origin_info else None,
                "reused_pretrained_design": origin.reused_pretrained,
            }
        )
    desc.nodes.append(node)
    desc.edges.append(Edge(model.id, node.id, Relation.CONTAINS, list(comp.evidence[:1]), 1.0))
    if comp.inherited_from and not own_design:
        evidence = tuple(comp.inheritance_evidence) + tuple(e for e in comp.evidence if e.key and "model_type" in e.key)
        desc.upstreams.append(
            Upstream(comp.inherited_from, NodeKind.MODEL, Relation.REUSES_WEIGHTS_OF, node.id,
                     comp.inherited_confidence, evidence)
        )
