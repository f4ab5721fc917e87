"""Where a model came from, beyond the card's `base_model`: every place lineage hides.

Why: cards under-declare. Community merges ship `base_model: []` with the parents only as local
cache paths in the body; some cards carry lineage only in Hub tags or in a sentence; adapters,
GGUF files and mergekit configs name their bases in their own files. Each finding becomes a
`LineageClaim` with its evidence and a confidence that says how direct the evidence is:

==========================================================  ==========
evidence                                                    confidence
==========================================================  ==========
card `base_model` (relation declared or the Hub's inference)  0.95
`adapter_config.json` `base_model_name_or_path`               0.95
Hub tag `base_model:…` / `base_model:<relation>:…`            0.90
GGUF `general.base_model.N.*` / `general.source.*`            0.90
mergekit YAML (card code block or `mergekit_config.yml`)      0.90
HF cache path `models--org--name` in the card body            0.70
config `_name_or_path` naming another Hub repository          0.70
`org/name` near a lineage phrase ("fine-tuned from"…)         0.60
a bare `org/name` mention in prose                            not a claim
==========================================================  ==========

The relation of a declared base follows `base_model_relation`, else the Hub's own inference:
adapter if `adapter_config.json`, quantized if GGUF/GPTQ/AWQ files or `quantization_config`,
merge if several bases or a mergekit config, fine-tune otherwise. `lineage_claims` is the one
entry point the resolver calls; the other functions are pure and take text or data.
"""

from __future__ import annotations

import bisect

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

import yaml

from scanner.extractors.gguf import GGUF_PREFIX_BYTES, GGUFError, parse_gguf_metadata
from scanner.extractors.interface import excerpt
from scanner.graph import Relation
from scanner.model import Evidence

CONF_DECLARED = 0.95
CONF_ADAPTER = 0.95
CONF_TAG = 0.9
CONF_GGUF = 0.9
CONF_MERGEKIT = 0.9
CONF_CACHE_PATH = 0.7
CONF_NAME_OR_PATH = 0.7
CONF_PROSE = 0.6

#: `base_model_relation` (and tag) words -> relation
RELATION_WORDS = {
    "finetune": Relation.FINETUNE_OF,
    "fine-tune": Relation.FINETUNE_OF,
    "adapter": Relation.ADAPTER_OF,
    "merge": Relation.MERGE_OF,
    "quantized": Relation.QUANTIZED_OF,
    "distillation": Relation.DISTILLED_FROM,
    "distilled": Relation.DISTILLED_FROM,
}

_QUANTIZED_FILES = ("*.gguf", "*gptq*", "*awq*", "*.exl2", "*-4bit*", "*-8bit*")
_MERGEKIT_FILES = ("mergekit_config.yml", "mergekit_config.yaml")

_ID = r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}"
_HUB_ID = re.compile(rf"^{_ID}$")
# each part bounded like a Hub name (96 characters): a card repeating `models--a` must not
# become one upstream id as long as the card
_CACHE_PATH = re.compile(r"(models|datasets)--([A-Za-z0-9][\w.-]{0,95}?)--([A-Za-z0-9][\w.-]{0,95}?)(?=/|\\|$|[\s`'\")\]])")
_HF_URL = re.compile(rf"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/({_ID})")
_PROSE_ID = re.compile(rf"(?<![\w./:-])({_ID})(?![\w/-])")

