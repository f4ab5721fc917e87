"""Turn any licence-bearing text into comparable tokens, keeping the way back to the original.

Licence texts arrive re-wrapped, as Markdown, inside `#`, `//` or `/* */` comments, with their
copyright lines changed. Matching on word tokens (lower-case letters and digits, one token per
CJK/Hangul character) makes all of that irrelevant: punctuation, comment leaders, emphasis and
bullets carry no tokens. Copyright statements are dropped because they differ in every copy.
Each token keeps its character offsets so a match can be reported as lines and characters of the
original file.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np

#: Bump when tokenisation changes: it is part of the cached index key.
NORMALISER_VERSION = "5"

_ASCII_WORD = re.compile(r"[a-z0-9]+")
_ASCII_SPACES = bytes(c if (97 <= c <= 122 or 48 <= c <= 57) else 32 for c in range(256))
_TOKEN_LOWER = re.compile(r"[a-z0-9]+|[\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Markdown link targets and HTML tags carry no licence words but add URL tokens twice.
_MD_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>\n]{0,200}>")
# A copyright statement: "Copyright (c) 2024 Acme", "(C) 1999 ...", "© Acme", "Copyright <year> <owner>".
_COPYRIGHT_LINE = re.compile(
    r"^[\W_]*(?:(?:portions\s+)?copyright\b\s*(?:\(c\)|©|&copy;)\s*|(?:portions\s+)?copyright\s+(?=[\d<\[{])"
    r"|\(c\)\s*[\d<\[{]|©)",
    re.IGNORECASE,
)
_RIGHTS_RESERVED = re.compile(r"^[\W_]*all\s+rights\s+reserved\W*$", re.IGNORECASE)
_DROP_LINE = re.compile(
    r"^[^\S\n]*[^\w\n]*[^\S\n]*(?:(?:portions\s+)?copyright\b\s*(?:\(c\)|©|&copy;)|(?:portions\s+)?copyright\s+(?=[\d<\[{])"
    r"|\(c\)\s*[\d<\[{]|©|all\s+rights\s+reserved\W*$)",
    re.IGNORECASE | re.MULTILINE,
)
_DROP_HINT = re.compile(r"copyright|\(c\)|©|rights\s+reserved")  # applied to lower-cased text
_SENTENCE_END = re.compile(r"\.(?=\s(?:\s|[*#/])*[A-Z])")
_ABBREVIATIONS = frozenset("inc ltd llc corp co etc al gmbh ag sa bv plc pty".split())
_LAST_WORD = re.compile(r"(\w+)$")
_MAX_DROPPED_TOKENS = 25

# British and American spellings of the same word must compare equal.
_SPELLING = {"licence": "license", "licences": "licenses", "licenced": "licensed", "licencing": "licensing"}
_SPELLING_KEYS = frozenset(_SPELLING)


@dataclass
class Tokens:
    """Normalised tokens of a text with their character spans in the original."""

    text: str
    words: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    _line_starts: list[int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts = starts
        return bisect.bisect_right(self._line_starts, offset)

    def char_span(self, first: int, last: int) -> tuple[int, int]:
        """Character span [start, end) of tokens first..last (inclusive)."""
        last = min(last, len(self.words) - 1)
        return self.starts[first], self.ends[last]

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        start, end = self.char_span(first, last)
        return self.line_of(start), self.line_of(max(start, end - 1))

    def excerpt(self, first: int, last: int, limit: int = 160) -> str:
        start, end = self.char_span(first, last)
        snippet = " ".join(self.text[start:end].split())
        return snippet if len(snippet) <= limit else snippet[: limit - 1] + "…"

    def joined(self) -> tuple[str, list[int]]:
        """Tokens joined by single spaces, and the token index at which each char starts."""
        parts: list[str] = []
        owner: list[int] = []
        for i, w in enumerate(self.words):
            parts.append(w)
            owner.extend([i] * (len(w) + 1))
        return " ".join(parts), owner


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def clean_markup(text: str) -> str:
    """Blank out Markdown link targets and HTML tags without moving any character."""
    if "](" in text:
        text = _MD_LINK_TARGET.sub(lambda m: "]" + " " * (m.end() - m.start() - 1), text)
    if "<" in text:
        text = _HTML_TAG.sub(_blank, text)
    return text


def _drop_ranges(text: str, lower: str) -> list[tuple[int, int]]:
    """Character ranges of copyright statements (one per line, at most the line)."""
    out: list[tuple[int, int]] = []
    last_line = -1
    # find the few lines that mention copyright at all (in the lower-cased copy, which has the
    # same offsets), then test each from its start
    for hit in _DROP_HINT.finditer(lower):
        line_start = text.rfind("\n", 0, hit.start()) + 1
        if line_start == last_line:
            continue
        last_line = line_start
        if _DROP_LINE.match(text, line_start):
            end = text.find("\n", line_start)
            end = len(text) if end < 0 else end
            # a re-wrapped notice may run on into the licence: stop at the statement's full stop
            out.append((line_start, _statement_end(text, line_start, end)))
    return out


def _statement_end(text: str, start: int, end: int) -> int:
    """End of the copyright statement that starts at `start`: its full stop, else the line end."""
    for m in _SENTENCE_END.finditer(text, start, end):
        word = _LAST_WORD.search(text, max(start, m.start() - 12), m.start())
        w = word.group(1).lower() if word else ""
        if word and (len(w) <= 1 or w in _ABBREVIATIONS):
            continue
        return m.end()
    return end


def _token_offsets(lower: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Start and end offsets of the tokens of lower-cased text, found with array operations."""
    if not lower:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, False
    ascii_only = lower.isascii()
    if ascii_only:
        cp = np.frombuffer(lower.encode("ascii"), dtype=np.uint8)
    else:
        cp = np.frombuffer(lower.encode("utf-32-le"), dtype=np.uint32)
    word = ((cp >= 97) & (cp <= 122)) | ((cp >= 48) & (cp <= 57))
    padded = np.zeros(len(word) + 2, dtype=np.int8)
    padded[1:-1] = word
    edges = np.diff(padded)
    w_start = np.nonzero(edges == 1)[0]
    w_end = np.nonzero(edges == -1)[0]
    if ascii_only:
        return w_start, w_end, False
    cjk = ((cp >= 0x3400) & (cp <= 0x9FFF)) | ((cp >= 0xAC00) & (cp <= 0xD7AF)) | ((cp >= 0xF900) & (cp <= 0xFAFF))
    if cjk.any():
        c = np.nonzero(cjk)[0]
        starts = np.concatenate([w_start, c])
        ends = np.concatenate([w_end, c + 1])
        order = np.argsort(starts, kind="stable")
        return starts[order], ends[order], True
    return w_start, w_end, False


