"""The licence knowledge base: what each licence lets its licensor do, clause by clause.

The policy criterion asks whether a dependency's licence can be terminated, revoked, amended or
restricted by someone else, under which law and from which country. No identifier says that, so
the facts live as reviewed data, one YAML file per licence in `licences/`, each fact with its
section and a short quote. This module loads and validates those files (every file, against
`schema/licence.schema.json`, with errors that name the file and line) and answers lookups by
any identifier a model card, a SPDX expression or a licence scanner may use.

`licences/licensors.yaml` maps organisations (Hub org names, copyright-holder spellings) to a
legal entity and its country; see `licensors()`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scanner.data import data_dir

# The fixed fact vocabulary (the shared contract; the schema enumerates the same names).
FACT_NAMES: tuple[str, ...] = (
    "terminate_on_breach",
    "terminate_on_litigation",
    "terminate_at_will",
    "revocable",
    "unilateral_amendment",
    "updatable_policy",
    "remote_restriction",
    "field_of_use",
    "non_commercial",
    "commercial_gate",
    "attribution_notice",
    "built_with",
    "name_prefix",
    "licence_copy",
    "propagation",
    "output_restriction",
    "geographic_exclusion",
    "export_control",
    "patent_termination",
    "copyleft",
)

CATEGORIES: tuple[str, ...] = (
    "permissive",
    "copyleft",
    "weak-copyleft",
    "ai-restricted",
    "non-commercial",
    "proprietary",
    "public-domain",
    "data",
)

# Card values that are not licences: they mean "read the shipped texts".
NOT_LICENCES: frozenset[str] = frozenset({"other", "unknown", "none", "noassertion"})

_LICENSORS_FILE = "licensors.yaml"
_FIXED_KEYS = ("section", "quote", "verified", "quote_from", "section_inferred")


class KnowledgeBaseError(Exception):
    """A knowledge-base file is missing, malformed or inconsistent.

    The message names the file, the line (1-based, when known) and what was expected, so a
    reviewer editing the data can fix it without reading this code.
    """

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = message
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ClauseFact:
    """One clause of a licence, as evidence: section, short quote and whether it was checked."""

    name: str
    section: str | None
    quote: str | None
    verified: bool
    quote_from: str | None = None
    section_inferred: bool = False
    details: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def detail(self, name: str, default: Any = None) -> Any:
        return self.details.get(name, default)

    @property
    def citation(self) -> str:
        """`§6` style reference for reports (`§?` when the section is not known)."""
        if not self.section:
            return "§?"
        return f"§{self.section}" + (" (inferred)" if self.section_inferred else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"section": self.section, "quote": self.quote, "verified": self.verified}
        if self.quote_from:
            out["quote_from"] = self.quote_from
        if self.section_inferred:
            out["section_inferred"] = True
        out.update(_plain(self.details))
        return out


@dataclass(frozen=True)
class Licensor:
    """A legal entity that grants a licence or releases a model, and where it is established."""

    entity: str | None
    country: str | None
    parent: str | None = None
    key: str | None = None
    hub_orgs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    verified: bool = True
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"entity": self.entity, "country": self.country, "parent": self.parent}
        if self.key:
            out["id"] = self.key
        if self.hub_orgs:
            out["hub_orgs"] = list(self.hub_orgs)
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if not self.verified:
            out["verified"] = False
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class GoverningLaw:
    law: str | None
    country: str | None
    forum: str | None
    arbitration: bool = False
    section: str | None = None
    quote: str | None = None
    verified: bool = False
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"law": self.law, "country": self.country, "forum": self.forum}
        if self.arbitration:
            out["arbitration"] = True
        for name in ("section", "quote", "note"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.quote:
            out["verified"] = self.verified
        return out


@dataclass(frozen=True)
class LicenceFacts:
    """Everything the knowledge base records about one licence (one `licences/<key>.yaml`)."""

    key: str
    spdx_id: str
    name: str
    version: str | None
    date: str | None
    licensor: Licensor
    governing_law: GoverningLaw
    osi_approved: bool
    category: str
    facts_status: str
    facts: Mapping[str, ClauseFact] = field(hash=False, compare=False)
    kind: str = "licence"
    hf_ids: tuple[str, ...] = ()
    scancode_key: str | None = None
    aliases: tuple[str, ...] = ()
    license_names: tuple[str, ...] = ()
    license_links: tuple[str, ...] = ()
    licensor_alternates: tuple[tuple[Licensor, str], ...] = ()
    licensor_is_releaser: bool = False
    steward: Licensor | None = None
    related: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    applies_to: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str | None = None
    path: Path | None = field(default=None, compare=False)

    def has(self, fact: str) -> bool:
        """Whether the licence has the clause `fact` (a name from `FACT_NAMES`)."""
        _check_fact_name(fact)
        return fact in self.facts

    def fact(self, name: str) -> ClauseFact | None:
        _check_fact_name(name)
        return self.facts.get(name)

    def iter_facts(self) -> Iterator[ClauseFact]:
        """Facts in vocabulary order (stable for reports)."""
        for name in FACT_NAMES:
            if name in self.facts:
                yield self.facts[name]

    @property
    def is_complete(self) -> bool:
        """True when an absent fact can be read as "the licence has no such clause"."""
        return self.facts_status == "complete"

    @property
    def unverified_facts(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.iter_facts() if not f.verified)

    def to_dict(self) -> dict[str, Any]:
        licensor: dict[str, Any] = {"entity": self.licensor.entity, "country": self.licensor.country}
        if self.licensor_alternates:
            licensor["alternates"] = [
                {"entity": alt.entity, "country": alt.country, "applies_when": when}
                for alt, when in self.licensor_alternates
            ]
        out: dict[str, Any] = {
            "key": self.key,
            "kind": self.kind,
            "spdx_id": self.spdx_id,
            "hf_ids": list(self.hf_ids),
            "scancode_key": self.scancode_key,
            "aliases": list(self.aliases),
            "license_names": list(self.license_names),
            "license_links": list(self.license_links),
            "name": self.name,
            "version": self.version,
            "date": self.date,
            "licensor": licensor,
            "licensor_is_releaser": self.licensor_is_releaser,
            "governing_law": self.governing_law.to_dict(),
            "osi_approved": self.osi_approved,
            "category": self.category,
            "facts_status": self.facts_status,
            "facts": {f.name: f.to_dict() for f in self.iter_facts()},
        }
        if self.steward is not None:
            out["steward"] = {"entity": self.steward.entity, "country": self.steward.country}
        for name in ("related", "policies", "applies_to", "sources"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.notes:
            out["notes"] = self.notes
        return out


def _check_fact_name(name: str) -> None:
    if name not in FACT_NAMES:
        raise ValueError(f"unknown licence fact {name!r}; the vocabulary is: {', '.join(FACT_NAMES)}")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Identifier normalisation
# --------------------------------------------------------------------------------------------

_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalise_id(value: str) -> str:
    """Fold an identifier for lookup: case, surrounding space/quotes, `LicenseRef-` prefixes."""
    text = value.strip().strip("\"'`").strip().lower()
    for prefix in ("licenseref-scancode-", "licenseref-"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return re.sub(r"\s+", " ", text)


def normalise_url(value: str) -> str:
    """Fold a URL (or URL fragment) for substring matching: no scheme, no `www.`, no query."""
    text = value.strip().lower()
    text = _URL_SCHEME.sub("", text)
    if text.startswith("www."):
        text = text[4:]
    text = text.split("#", 1)[0].split("?", 1)[0]
    return text.replace("%20", " ").rstrip("/")


def _looks_like_url(value: str) -> bool:
    text = value.strip().lower()
    return bool(_URL_SCHEME.match(text)) or text.startswith("www.") or (
        "/" in text and "." in text.split("/", 1)[0]
    )


# --------------------------------------------------------------------------------------------
# The knowledge base
# --------------------------------------------------------------------------------------------


class LicenceKnowledge:
    """All licence files of one directory, indexed by every identifier they declare."""

    def __init__(self, entries: Iterable[LicenceFacts], directory: Path | None = None) -> None:
        self.directory = directory
        self._by_key: dict[str, LicenceFacts] = {}
        for entry in entries:
            self._by_key[entry.key] = entry
        self._ids: dict[str, list[str]] = {}
        self._links: list[tuple[str, str]] = []
        for entry in self._by_key.values():
            ids = [entry.key, entry.spdx_id, entry.name, *entry.hf_ids, *entry.aliases, *entry.license_names]
            if entry.scancode_key:
                ids.append(entry.scancode_key)
            for ident in ids:
                folded = normalise_id(ident)
                bucket = self._ids.setdefault(folded, [])
                if entry.key not in bucket:
                    bucket.append(entry.key)
            for link in entry.license_links:
                self._links.append((normalise_url(link), entry.key))

    def get(self, key: str) -> LicenceFacts | None:
        """The entry whose file stem is exactly `key`."""
        return self._by_key.get(key)

    def all(self) -> tuple[LicenceFacts, ...]:
        return tuple(self._by_key[k] for k in sorted(self._by_key))

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def candidates(self, value: str) -> tuple[LicenceFacts, ...]:
        """Every entry `value` could name, newest first (an HF id like `gemma` names several)."""
        if not value or not value.strip():
            return ()
        folded = normalise_id(value)
        if folded in NOT_LICENCES:
            return ()
        keys = list(self._ids.get(folded, ()))
        if not keys and _looks_like_url(value):
            url = normalise_url(value)
            matches = [(len(fragment), key) for fragment, key in self._links if fragment and fragment in url]
            if matches:
                best = max(length for length, _ in matches)
                keys = [key for length, key in matches if length == best]
        entries = [self._by_key[k] for k in dict.fromkeys(keys)]
        # Licences before policies, then the newest version (by date, then version string).
        entries.sort(key=lambda e: (e.kind == "licence", e.date or "", e.version or ""), reverse=True)
        return tuple(entries)

    def lookup(self, value: str) -> LicenceFacts | None:
        """Find the entry named by `value`.

        Accepts our key, a SPDX id (any case, with or without `LicenseRef-`/`LicenseRef-scancode-`),
        a Hugging Face `license:` id, a ScanCode key, the licence's full name, a Hub `license_name`,
        or a `license_link` URL (matched on the distinctive fragments recorded per licence).
        `other`/`unknown` are not licences and give None; so does anything not recorded (no
        guessing). An id shared by several versions gives the newest version.
        """
        found = self.candidates(value)
        return found[0] if found else None


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------


def _shipped(name: str) -> Path:
    try:
        return data_dir(name)
    except FileNotFoundError as exc:
        raise KnowledgeBaseError(name, f"shipped data directory is missing: {exc}") from exc


@functools.lru_cache(maxsize=4)
def _schema(name: str) -> Any:
    """The JSON Schema `name` and a validator for it (loaded once per process)."""
    from jsonschema import Draft202012Validator

    path = _shipped("schema") / name
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KnowledgeBaseError(path, f"cannot read the JSON Schema: {exc}") from exc
    # Local `$ref`s resolved up front: validation then runs without a reference resolver,
    # which is most of jsonschema's cost on 60-odd small files.
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def _inline_refs(value: Any, defs: Mapping[str, Any], depth: int = 0) -> Any:
    if depth > 20:
        raise ValueError("recursive $ref in a shipped schema")
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(value) <= 2:
            target = dict(_inline_refs(defs[ref[len("#/$defs/"):]], defs, depth + 1))
            for key, extra in value.items():
                if key != "$ref":
                    target[key] = extra
            return target
        return {k: _inline_refs(v, defs, depth) for k, v in value.items() if k != "$defs"}
    if isinstance(value, list):
        return [_inline_refs(v, defs, depth) for v in value]
    return value


def _read_yaml(path: Path) -> tuple[Any, Any]:
    """Parse `path` into (data, node tree); syntax errors and duplicate keys name the line."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(path, f"cannot read the file: {exc}") from exc
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster
    loader = loader_class(text)
    try:
        # One parse: keep the node tree (for line numbers) and construct the data from it.
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise KnowledgeBaseError(path, f"not valid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(path, f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if node is not None:
        _reject_duplicate_keys(path, node)
    return data, node


def _reject_duplicate_keys(path: Path, node: Any) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = getattr(key_node, "value", None)
            if isinstance(key, str):
                if key in seen:
                    raise KnowledgeBaseError(
                        path,
                        f"duplicate key {key!r} (first at line {seen[key]}); each key may appear once",
                        key_node.start_mark.line + 1,
                    )
                seen[key] = key_node.start_mark.line + 1
            _reject_duplicate_keys(path, value_node)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(path, item)


def _line_of(node: Any, location: Iterable[Any], at_key: bool = False) -> int | None:
    """1-based line of the YAML node at a JSON path (the deepest node that exists).

    With `at_key`, the line of the last mapping key on the path rather than of its value.
    """
    import yaml

    if node is None:
        return None
    steps = list(location)
    current = node
    for index, step in enumerate(steps):
        if isinstance(current, yaml.MappingNode) and isinstance(step, str):
            for key_node, value_node in current.value:
                if getattr(key_node, "value", None) == step:
                    if at_key and index == len(steps) - 1:
                        return key_node.start_mark.line + 1
                    current = value_node
                    break
            else:
                break
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int) and step < len(current.value):
            current = current.value[step]
        else:
            break
    return current.start_mark.line + 1


