"""The tokenizer of a model: class, vocabulary size, special tokens, and the family they betray.

Why: a tokenizer is rarely rebuilt from scratch when weights are inherited, so the special
tokens a family introduced (Qwen's ChatML, Llama 3's header tokens...) are a cheap hint of
lineage. The hint is weak (tokenizers are reused legitimately), so it yields a `derived_from`
claim of confidence 0.3 only, with the tokens as evidence. Family signatures are data
(`tokenizer_families.yaml`). `tokenizer.json` can be tens of megabytes: only its first bytes are
parsed for `added_tokens`, and the vocabulary is counted only when the whole file is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from scanner.extractors.interface import ExtractionError, excerpt, json_key_line
from scanner.extractors.lineage import LineageClaim
from scanner.graph import Relation
from scanner.model import Evidence

CONF_TOKENIZER_FAMILY = 0.3
#: How much of tokenizer.json is parsed when the whole file is not read.
TOKENIZER_JSON_PREFIX = 2 * 1024 * 1024

_SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token")


@dataclass(frozen=True)
class TokenizerFamily:
    id: str
    family: str
    org: str
    tokens: tuple[str, ...]
    reference: str


@dataclass
class TokenizerInfo:
    """What a repository's tokenizer files say; `evidence` maps a fact to where it was read."""

    tokenizer_class: str | None = None
    model_type: str | None = None  # BPE, Unigram, WordPiece... (tokenizer.json `model.type`)
    vocab_size: int | None = None
    special_tokens: list[str] = field(default_factory=list)
    added_tokens: list[str] = field(default_factory=list)
    chat_template: bool = False
    chat_markers: list[str] = field(default_factory=list)
    evidence: dict[str, Evidence] = field(default_factory=dict)

    @property
    def all_tokens(self) -> set[str]:
        return set(self.special_tokens) | set(self.added_tokens) | set(self.chat_markers)


@lru_cache(maxsize=1)
def tokenizer_families() -> tuple[TokenizerFamily, ...]:
    text = resources.files("scanner.extractors").joinpath("tokenizer_families.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return tuple(
        TokenizerFamily(f["id"], f["family"], f["org"], tuple(f["tokens"]), f["reference"]) for f in data["families"]
    )


def _token_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    return None