#: lineage phrases -> relation; an id within the same sentence after the phrase is claimed
_PHRASES: tuple[tuple[re.Pattern[str], Relation], ...] = tuple(
    (re.compile(p, re.IGNORECASE), r)
    for p, r in (
        (r"\bfine[- ]?tun(?:ed|ing)\s+(?:version\s+)?(?:from|of|on(?:\s+top\s+of)?)\b", Relation.FINETUNE_OF),
        (r"\bfine[- ]?tune\s+of\b", Relation.FINETUNE_OF),
        (r"\bcontinu(?:ed|al)\s+pre-?training\s+(?:of|from|on)\b", Relation.FINETUNE_OF),
        (r"\b(?:further\s+)?(?:trained|instruction[- ]tuned|sft)\s+(?:from|on\s+top\s+of)\b", Relation.FINETUNE_OF),
        (r"\bmerge\s+of\b", Relation.MERGE_OF),
        (r"\bmerged?\s+(?:from|with)\b", Relation.MERGE_OF),
        (r"\bdistill(?:ed|ation)\s+(?:from|of)\b", Relation.DISTILLED_FROM),
        (r"\bquanti[sz](?:ed|ation)\s+(?:version\s+)?(?:of|from)\b", Relation.QUANTIZED_OF),
        (r"\b(?:lora\s+)?adapter\s+(?:for|of|on)\b", Relation.ADAPTER_OF),
        (r"\binitiali[sz]ed\s+(?:from|with)\b", Relation.DERIVED_FROM),
        (r"\bbased\s+on\b", Relation.DERIVED_FROM),
        (r"\bderived\s+from\b", Relation.DERIVED_FROM),
        (r"\bbuilt\s+(?:on|upon)\b", Relation.DERIVED_FROM),
    )
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z#*])|\n\s*\n|\n#")
_PROSE_WINDOW = 160


@dataclass(frozen=True)
class LineageClaim:
    """`upstream_id` is an upstream model of the repository, by `relation`, this sure."""

    upstream_id: str
    relation: Relation
    confidence: float
    evidence: Evidence
    also: tuple[Evidence, ...] = ()  # corroborating evidence merged in from other claims

    @property
    def all_evidence(self) -> tuple[Evidence, ...]:
        return (self.evidence, *self.also)


# -- helpers ----------------------------------------------------------------------------------
def hub_id_from_reference(value: str) -> str | None:
    """A Hub id from `org/name`, a huggingface.co URL or a cache path; None for anything else
    (a local directory that does not name a Hub repository, a bare name)."""
    value = value.strip().strip("'\"`")
    m = _HF_URL.search(value)
    if m:
        return _clean_id(m.group(1))
    m = _CACHE_PATH.search(value)
    if m and m.group(1) == "models":
        return _clean_id(f"{m.group(2)}/{m.group(3)}")
    if value.startswith(("/", ".", "~")) or "\\" in value or ":" in value:
        return None
    return _clean_id(value) if _HUB_ID.match(value) else None


def _clean_id(repo_id: str) -> str | None:
    repo_id = repo_id.rstrip(".,;:)")
    for suffix in (".git",):
        repo_id = repo_id.removesuffix(suffix)
    org, _, name = repo_id.partition("/")
    if not org or not name or org in (".", "..") or name in (".", ".."):
        return None
    if org.lower() in ("resolve", "blob", "tree", "datasets", "spaces", "api", "docs"):
        return None
    return f"{org}/{name}"


def infer_relation(bases: list[str], file_names: Iterable[str], quantization: Any = None) -> tuple[Relation, str]:
    """The Hub's inference of `base_model_relation` when a card does not declare it."""
    names = [n.lower() for n in file_names]
    if "adapter_config.json" in names:
        return Relation.ADAPTER_OF, "adapter_config.json present"
    if quantization or any(fnmatch.fnmatch(n, g) for n in names for g in _QUANTIZED_FILES):
        return Relation.QUANTIZED_OF, "quantized weight files or quantization_config"
    if len(bases) > 1 or any(n in _MERGEKIT_FILES for n in names):
        return Relation.MERGE_OF, "several base models or a mergekit config"
    return Relation.FINETUNE_OF, "a single base model (the Hub's default: fine-tune)"


def _line_of(text: str, pos: int, start_line: int = 1) -> int:
    return text.count("\n", 0, pos) + start_line


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


# -- pure extractors ---------------------------------------------------------------------------
def declared_claims(
    base_models: list[str],
    relation_word: str | None,
    file_names: Iterable[str],
    quantization: Any = None,
    base_evidence: Evidence | None = None,
    path: str = "README.md",
) -> list[LineageClaim]:
    """Card `base_model` entries, with the declared or inferred relation."""
    bases = [b for b in (hub_id_from_reference(x) for x in base_models) if b]
    if not bases:
        return []
    relation = RELATION_WORDS.get((relation_word or "").strip().lower())
    detail: dict[str, Any] = {"base_model_relation": relation_word} if relation else {}
    if relation is None:
        relation, why = infer_relation(bases, file_names, quantization)
        detail = {"inferred_relation": str(relation), "because": why}
    ev = base_evidence or Evidence(path=path, key="base_model", excerpt=", ".join(bases))
    ev = Evidence(path=ev.path, line=ev.line, key=ev.key or "base_model", excerpt=ev.excerpt, repo=ev.repo, detail={**ev.detail, **detail})
    return [LineageClaim(b, relation, CONF_DECLARED, ev) for b in bases]


def tag_claims(tags: Iterable[str], path: str = "README.md", key: str = "tags") -> list[LineageClaim]:
    """Hub tags `base_model:org/name` and `base_model:<relation>:org/name`."""
    out = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:") :]
        relation = Relation.DERIVED_FROM
        word, sep, tail = rest.partition(":")
        if sep and word.lower() in RELATION_WORDS:
            relation, rest = RELATION_WORDS[word.lower()], tail
        repo = hub_id_from_reference(rest)
        if repo:
            out.append(LineageClaim(repo, relation, CONF_TAG, Evidence(path=path, key=key, excerpt=tag)))
    return out


def adapter_claims(adapter_config_text: str, path: str = "adapter_config.json") -> list[LineageClaim]:
    """A PEFT adapter's `base_model_name_or_path`."""
    try:
        data = json.loads(adapter_config_text)
    except ValueError:
        return []
    value = data.get("base_model_name_or_path") if isinstance(data, dict) else None
    repo = hub_id_from_reference(value) if isinstance(value, str) else None
    if not repo:
        return []
    line = next((i for i, l in enumerate(adapter_config_text.splitlines(), 1) if "base_model_name_or_path" in l), None)
    ev = Evidence(path=path, line=line, key="base_model_name_or_path", excerpt=excerpt(f'"base_model_name_or_path": "{value}"'))
    return [LineageClaim(repo, Relation.ADAPTER_OF, CONF_ADAPTER, ev)]


def gguf_claims(values: dict[str, Any], path: str) -> list[LineageClaim]:
    """GGUF `general.base_model.N.{repo_url,organization,name}` (the model it was derived from)
    and `general.source.{repo_url,huggingface.repository}` (the checkpoint it was converted from)."""
    out = []
    count = values.get("general.base_model.count")
    n = count if isinstance(count, int) and 0 <= count <= 64 else 0
    for i in range(n):
        prefix = f"general.base_model.{i}."
        repo = None
        key = None
        for field_name in ("repo_url", "huggingface.repository"):
            v = values.get(prefix + field_name)
            if isinstance(v, str) and (repo := hub_id_from_reference(v)):
                key = prefix + field_name
                break
        if repo is None:
            org, name = values.get(prefix + "organization"), values.get(prefix + "name")
            if isinstance(org, str) and isinstance(name, str) and org and name:
                repo = hub_id_from_reference(f"{org.replace(' ', '-')}/{name.replace(' ', '-')}")
                key = prefix + "organization+name"
        if repo and key:
            out.append(LineageClaim(repo, Relation.DERIVED_FROM, CONF_GGUF, Evidence(path=path, key=key, excerpt=repo)))
    for field_name in ("general.source.repo_url", "general.source.huggingface.repository"):
        v = values.get(field_name)
        if isinstance(v, str) and (repo := hub_id_from_reference(v)):
            out.append(LineageClaim(repo, Relation.QUANTIZED_OF, CONF_GGUF, Evidence(path=path, key=field_name, excerpt=excerpt(v))))
    return out


def _mergekit_models(data: Any) -> list[tuple[str, str]]:
    """(reference, role) pairs named by a mergekit config: `models[].model`, `slices[].sources[].model`, `base_model`."""
    found: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return found

    def model_ref(entry: Any) -> str | None:
        if isinstance(entry, str):
            return entry
        if isinstance(entry, dict):
            m = entry.get("model")
            if isinstance(m, str):
                return m
            if isinstance(m, dict) and isinstance(m.get("model"), dict) and isinstance(m["model"].get("path"), str):
                return m["model"]["path"]
            if isinstance(m, dict) and isinstance(m.get("path"), str):
                return m["path"]
        return None

    for entry in data.get("models") or []:
        ref = model_ref(entry)
        if ref:
            found.append((ref, "models"))
    for sl in data.get("slices") or []:
        for src in (sl.get("sources") or []) if isinstance(sl, dict) else []:
            ref = model_ref(src)
            if ref:
                found.append((ref, "slices"))
    base = data.get("base_model")
    if isinstance(base, str):
        found.append((base, "base_model"))
    return found


def mergekit_claims(text: str, path: str, start_line: int = 1) -> list[LineageClaim]:
    """Models of a mergekit config given as YAML text (a config file or a card code block)."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return []
    if not isinstance(data, dict) or not ("merge_method" in data or "slices" in data or "models" in data):
        return []
    out = []
    for ref, role in _mergekit_models(data):
        repo = hub_id_from_reference(ref)
        if not repo:
            continue
        idx = text.find(ref)
        line = _line_of(text, idx, start_line) if idx >= 0 else start_line
        ev = Evidence(path=path, line=line, key=f"mergekit.{role}", excerpt=excerpt(ref),
                      detail={"merge_method": str(data.get("merge_method", ""))})
        out.append(LineageClaim(repo, Relation.MERGE_OF, CONF_MERGEKIT, ev))
    return out


_CODE_BLOCK = re.compile(r"^(```|~~~)[ \t]*(yaml|yml)?[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)


def card_mergekit_claims(body: str, path: str = "README.md", body_start_line: int = 1,
                         problems: list[tuple[str, str]] | None = None) -> list[LineageClaim]:
    """mergekit configs quoted in ```yaml blocks of a card body; a block that looks like one but
    does not parse is appended to `problems`."""
    out = []
    for m in _CODE_BLOCK.finditer(body):
        block = m.group(3)
        if "merge_method" not in block and "slices:" not in block:
            continue
        line = _line_of(body, m.start(3), body_start_line)
        problem = _yaml_problem(block)
        if problem:
            if problems is not None:
                problems.append((path, f"mergekit block at line {line}: {problem}"))
            continue
        out.extend(mergekit_claims(block, path, line))
    return out


def _phrase_before(body: str, pos: int) -> Relation | None:
    """The relation of the nearest lineage phrase before `pos` in the same sentence."""
    start = max(0, pos - _PROSE_WINDOW)
    window = body[start:pos]
    cut = list(_SENTENCE_END.finditer(window))
    if cut:
        window = window[cut[-1].end() :]
    best: tuple[int, Relation] | None = None
    for pattern, relation in _PHRASES:
        for m in pattern.finditer(window):
            if best is None or m.end() > best[0]:
                best = (m.end(), relation)
    return best[1] if best else None


def cache_path_claims(body: str, path: str = "README.md", body_start_line: int = 1, merge_card: bool = False) -> list[LineageClaim]:
    """`models--org--name` Hugging Face cache paths in a card body (how merges leak their parents)."""
    out = []
    for m in _CACHE_PATH.finditer(body):
        if m.group(1) != "models":
            continue
        repo = _clean_id(f"{m.group(2)}/{m.group(3)}")
        if not repo:
            continue
        relation = _phrase_before(body, m.start()) or (Relation.MERGE_OF if merge_card else Relation.DERIVED_FROM)
        ev = Evidence(path=path, line=_line_of(body, m.start(), body_start_line), key="card body",
                      excerpt=excerpt(_line_at(body, m.start())), detail={"cache_path": m.group(0)})
        out.append(LineageClaim(repo, relation, CONF_CACHE_PATH, ev))
    return out


def prose_claims(body: str, path: str = "README.md", body_start_line: int = 1) -> list[LineageClaim]:
    """`org/name` ids (or huggingface.co links) following a lineage phrase in the same sentence.
    A bare mention (in a table, a benchmark list, a code sample) is not a claim."""
    out = []
    no_code = _CODE_BLOCK.sub(lambda m: " " * len(m.group(0)), body)
    candidates: list[tuple[int, str]] = [(m.start(), m.group(1)) for m in _HF_URL.finditer(no_code)]
    # an id inside a huggingface.co link is that link's, not a second mention: spans sorted by start
    link_starts = [start for start, _raw in candidates]
    link_ends = [start + 40 + len(raw) for start, raw in candidates]
    for m in _PROSE_ID.finditer(no_code):
        i = bisect.bisect_right(link_starts, m.start()) - 1
        if i < 0 or m.start() >= link_ends[i]:
            candidates.append((m.start(), m.group(1)))
    for pos, raw in sorted(candidates):
        repo = _clean_id(raw)
        if not repo or not re.search(r"[A-Za-z]", repo.split("/")[0]) or repo.split("/")[1].isdigit():
            continue
        relation = _phrase_before(no_code, pos)
        if relation is None:
            continue
        ev = Evidence(path=path, line=_line_of(body, pos, body_start_line), key="card body",
                      excerpt=excerpt(_line_at(body, pos)))
        out.append(LineageClaim(repo, relation, CONF_PROSE, ev))
    return out


def name_or_path_claims(name_or_path: str | None, own_id: str | None, evidence: Evidence | None = None, path: str = "config.json") -> list[LineageClaim]:
    """`_name_or_path` naming another Hub repository: the checkpoint the config was saved from."""
    if not name_or_path:
        return []
    repo = hub_id_from_reference(name_or_path)
    if not repo or (own_id and repo.lower() == own_id.lower()):
        return []
    ev = evidence or Evidence(path=path, key="_name_or_path", excerpt=excerpt(name_or_path))
    return [LineageClaim(repo, Relation.DERIVED_FROM, CONF_NAME_OR_PATH, ev)]


def _absorb(into: LineageClaim, other: LineageClaim) -> LineageClaim:
    """`into` corroborated by `other`: the higher confidence, every piece of evidence kept."""
    evidence = list(into.all_evidence)
    for ev in other.all_evidence:
        if ev not in evidence:
            evidence.append(ev)
    if other.confidence > into.confidence:
        lead = other.evidence if other.relation == into.relation else into.evidence
    else:
        lead = into.evidence
    rest = tuple(e for e in evidence if e != lead)
    return LineageClaim(into.upstream_id, into.relation, max(into.confidence, other.confidence), lead, rest)


def merge_claims(claims: Iterable[LineageClaim], own_id: str | None = None) -> list[LineageClaim]:
    """One claim per (upstream, relation), corroborating evidence merged; self-references dropped.
    A `derived_from` claim (derivation of unknown kind) is folded into the specific relation to
    the same upstream when there is one: it then corroborates that relation."""
    best: dict[tuple[str, Relation], LineageClaim] = {}
    for c in claims:
        if own_id and c.upstream_id.lower() == own_id.lower():
            continue
        key = (c.upstream_id, c.relation)
        best[key] = _absorb(best[key], c) if key in best else c
    for (upstream, relation), claim in list(best.items()):
        if relation != Relation.DERIVED_FROM:
            continue
        specific = sorted((k for k in best if k[0] == upstream and k[1] != Relation.DERIVED_FROM), key=lambda k: -best[k].confidence)
        if specific:
            best[specific[0]] = _absorb(best[specific[0]], claim)
            del best[(upstream, relation)]
    return sorted(best.values(), key=lambda c: (-c.confidence, c.upstream_id, str(c.relation)))


# -- the entry point the resolver calls --------------------------------------------------------
def lineage_claims(source: Any, card: Any, config: Any,
                   problems: list[tuple[str, str]] | None = None) -> list[LineageClaim]:
    """Every lineage claim about the repository behind `source`.

    `card` is a `ModelCard` (or None), `config` a `ModelConfig` (or None). Reads only small files
    from the source (`adapter_config.json`, `mergekit_config.yml`) and the first bytes of GGUF
    files. A lineage file that cannot be read or parsed gives no claim and is appended to
    `problems` as `(path, reason)`: the caller records it, so a declared base never vanishes
    silently."""
    problems = problems if problems is not None else []
    files = [f.path for f in source.list_files()]
    own_id = getattr(source, "repo_id", None)
    quantization = getattr(config, "quantization", None) if config is not None else None
    claims: list[LineageClaim] = []
    has_mergekit = any(n.lower() in _MERGEKIT_FILES for n in files)

    if card is not None:
        claims += declared_claims(list(card.base_model), card.base_model_relation, files, quantization,
                                  card.evidence.get("base_model"), card.path)
        claims += tag_claims(card.tags, card.path)
        body, start = card.body or "", card.body_start_line or 1
        mk = card_mergekit_claims(body, card.path, start, problems)
        claims += mk
        merge_card = bool(mk) or has_mergekit or any(t.lower() in ("merge", "mergekit") for t in card.tags)
        claims += cache_path_claims(body, card.path, start, merge_card)
        claims += prose_claims(body, card.path, start)
    info = getattr(source, "hub_info", None)
    if isinstance(info, dict):
        claims += tag_claims(info.get("tags") or [], "api/models", key="tags (Hub)")
    if config is not None:
        claims += name_or_path_claims(config.name_or_path, own_id, config.evidence.get("_name_or_path"), config.path)
    if "adapter_config.json" in files:
        text = _read_lineage_file(source, "adapter_config.json", _json_problem, problems)
        if text:
            claims += adapter_claims(text)
    for name in files:
        if name.lower() in _MERGEKIT_FILES:
            text = _read_lineage_file(source, name, _yaml_problem, problems)
            if text:
                claims += mergekit_claims(text, name)
    for name in [f for f in files if f.lower().endswith(".gguf")][:8]:
        prefix = read_prefix(source, name, GGUF_PREFIX_BYTES)
        if not prefix:
            problems.append((name, "GGUF header unreadable: its base-model keys were not read"))
            continue
        try:
            claims += gguf_claims(parse_gguf_metadata(prefix).values, name)
        except GGUFError as exc:
            problems.append((name, f"invalid GGUF header: {exc}"))
    return merge_claims(claims, own_id)


def _json_problem(text: str) -> str | None:
    try:
        json.loads(text)
    except (ValueError, RecursionError) as exc:
        return f"invalid JSON: {exc}"
    return None


def _yaml_problem(text: str) -> str | None:
    try:
        yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return f"malformed YAML: {exc}"
    return None


def _read_lineage_file(source: Any, path: str, problem_of, problems: list[tuple[str, str]]) -> str | None:
    try:
        text = source.read_text(path, limit=1024 * 1024)
    except Exception as exc:  # any source error: recorded, never a crash
        problems.append((path, f"unreadable: {exc}"))
        return None
    problem = problem_of(text)
    if problem:
        problems.append((path, problem))
        return None
    return text


def read_prefix(source: Any, path: str, length: int) -> bytes | None:
    """The first `length` bytes of a file: via the source's range reader, else its local copy."""
    reader = getattr(source, "read_prefix", None)
    if callable(reader):
        try:
            return reader(path, length)
        except Exception:
            return None
    local = source.local_path(path) if hasattr(source, "local_path") else None
    if local:
        try:
            with open(local, "rb") as fh:
                return fh.read(length)
        except OSError:
            return None
    return None