def _validate(path: Path, data: Any, node: Any, schema_name: str) -> None:
    validator = _schema(schema_name)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    error = errors[0]
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    expected = _expected_shape(error)
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    line = _line_of(node, error.absolute_path)
    if error.validator == "propertyNames":
        # Point at the offending key itself, not at the mapping that holds it.
        line = _line_of(node, [*error.absolute_path, str(error.instance)], at_key=True) or line
    raise KnowledgeBaseError(
        path,
        f"at {where}: {error.message}; expected {expected} per schema/{schema_name}{more}",
        line,
    )


def _expected_shape(error: Any) -> str:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "required":
        return f"the fields {', '.join(map(str, error.validator_value))}"
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        return "only the fields " + ", ".join(allowed) if allowed else "no extra fields"
    if error.validator == "enum":
        return "one of " + ", ".join(map(str, error.validator_value))
    if error.validator == "propertyNames":
        return "fact names from the vocabulary: " + ", ".join(FACT_NAMES)
    if error.validator == "type":
        return f"a value of type {error.validator_value}"
    if error.validator == "pattern":
        return f"a string matching {error.validator_value}"
    if "description" in schema:
        return schema["description"]
    return f"{error.validator} {error.validator_value!r}"


def _tuple(values: Any) -> tuple[str, ...]:
    return tuple(values or ())