def parse_tokenizer_config(text: str, path: str = "tokenizer_config.json", info: TokenizerInfo | None = None) -> TokenizerInfo:
    """Class, special tokens and chat-template markers from `tokenizer_config.json`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractionError(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ExtractionError(path, "expected a JSON object")
    info = info or TokenizerInfo()
    if isinstance(data.get("tokenizer_class"), str):
        info.tokenizer_class = data["tokenizer_class"]
        line = json_key_line(text, "tokenizer_class")
        info.evidence["tokenizer_class"] = Evidence(path=path, line=line, key="tokenizer_class", excerpt=data["tokenizer_class"])
    specials: list[str] = []
    for key in _SPECIAL_KEYS:
        tok = _token_text(data.get(key))
        if tok:
            specials.append(tok)
    for tok in data.get("additional_special_tokens") or []:
        t = _token_text(tok)
        if t:
            specials.append(t)
    decoder = data.get("added_tokens_decoder")
    if isinstance(decoder, dict):
        for _tid, entry in sorted(decoder.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else 0):
            t = _token_text(entry)
            if t:
                specials.append(t)
    info.special_tokens = list(dict.fromkeys(info.special_tokens + specials))
    if info.special_tokens:
        info.evidence.setdefault("special_tokens", Evidence(path=path, key="added_tokens_decoder",
                                                            excerpt=excerpt(", ".join(info.special_tokens[:12]))))
    template = data.get("chat_template")
    if isinstance(template, list):  # several named templates
        template = " ".join(t.get("template", "") for t in template if isinstance(t, dict))
    if isinstance(template, str) and template:
        info.chat_template = True
        markers = [tok for fam in tokenizer_families() for tok in fam.tokens if tok in template]
        info.chat_markers = list(dict.fromkeys(info.chat_markers + markers))
        if markers:
            info.evidence.setdefault("chat_template", Evidence(path=path, key="chat_template", excerpt=excerpt(", ".join(markers))))
    return info


def _find_array(prefix: str, key: str) -> list[Any] | None:
    """Decode the JSON array of top-level `key` from a (possibly cut) prefix of a JSON object."""
    idx = prefix.find(f'"{key}"')
    if idx < 0:
        return None
    start = prefix.find("[", idx)
    if start < 0:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(prefix, start)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


def parse_tokenizer_json(data: bytes, path: str = "tokenizer.json", complete: bool = False,
                         info: TokenizerInfo | None = None) -> TokenizerInfo:
    """Added tokens (and, when `complete`, the vocabulary size and model type) of `tokenizer.json`.

    With `complete=False`, `data` may be a prefix of the file: only `added_tokens`, which comes
    first in files written by `tokenizers`, is read."""
    info = info or TokenizerInfo()
    text = data.decode("utf-8", errors="replace")
    if complete:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExtractionError(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        if not isinstance(obj, dict):
            raise ExtractionError(path, "expected a JSON object")
        added = obj.get("added_tokens") if isinstance(obj.get("added_tokens"), list) else []
        model = obj.get("model") if isinstance(obj.get("model"), dict) else {}
        vocab = model.get("vocab")
        if isinstance(model.get("type"), str):
            info.model_type = model["type"]
        if isinstance(vocab, (dict, list)):
            ids = [t.get("id") for t in added if isinstance(t, dict) and isinstance(t.get("id"), int)]
            size = len(vocab)
            info.vocab_size = max([size] + [i + 1 for i in ids])
            info.evidence["vocab_size"] = Evidence(path=path, key="model.vocab", excerpt=f"{size} entries",
                                                   detail={"vocab_entries": size, "added_tokens": len(ids)})
    else:
        added = _find_array(text, "added_tokens") or []
    tokens = [t["content"] for t in added if isinstance(t, dict) and isinstance(t.get("content"), str)]
    if tokens:
        info.added_tokens = list(dict.fromkeys(info.added_tokens + tokens))
        info.evidence.setdefault("added_tokens", Evidence(path=path, key="added_tokens", excerpt=excerpt(", ".join(tokens[:12]))))
    return info


def family_matches(info: TokenizerInfo) -> list[TokenizerFamily]:
    """Families whose every signature token is in the tokenizer."""
    have = info.all_tokens
    return [fam for fam in tokenizer_families() if all(tok in have for tok in fam.tokens)]


def tokenizer_claims(info: TokenizerInfo, own_org: str | None = None) -> list[LineageClaim]:
    """Low-confidence `derived_from` claims to the reference repository of each matching family
    (none for the family's own organisation: Qwen's models carry Qwen's tokens)."""
    out = []
    for fam in family_matches(info):
        if own_org and own_org.lower() == fam.org.lower():
            continue
        source = info.evidence.get("added_tokens") or info.evidence.get("special_tokens") or info.evidence.get("chat_template")
        ev = Evidence(
            path=source.path if source else "tokenizer_config.json",
            key=source.key if source else "special tokens",
            excerpt=excerpt(f"{fam.family} tokenizer signature: {', '.join(fam.tokens)}"),
            detail={"family": fam.family, "family_org": fam.org, "signature": fam.id, "tokens": list(fam.tokens),
                    "tokenizer_class": info.tokenizer_class, "vocab_size": info.vocab_size},
        )
        out.append(LineageClaim(fam.reference, Relation.DERIVED_FROM, CONF_TOKENIZER_FAMILY, ev))
    return out


def read_tokenizer(source: Any, limit: int) -> tuple[TokenizerInfo | None, list[tuple[str, str]]]:
    """Read a repository's tokenizer files through `source` (bounded). Returns the info (None
    when the repository has no tokenizer files) and `(path, problem)` pairs for the scan issues."""
    names = {f.path: f.size for f in source.list_files()}
    if "tokenizer_config.json" not in names and "tokenizer.json" not in names:
        return None, []
    info = TokenizerInfo()
    problems: list[tuple[str, str]] = []
    if "tokenizer_config.json" in names:
        try:
            parse_tokenizer_config(source.read_text("tokenizer_config.json", limit=limit), info=info)
        except ExtractionError as exc:
            problems.append((exc.path, exc.problem))
        except Exception as exc:  # a source error: unreadable, too large, network
            problems.append(("tokenizer_config.json", f"unreadable: {exc}"))
    if "tokenizer.json" in names:
        size = names["tokenizer.json"]
        try:
            if size and size <= limit:
                parse_tokenizer_json(source.read_bytes("tokenizer.json", limit=limit), complete=True, info=info)
            else:
                from scanner.extractors.lineage import read_prefix

                prefix = read_prefix(source, "tokenizer.json", TOKENIZER_JSON_PREFIX)
                if prefix:
                    parse_tokenizer_json(prefix, complete=False, info=info)
        except ExtractionError as exc:
            problems.append((exc.path, exc.problem))
        except Exception as exc:
            problems.append(("tokenizer.json", f"unreadable: {exc}"))
    return info, problems
