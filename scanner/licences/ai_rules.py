"""Recognise AI-model licences and use policies by signature phrases (see ai_signatures.yaml).

These licences are not in the SPDX list and their texts may not be copied into sovscan, so they
are recognised by what sets each apart: its title, its version or release-date line, and a few
distinctive clauses. Versions differ exactly there (Llama 3 vs 3.1, Qwen vs Qwen Research,
EXAONE 1.1 vs 1.2, Gemma terms by "Last modified" date), so a rule needs its title *and* its
version line; body phrases only raise the score and stretch the reported span.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from scanner.licences.normalise import Tokens, normalise_phrase

_SIGNATURES = Path(__file__).with_name("ai_signatures.yaml")
#: Required phrases must sit this close to the title (in tokens, before / after).
_BEFORE = 60
_AFTER = 600


@dataclass(frozen=True)
class AiRule:
    key: str
    scancode_key: str
    name: str
    version: str | None
    date: str | None
    kind: str
    title: tuple[str, ...]
    required: tuple[tuple[str, ...], ...]
    optional: tuple[str, ...]
    exclude: tuple[str, ...]
    part_of: tuple[str, ...]
    modifies: str | None
    trigger: frozenset[str]


@dataclass(frozen=True)
class AiHit:
    rule: AiRule
    first_token: int
    last_token: int
    score: float
    phrases: tuple[str, ...]


def _phrases(values: object) -> tuple[str, ...]:
    if not values:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(p for p in (normalise_phrase(str(v)) for v in values) if p)  # type: ignore[union-attr]


@functools.lru_cache(maxsize=1)
def load_rules(path: str | None = None) -> tuple[AiRule, ...]:
    """The signature rules, validated: a rule without a title would match anything."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster start-up
    data = yaml.load(Path(path or _SIGNATURES).read_text(encoding="utf-8"), Loader=loader)
    rules: list[AiRule] = []
    for raw in data.get("rules", []):
        title = _phrases(raw.get("title"))
        if not title or not raw.get("key") or not raw.get("scancode_key"):
            raise ValueError(f"AI signature rule needs key, scancode_key and title: {raw!r}")
        rules.append(
            AiRule(
                key=str(raw["key"]),
                scancode_key=str(raw["scancode_key"]),
                name=str(raw.get("name", raw["key"])),
                version=None if raw.get("version") is None else str(raw["version"]),
                date=None if raw.get("date") is None else str(raw["date"]),
                kind=str(raw.get("kind", "licence")),
                title=title,
                required=tuple(_phrases(g) for g in raw.get("required") or []),
                optional=_phrases(raw.get("optional")),
                exclude=_phrases(raw.get("exclude")),
                part_of=tuple([raw["part_of"]] if isinstance(raw.get("part_of"), str) else raw.get("part_of") or ()),
                modifies=raw.get("modifies"),
                trigger=frozenset(title[0].split()),
            )
        )
    return tuple(rules)


class _Text:
    """Space-joined tokens with a map from character offset to token index."""

    def __init__(self, tokens: Tokens) -> None:
        self.s = " " + " ".join(tokens.words) + " "
        lengths = np.fromiter((len(w) + 1 for w in tokens.words), dtype=np.int64, count=len(tokens.words))
        self.offsets = np.concatenate([[1], 1 + np.cumsum(lengths)[:-1]]) if len(lengths) else np.zeros(0, np.int64)
        self._memo: dict[str, list[int]] = {}

    def find_all(self, phrase: str) -> list[int]:
        """Token indexes where `phrase` starts."""
        hit = self._memo.get(phrase)
        if hit is not None:
            return hit
        needle = " " + phrase + " "
        out: list[int] = []
        pos = self.s.find(needle)
        while pos >= 0:
            out.append(int(np.searchsorted(self.offsets, pos + 1)))
            pos = self.s.find(needle, pos + 1)
        self._memo[phrase] = out
        return out


def find_ai(tokens: Tokens) -> list[AiHit]:
    """AI licences and policies present in the document, in document order."""
    if not tokens.words:
        return []
    vocab = set(tokens.words)
    rules = [r for r in load_rules() if r.trigger <= vocab]
    if not rules:
        return []
    text = _Text(tokens)
    anchored: list[tuple[int, AiRule, list[tuple[str, int]]]] = []
    for rule in rules:
        starts = sorted({i for t in rule.title for i in text.find_all(t)})
        for anchor in starts:
            lo, hi = anchor - _BEFORE, anchor + _AFTER
            found: list[tuple[str, int]] = [(rule.title[0], anchor)]
            ok = True
            for group in rule.required:
                pos = [(p, i) for p in group for i in text.find_all(p) if lo <= i <= hi]
                if not pos:
                    ok = False
                    break
                found.append(min(pos, key=lambda x: abs(x[1] - anchor)))
            if not ok:
                continue
            if any(lo <= i <= hi for p in rule.exclude for i in text.find_all(p)):
                continue
            anchored.append((anchor, rule, found))
            break  # one copy of a licence per file is the norm; the first complete anchor wins
    anchored.sort(key=lambda a: a[0])
    hits: list[AiHit] = []
    for n, (anchor, rule, found) in enumerate(anchored):
        # body phrases count up to the next different licence's title
        limit = len(tokens)
        for later_anchor, later_rule, _ in anchored[n + 1 :]:
            if later_rule.key != rule.key or later_rule.version != rule.version:
                limit = later_anchor
                break
        opt_found = 0
        for p in rule.optional:
            pos = [i for i in text.find_all(p) if anchor - _BEFORE <= i < limit]
            if pos:
                opt_found += 1
                found.append((p, max(pos)))
        first = min(i for _, i in found)
        last = max(i + len(p.split()) - 1 for p, i in found)
        frac = opt_found / len(rule.optional) if rule.optional else 1.0
        hits.append(
            AiHit(rule=rule, first_token=first, last_token=min(last, len(tokens) - 1),
                  score=round(0.6 + 0.4 * frac, 3), phrases=tuple(p for p, _ in found))
        )
    return hits