def _build_entry(path: Path, data: Mapping[str, Any], node: Any) -> LicenceFacts:
    key = data["key"]
    if key != path.stem:
        raise KnowledgeBaseError(path, f"key {key!r} must equal the file name stem {path.stem!r}", _line_of(node, ["key"]))
    lic = data["licensor"]
    releaser = bool(data.get("licensor_is_releaser", False))
    if releaser and lic.get("entity") is not None:
        raise KnowledgeBaseError(
            path,
            "licensor_is_releaser is true, so licensor.entity must be null (the releaser is the licensor)",
            _line_of(node, ["licensor", "entity"]),
        )
    for ident in (*data["hf_ids"], *data.get("aliases", ()), *data["license_names"]):
        if normalise_id(ident) in NOT_LICENCES:
            raise KnowledgeBaseError(
                path, f"{ident!r} is not a licence id (it means 'look at the texts')", _line_of(node, ["hf_ids"])
            )
    facts: dict[str, ClauseFact] = {}
    for name, raw in data["facts"].items():
        details = {k: v for k, v in raw.items() if k not in _FIXED_KEYS}
        facts[name] = ClauseFact(
            name=name,
            section=None if raw["section"] is None else str(raw["section"]),
            quote=raw["quote"],
            verified=bool(raw["verified"]),
            quote_from=raw.get("quote_from"),
            section_inferred=bool(raw.get("section_inferred", False)),
            details=MappingProxyType(dict(details)),
        )
    law = data["governing_law"]
    steward = data.get("steward")
    return LicenceFacts(
        key=key,
        kind=data.get("kind", "licence"),
        spdx_id=data["spdx_id"],
        hf_ids=_tuple(data["hf_ids"]),
        scancode_key=data["scancode_key"],
        aliases=_tuple(data.get("aliases")),
        license_names=_tuple(data["license_names"]),
        license_links=_tuple(data["license_links"]),
        name=data["name"],
        version=None if data["version"] is None else str(data["version"]),
        date=None if data["date"] is None else str(data["date"]),
        licensor=Licensor(entity=lic.get("entity"), country=lic.get("country"), verified=lic.get("verified", True),
                          note=lic.get("note")),
        licensor_alternates=tuple(
            (Licensor(entity=alt["entity"], country=alt["country"]), alt["applies_when"])
            for alt in lic.get("alternates", ())
        ),
        licensor_is_releaser=releaser,
        steward=None if steward is None else Licensor(entity=steward["entity"], country=steward["country"],
                                                      note=steward.get("note")),
        governing_law=GoverningLaw(
            law=law.get("law"),
            country=law.get("country"),
            forum=law.get("forum"),
            arbitration=bool(law.get("arbitration", False)),
            section=None if law.get("section") is None else str(law.get("section")),
            quote=law.get("quote"),
            verified=bool(law.get("verified", False)),
            note=law.get("note"),
        ),
        osi_approved=bool(data["osi_approved"]),
        category=data["category"],
        facts_status=data["facts_status"],
        facts=MappingProxyType(facts),
        related=_tuple(data.get("related")),
        policies=_tuple(data.get("policies")),
        applies_to=_tuple(data.get("applies_to")),
        sources=_tuple(data.get("sources")),
        notes=data.get("notes"),
        path=path,
    )


