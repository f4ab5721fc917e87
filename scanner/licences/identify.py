"""Identify the licences in a text: full SPDX texts, AI-licence signatures, SPDX tags, card fields.

`identify_text` is the entry point for file contents. It runs the AI signature rules and the
SPDX n-gram matcher over the same normalised tokens and reconciles them: an AI licence claims
its span, so SPDX passages it quotes (RAIL and Falcon reuse Apache wording) are not reported
separately; a policy printed inside its own licence (the Llama 3 file carries its use policy)
is folded into the licence. Below the thresholds nothing is reported: unknown, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.licences.ai_rules import AiHit, find_ai
from scanner.licences.normalise import Tokens, tokenise
from scanner.licences.spdx_corpus import spdx_index
from scanner.licences.text_match import TextHit, find_texts

#: An SPDX match mostly inside an AI licence's span is a quoted passage, unless it is whole.
_INSIDE_AI = 0.5
#: A notices file may carry dozens of licences; beyond this many per window the rest are dropped.
_MAX_MATCHES = 200
_WHOLE = 0.95
_LEGAL_WORDS = frozenset(
    "shall must may license licensed permission permitted software use notice conditions condition "
    "rights terms commercial agree prohibited restriction restrictions provided display revenue users".split()
)
_BLANKS = re.compile(r"(?:[ \t#*/;-]*\n)*")
_PARAGRAPH_END = re.compile(r"\n[ \t#*/;-]*\n")
_CODE_WORDS = frozenset("def import class return self none true false elif function var const".split())


@dataclass(frozen=True)
class LicenceMatch:
    """One licence found in one text.

    `id` is an SPDX id for SPDX licences and the sovscan knowledge-base key for AI licences;
    `score` is 0..1 (for texts: the share of the licence found, lower when truncated);
    lines are 1-based inclusive, chars are [start, end). `modified` means the text is the
    licence `base` with words added or replaced (`extra` gives where).
    """

    id: str
    score: float
    start_line: int
    end_line: int
    start_char: int
    end_char: int
    matcher: str  # 'spdx-text' | 'spdx-header' | 'ai-rule' | 'spdx-tag' | 'card'
    modified: bool = False
    version: str | None = None
    excerpt: str = ""
    name: str = ""
    alternatives: tuple[str, ...] = ()
    base: str | None = None
    extra: tuple[tuple[int, int], ...] = ()  # line spans of added/changed text
    scancode_key: str | None = None
    kind: str = "licence"  # 'licence' | 'exception' | 'policy'
    includes: tuple[str, ...] = ()
    expression: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start_line, self.end_line)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "score": round(self.score, 3),
            "span": [self.start_line, self.end_line],
            "chars": [self.start_char, self.end_char],
            "matcher": self.matcher,
            "modified": self.modified,
            "version": self.version,
            "name": self.name,
            "kind": self.kind,
            "excerpt": self.excerpt,
        }
        if self.alternatives:
            out["alternatives"] = list(self.alternatives)
        if self.base:
            out["base"] = self.base
        if self.extra:
            out["extra"] = [list(s) for s in self.extra]
        if self.scancode_key:
            out["scancode_key"] = self.scancode_key
        if self.includes:
            out["includes"] = list(self.includes)
        if self.expression:
            out["expression"] = self.expression
        if self.detail:
            out["detail"] = self.detail
        return out


# --- full texts --------------------------------------------------------------------------------


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def _trailing_clause(tokens: Tokens, last_token: int, stop_token: int) -> tuple[int, int] | None:
    """Token range of a licence-like paragraph right after a licence text (an added clause)."""
    if last_token + 1 >= min(stop_token, len(tokens)):
        return None
    text = tokens.text
    after = tokens.ends[last_token]
    # the next paragraph: skip blank lines, stop at the following blank line or heading
    nl = text.find("\n", after)
    if nl < 0:
        return None
    m = _BLANKS.match(text, nl)
    begin = m.end() if m else nl
    if re.match(r"#{1,6}\s|```|---|===", text[begin : begin + 6]):
        return None  # a heading or rule starts the next section, not an added clause
    end_m = _PARAGRAPH_END.search(text, begin)
    end = end_m.start() if end_m else len(text)
    first = last_token + 1
    last = first
    while last + 1 < min(stop_token, len(tokens)) and tokens.starts[last + 1] < end:
        last += 1
    words = tokens.words[first : last + 1]
    if len(words) < 12 or len(words) > 150:
        return None
    if sum(1 for w in words if w in _CODE_WORDS) >= 2:
        return None
    if len(set(words) & _LEGAL_WORDS) < 3:
        return None
    return (first, last)


def _text_match(tokens: Tokens, hit: TextHit, stop_token: int) -> LicenceMatch:
    index = spdx_index()
    entry = index.entries[hit.entry]
    extras = list(hit.modified_runs)
    tail = _trailing_clause(tokens, hit.last_token, stop_token) if hit.coverage >= 0.9 else None
    if tail:
        extras.append(tail)
    start, end = tokens.char_span(hit.first_token, hit.last_token)
    lines = tokens.line_span(hit.first_token, hit.last_token)
    if tail:
        end = tokens.char_span(tail[0], tail[1])[1]
        lines = (lines[0], tokens.line_span(tail[0], tail[1])[1])
    return LicenceMatch(
        id=entry.id,
        score=round(min(1.0, hit.coverage), 3),
        start_line=lines[0],
        end_line=lines[1],
        start_char=start,
        end_char=end,
        matcher="spdx-header" if entry.kind == "header" else "spdx-text",
        modified=bool(extras),
        excerpt=tokens.excerpt(hit.first_token, hit.last_token),
        name=entry.name,
        alternatives=entry.alternatives,
        base=entry.id if extras else None,
        extra=tuple(tokens.line_span(a, b) for a, b in extras),
        kind="exception" if entry.kind == "exception" else "licence",
        detail={"precision": round(hit.precision, 3)},
    )


def _ai_match(tokens: Tokens, hit: AiHit, includes: tuple[str, ...], modified_base: str | None) -> LicenceMatch:
    rule = hit.rule
    start, end = tokens.char_span(hit.first_token, hit.last_token)
    lines = tokens.line_span(hit.first_token, hit.last_token)
    return LicenceMatch(
        id=rule.key,
        score=hit.score,
        start_line=lines[0],
        end_line=lines[1],
        start_char=start,
        end_char=end,
        matcher="ai-rule",
        modified=modified_base is not None,
        version=rule.version,
        excerpt=tokens.excerpt(hit.first_token, min(hit.last_token, hit.first_token + 30)),
        name=rule.name,
        base=modified_base,
        scancode_key=rule.scancode_key,
        kind=rule.kind,
        includes=includes,
        detail={"phrases": len(hit.phrases), **({"date": rule.date} if rule.date else {})},
    )


#: Long files (third-party notices) are read in overlapping windows to bound memory; the overlap
#: is longer than any licence text, so each licence is whole in at least one window.
_WINDOW = 400_000
_OVERLAP = 60_000


def identify_text(text: str) -> list[LicenceMatch]:
    """Every licence found in `text` (file content), in document order; [] when unknown."""
    if len(text) <= _WINDOW + _OVERLAP:
        return _identify_window(text)
    out: list[LicenceMatch] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _WINDOW + _OVERLAP)
        if end < len(text):
            nl = text.rfind("\n", start + _WINDOW, end)
            end = nl + 1 if nl > start else end
        line0 = text.count("\n", 0, start)
        for m in _identify_window(text[start:end]):
            shifted = replace(
                m,
                start_line=m.start_line + line0,
                end_line=m.end_line + line0,
                start_char=m.start_char + start,
                end_char=m.end_char + start,
                extra=tuple((a + line0, b + line0) for a, b in m.extra),
            )
            same = [o for o in out if o.id == shifted.id and o.start_char < shifted.end_char and shifted.start_char < o.end_char]
            if not same:
                out.append(shifted)
            elif shifted.score > max(o.score for o in same):
                out = [o for o in out if o not in same] + [shifted]
        if end >= len(text):
            break
        nxt = text.find("\n", end - _OVERLAP)
        start = nxt + 1 if 0 <= nxt < end else end - _OVERLAP
    out.sort(key=lambda m: (m.start_char, m.id))
    return out


def _identify_window(text: str) -> list[LicenceMatch]:
    tokens = tokenise(text)
    if not tokens.words:
        return []
    ai_hits = find_ai(tokens)
    text_hits = find_texts(spdx_index(), tokens, max_matches=_MAX_MATCHES)

    # policies printed inside their own licence are part of it
    present = {h.rule.key for h in ai_hits}
    folded: dict[str, list[str]] = {}
    kept_ai: list[AiHit] = []
    for h in ai_hits:
        parent = next((k for k in h.rule.part_of if k in present), None)
        if parent is not None:
            folded.setdefault(parent, []).append(h.rule.key)
        else:
            kept_ai.append(h)
    # a licence's span takes in the policy printed after it
    for i, h in enumerate(kept_ai):
        parts = [p for p in ai_hits if p.rule.key in folded.get(h.rule.key, ())]
        if parts:
            kept_ai[i] = replace(h, last_token=max(h.last_token, *(p.last_token for p in parts)))
    # for span purposes a licence with folded policies extends over them
    ai_spans = [(h.first_token, h.last_token) for h in ai_hits]

    kept_text: list[TextHit] = []
    modified_by: dict[int, str] = {}
    for th in text_hits:
        span = (th.first_token, th.last_token)
        length = th.last_token - th.first_token + 1
        inside = [i for i, a in enumerate(kept_ai) if _overlap(span, (a.first_token, a.last_token)) > _INSIDE_AI * length]
        modifier = next((i for i in inside if kept_ai[i].rule.modifies), None)
        if modifier is not None:
            modified_by[modifier] = kept_ai[modifier].rule.modifies or ""
            continue
        quoted = any(_overlap(span, s) > _INSIDE_AI * length for s in ai_spans)
        if quoted and not (th.coverage >= _WHOLE and th.precision >= _WHOLE):
            continue
        kept_text.append(th)

    starts = sorted([h.first_token for h in kept_ai] + [h.first_token for h in kept_text])
    out: list[LicenceMatch] = []
    for i, h in enumerate(kept_ai):
        out.append(_ai_match(tokens, h, tuple(folded.get(h.rule.key, ())), modified_by.get(i)))
    for th in kept_text:
        stop = next((s for s in starts if s > th.last_token), len(tokens))
        out.append(_text_match(tokens, th, stop))
    out.sort(key=lambda m: (m.start_char, m.id))
    return out


# --- SPDX-License-Identifier tags ----------------------------------------------------------------

_TAG = re.compile(r"SPDX-License-Identifier\s*:\s*(?P<expr>[^\n\r]*)", re.IGNORECASE)
_TAG_TAIL = re.compile(r"\s*(?:\*/|-->|\*\)|#\}|%>|\"\"\"|''')\s*$")


@dataclass(frozen=True)
class TagParse:
    expression: str
    keys: tuple[str, ...]
    unknown: tuple[str, ...]
    error: str | None = None


def parse_expression(expression: str) -> TagParse:
    """Parse an SPDX licence expression with `license-expression` (never by hand)."""
    from license_expression import ExpressionError

    licensing = _spdx_licensing()
    try:
        parsed = licensing.parse(expression, validate=False, strict=False)
    except ExpressionError as exc:
        return TagParse(expression=expression, keys=(), unknown=(), error=str(exc))
    except Exception as exc:  # the parser raises a few non-ExpressionError types on junk
        return TagParse(expression=expression, keys=(), unknown=(), error=f"{type(exc).__name__}: {exc}")
    if parsed is None:
        return TagParse(expression=expression, keys=(), unknown=(), error="empty expression")
    keys = tuple(licensing.license_keys(parsed, unique=True))
    unknown = tuple(str(k) for k in licensing.unknown_license_keys(parsed, unique=True))
    return TagParse(expression=str(parsed), keys=keys, unknown=unknown)


_LICENSING: Any = None


def _spdx_licensing() -> Any:
    global _LICENSING
    if _LICENSING is None:
        from license_expression import get_spdx_licensing

        _LICENSING = get_spdx_licensing()
    return _LICENSING


def spdx_tags(text: str) -> list[LicenceMatch]:
    """Licences declared by `SPDX-License-Identifier:` lines, one match per licence key."""
    out: list[LicenceMatch] = []
    if "spdx-license-identifier" not in text.lower():
        return out
    for m in _TAG.finditer(text):
        raw = _TAG_TAIL.sub("", m.group("expr")).strip().strip("\"'`")
        if not raw:
            continue
        line = text.count("\n", 0, m.start()) + 1
        parsed = parse_expression(raw)
        if parsed.error:
            out.append(
                LicenceMatch(id=raw, score=0.0, start_line=line, end_line=line, start_char=m.start(),
                             end_char=m.end(), matcher="spdx-tag", excerpt=m.group(0).strip(),
                             expression=raw, detail={"error": parsed.error})
            )
            continue
        for key in parsed.keys:
            known = key not in parsed.unknown
            out.append(
                LicenceMatch(id=key, score=1.0 if known else 0.5, start_line=line, end_line=line,
                             start_char=m.start(), end_char=m.end(), matcher="spdx-tag",
                             excerpt=m.group(0).strip(), expression=parsed.expression,
                             detail={} if known else {"unknown_id": True})
            )
    return out


# --- model-card fields -----------------------------------------------------------------------------


def output_id(facts: Any) -> str:
    """The id we report for a knowledge-base entry: its SPDX id when SPDX lists it, else its key."""
    spdx_id = getattr(facts, "spdx_id", None) or ""
    if spdx_id and not spdx_id.startswith("LicenseRef-"):
        return spdx_id
    return facts.key


def identify_card_fields(card: dict[str, Any], path: str = "README.md") -> list[LicenceMatch]:
    """Card `license` / `license_name` / `license_link` values mapped through the knowledge base.

    The id is the SPDX id for SPDX licences and the knowledge-base key otherwise (as for texts);
    `detail.key` always carries the knowledge-base key.

    A value the knowledge base does not know is returned with `detail.known = False` and score
    0, so the caller treats it as needing review rather than as a licence.
    """
    try:
        from scanner.licences.knowledge import knowledge
    except ImportError:
        knowledge = None  # type: ignore[assignment]
    kb = knowledge() if knowledge is not None else None
    out: list[LicenceMatch] = []
    seen: set[str] = set()
    for field_name in ("license", "license_name", "license_link"):
        values = card.get(field_name)
        if values is None:
            continue
        for value in values if isinstance(values, list) else [values]:
            value = str(value).strip()
            if not value or value.lower() in ("other", "unknown"):
                continue
            facts = kb.lookup(value) if kb is not None else None
            key = getattr(facts, "key", None)
            ident = output_id(facts) if facts is not None else value
            if ident in seen:
                continue
            seen.add(ident)
            out.append(
                LicenceMatch(id=ident, score=1.0 if key else 0.0, start_line=0, end_line=0,
                             start_char=0, end_char=0, matcher="card", excerpt=f"{field_name}: {value}",
                             version=getattr(facts, "version", None),
                             detail={"field": field_name, "value": value, "known": bool(key), "key": key})
            )
    return out
