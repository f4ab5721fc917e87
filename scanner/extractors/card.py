"""Model and dataset cards: the YAML front matter of README.md and the prose below it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scanner.extractors.interface import ExtractionError, excerpt, line_text, load_yaml_with_lines
from scanner.model import Evidence

#: Front-matter keys the scanner reads (others are kept in `raw`).
_LIST_KEYS = ("base_model", "datasets", "tags", "language")


@dataclass
class ModelCard:
    """What a card declares. Every declared field has its evidence in `evidence[field]`."""

    path: str
    has_front_matter: bool
    license: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    base_model: list[str] = field(default_factory=list)
    base_model_relation: str | None = None
    datasets: list[str] = field(default_factory=list)
    eval_datasets: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    library_name: str | None = None
    language: list[str] = field(default_factory=list)
    pipeline_tag: str | None = None
    body: str = ""
    body_start_line: int = 1
    raw: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter text or None, body, 1-based line where the body starts)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    return None, text, 1  # an opening fence without a closing one is not front matter


_CARD_KEY = re.compile(r"^(license|license_name|license_link|base_model|base_model_relation|datasets|tags|library_name)\s*:")


def _unclosed_front_matter_key(text: str) -> str | None:
    """A leading `---` that is never closed is a thematic break in Markdown, but when the lines
    after it declare card keys it is front matter with its closing fence lost: the Hub reads no
    metadata from it, and neither can we. Return the first card key declared, if any."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for line in lines[1:50]:
        m = _CARD_KEY.match(line)
        if m:
            return m.group(1)
    return None


def _kind(value: Any) -> str:
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else type(value).__name__


def _as_list(value: Any, key: str, path: str) -> list[str]:
    """A scalar or a list of scalars as a list of strings. Anything else (a mapping, a nested
    list) is malformed: dropping it silently could hide a declared base model or dataset."""
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)] if str(value).strip() else []
    if isinstance(value, list):
        bad = [v for v in value if v is not None and not isinstance(v, (str, int, float))]
        if bad:
            raise ExtractionError(path, f"`{key}` must list strings, found {_kind(bad[0])} {excerpt(repr(dict(bad[0]) if isinstance(bad[0], dict) else bad[0]), 60)}")
        return [str(v) for v in value if v is not None and str(v).strip()]
    raise ExtractionError(path, f"`{key}` must be a string or a list of strings, found {_kind(value)}")


def _eval_datasets(model_index: Any) -> list[str]:
    """Datasets named in `model-index` results: evaluation only, never training data."""
    found: list[str] = []
    if not isinstance(model_index, list):
        return found
    for entry in model_index:
        for result in (entry or {}).get("results", []) if isinstance(entry, dict) else []:
            ds = result.get("dataset") if isinstance(result, dict) else None
            if isinstance(ds, dict) and isinstance(ds.get("type"), str) and ds["type"] not in found:
                found.append(ds["type"])
    return found


def parse_card(text: str, path: str = "README.md") -> ModelCard:
    """Parse a card. Malformed front matter raises ExtractionError naming the line."""
    fm_text, body, body_line = split_front_matter(text)
    card = ModelCard(path=path, has_front_matter=fm_text is not None, body=body, body_start_line=body_line)
    if fm_text is None:
        unclosed = _unclosed_front_matter_key(text)
        if unclosed:
            raise ExtractionError(path, f"front matter opened on line 1 is never closed with `---` (it declares `{unclosed}`)")
        return card
    data, lines = load_yaml_with_lines(fm_text, path, line_offset=1)
    if data is None:
        return card
    if not isinstance(data, dict):
        raise ExtractionError(path, f"front matter must be a YAML mapping, found {type(data).__name__}")
    card.raw = dict(data)

    def cite(key: str) -> None:
        line = lines.get(key)
        card.evidence[key] = Evidence(path=path, line=line, key=key, excerpt=excerpt(line_text(text, line)))

    for key in ("license", "license_name", "license_link", "base_model_relation", "library_name", "pipeline_tag"):
        value = data.get(key)
        if isinstance(value, (str, int, float)) and str(value).strip():
            setattr(card, key, str(value).strip())
            cite(key)
        elif isinstance(value, list) and key == "license":
            ids = _as_list(value, key, path)
            if ids:
                card.license = " OR ".join(ids)
                cite(key)
        elif value is not None and not isinstance(value, (str, int, float)):
            raise ExtractionError(path, f"`{key}` must be a string, found {_kind(value)}")
    for key in _LIST_KEYS:
        if key in data:
            setattr(card, key, _as_list(data.get(key), key, path))
            cite(key)
    if "model-index" in data:
        card.eval_datasets = _eval_datasets(data.get("model-index"))
        if card.eval_datasets:
            cite("model-index")
    return card