def load_licence_file(path: Path) -> LicenceFacts:
    """Read and validate one `licences/<key>.yaml`."""
    data, node = _read_yaml(path)
    if not isinstance(data, Mapping):
        raise KnowledgeBaseError(path, "expected a mapping of licence fields at the top level", 1)
    _validate(path, data, node, "licence.schema.json")
    return _build_entry(path, data, node)


def load_knowledge(directory: Path | str | None = None) -> LicenceKnowledge:
    """Load every licence file of `directory` (default: the shipped `licences/`), uncached.

    Cross-references (`related`, `policies`, `quote_from`, `policy_key`) must name files that
    exist; a broken reference is reported against the file and line that makes it.
    """
    root = Path(directory) if directory is not None else _shipped("licences")
    if not root.is_dir():
        raise KnowledgeBaseError(root, "licence knowledge-base directory not found")
    entries: list[LicenceFacts] = []
    for path in sorted(root.glob("*.yaml")):
        if path.name == _LICENSORS_FILE:
            continue
        entries.append(load_licence_file(path))
    keys = {e.key for e in entries}
    for entry in entries:
        _check_references(entry, keys)
    return LicenceKnowledge(entries, root)


def _check_references(entry: LicenceFacts, keys: set[str]) -> None:
    assert entry.path is not None
    refs: list[tuple[str, list[Any]]] = [(k, ["related"]) for k in entry.related]
    refs += [(k, ["policies"]) for k in entry.policies]
    for fact in entry.facts.values():
        if fact.quote_from:
            refs.append((fact.quote_from, ["facts", fact.name, "quote_from"]))
        policy_key = fact.details.get("policy_key")
        if policy_key:
            refs.append((policy_key, ["facts", fact.name, "policy_key"]))
    for ref, where in refs:
        if ref not in keys:
            data, node = _read_yaml(entry.path)
            raise KnowledgeBaseError(
                entry.path,
                f"{'/'.join(map(str, where))} names {ref!r}, which has no file in the knowledge base",
                _line_of(node, where),
            )