def tokenise(text: str, drop_copyright: bool = True) -> Tokens:
    """Tokens of `text`; copyright statements are left out when `drop_copyright` is set."""
    cleaned = clean_markup(text)
    lower = cleaned.lower()
    if len(lower) != len(cleaned):  # a few characters lower-case to two; keep offsets exact
        lower = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in cleaned)
    starts, ends, has_cjk = _token_offsets(lower)
    if lower.isascii():  # C-speed split: every non-word byte becomes a space
        words = lower.encode("ascii").translate(_ASCII_SPACES).decode("ascii").split()
    else:
        words = (_TOKEN_LOWER if has_cjk else _ASCII_WORD).findall(lower)
    if len(starts) != len(words):  # cannot happen with consistent classes; stay correct anyway
        spans = [m.span() for m in _TOKEN_LOWER.finditer(lower)]
        starts = np.array([a for a, _ in spans], dtype=np.int64)
        ends = np.array([b for _, b in spans], dtype=np.int64)
    if drop_copyright and words:
        ranges = _drop_ranges(cleaned, lower)
        if ranges:
            keep = np.ones(len(words), dtype=bool)
            for a, b in ranges:
                i = int(np.searchsorted(starts, a))
                j = int(np.searchsorted(starts, b))
                keep[i : min(j, i + _MAX_DROPPED_TOKENS)] = False
            idx = np.nonzero(keep)[0]
            words = [words[i] for i in idx]
            starts, ends = starts[idx], ends[idx]
    if "licenc" in lower and _SPELLING_KEYS.intersection(words):
        words = [_SPELLING.get(w, w) for w in words]
    return Tokens(text=text, words=words, starts=starts.tolist(), ends=ends.tolist())


def normalise_phrase(phrase: str) -> str:
    """A signature phrase in the same token form as documents (space-joined tokens)."""
    return " ".join(tokenise(phrase, drop_copyright=False).words)