@functools.lru_cache(maxsize=1)
def knowledge() -> LicenceKnowledge:
    """The shipped knowledge base, loaded and validated once per process on first use."""
    return load_knowledge()


# --------------------------------------------------------------------------------------------
# Licensors
# --------------------------------------------------------------------------------------------

_COPYRIGHT_NOISE = re.compile(
    r"(copyright|\(c\)|©|all rights reserved\.?|\b(19|20)\d{2}\s*(-|–|,)?\s*((19|20)\d{2})?\b)",
    re.IGNORECASE,
)
_SUFFIXES = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|l\.l\.c|corp|corporation|co|company|plc|gmbh|sas|sa|ag|"
    r"team|authors|the|and|its|affiliates|contributors)\b",
    re.IGNORECASE,
)


def _fold_org(value: str) -> str:
    text = _COPYRIGHT_NOISE.sub(" ", value.lower())
    text = re.sub(r"[\s.,;:()\"'`]+", " ", text)
    return text.strip()


def _core_org(value: str) -> str:
    text = _SUFFIXES.sub(" ", _fold_org(value))
    return re.sub(r"[^a-z0-9\u00c0-\uffff]+", "", text)


class Licensors:
    """Organisations by Hub org name, legal-entity name and copyright-holder spelling."""

    def __init__(self, entries: Iterable[Licensor], path: Path | None = None) -> None:
        self.path = path
        self._by_key = {e.key: e for e in entries if e.key}
        self._exact: dict[str, str] = {}
        self._core: dict[str, str] = {}
        for entry in self._by_key.values():
            names = [entry.key, *entry.hub_orgs, *entry.aliases]
            if entry.entity:
                names.append(entry.entity)
            for name in names:
                assert name is not None
                self._exact.setdefault(_fold_org(name), entry.key)  # type: ignore[arg-type]
                core = _core_org(name)
                if len(core) >= 3:
                    self._core.setdefault(core, entry.key)  # type: ignore[arg-type]

    def all(self) -> tuple[Licensor, ...]:
        return tuple(self._by_key[k] for k in sorted(self._by_key))

    def get(self, key: str) -> Licensor | None:
        return self._by_key.get(key)

    def parent_of(self, licensor: Licensor) -> Licensor | None:
        """The parent organisation's record (the `parent` field holds its legal name)."""
        if not licensor.parent:
            return None
        return self.lookup(licensor.parent)

    def lookup(self, value: str) -> Licensor | None:
        """Find an organisation by Hub org (`Qwen`, also `Qwen/Qwen3-8B`), entity or holder line.

        Case, punctuation, copyright words and years are ignored ("Copyright (c) 2023 DeepSeek"
        finds DeepSeek); a second pass also ignores corporate suffixes ("NAVER Corp" vs
        "NAVER Corporation").
        """
        if not value or not value.strip():
            return None
        text = value.strip()
        if text.count("/") == 1 and " " not in text:
            text = text.split("/", 1)[0]
        folded = _fold_org(text)
        key = self._exact.get(folded)
        if key is None:
            core = _core_org(text)
            key = self._core.get(core) if len(core) >= 3 else None
        return self._by_key.get(key) if key else None


def load_licensors(path: Path | str | None = None) -> Licensors:
    """Read and validate `licences/licensors.yaml` (or `path`), uncached."""
    file = Path(path) if path is not None else _shipped("licences") / _LICENSORS_FILE
    data, node = _read_yaml(file)
    if not isinstance(data, Mapping):
        raise KnowledgeBaseError(file, "expected a mapping with the field 'organisations'", 1)
    _validate(file, data, node, "licensors.schema.json")
    rows = data["organisations"]
    ids = [row["id"] for row in rows]
    entity_by_id = {row["id"]: row["entity"] for row in rows}
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        if row["id"] in seen:
            raise KnowledgeBaseError(file, f"duplicate organisation id {row['id']!r}", _line_of(node, ["organisations", index, "id"]))
        seen[row["id"]] = index
        if row["parent"] is not None and row["parent"] not in ids:
            raise KnowledgeBaseError(
                file,
                f"parent {row['parent']!r} is not the id of an organisation in this file",
                _line_of(node, ["organisations", index, "parent"]),
            )
    entries = [
        Licensor(
            entity=row["entity"],
            country=row["country"],
            parent=entity_by_id[row["parent"]] if row["parent"] else None,
            key=row["id"],
            hub_orgs=_tuple(row["hub_orgs"]),
            aliases=_tuple(row["aliases"]),
            verified=bool(row.get("verified", True)),
            note=row.get("note"),
        )
        for row in rows
    ]
    return Licensors(entries, file)


@functools.lru_cache(maxsize=1)
def licensors() -> Licensors:
    """The shipped licensors table, loaded and validated once per process on first use."""
    return load_licensors()
