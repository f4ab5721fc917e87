"""Find SPDX licence texts inside a document by shared word 5-grams.

For each indexed text that shares enough n-grams with the document, the matched n-grams are
grouped into runs along the document; the best run gives the region, the *coverage* (share of
the licence's n-grams found: lower for a truncated copy), the *internal misses* (licence n-grams
absent inside the matched stretch of the licence: a changed text) and the *extra* document
n-grams inside the region (added words: a modified text). Candidates are taken greedily by
quality (matched - misses - extras), each claiming its region, so a file holding two licences
yields two matches and a licence that merely shares passages with a better match yields none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scanner.licences.normalise import Tokens
from scanner.licences.spdx_corpus import NGRAM, SpdxIndex, ngram_hashes

#: Minimum share of a licence's n-grams that must be present, by licence size.
MIN_COVERAGE_LONG = 0.45
MIN_COVERAGE_SHORT = 0.45
SHORT_LICENCE = 60  # n-grams
MIN_MATCHED = 8  # n-grams: below this a shared passage is not a licence
MIN_PRECISION = 0.5
TAIL_ONLY_COVERAGE = 0.8
#: An added run of at least this many unmatched n-grams makes a match "modified".
MODIFIED_RUN = 14
RUN_GAP = 30
_MAX_CANDIDATES = 40


@dataclass(frozen=True)
class TextHit:
    """One licence text found in a document (token positions, inclusive)."""

    entry: int
    first_token: int
    last_token: int
    coverage: float
    precision: float
    quality: float
    matched: int
    modified_runs: tuple[tuple[int, int], ...]  # token ranges of added text inside the region


def _distinct(values: np.ndarray) -> int:
    if len(values) < 2:
        return len(values)
    v = np.sort(values)
    return int(np.count_nonzero(np.diff(v))) + 1


def _runs(dpos: np.ndarray, lpos: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges [a, b) of matches (sorted by document position) that form one copy.

    A jump of more than RUN_GAP n-grams in the document ends a run unless the licence carries
    on where it left off (text inserted into a licence stays one modified match); stray shared
    phrases of a second licence later in the file do not carry on the first licence and so
    start a run of their own.
    """
    if len(dpos) == 0:
        return []
    jumps = np.nonzero(np.diff(dpos) > RUN_GAP)[0]
    if len(jumps) == 0:
        return [(0, len(dpos))]
    reach = np.maximum.accumulate(lpos)
    cuts = [0]
    for i in jumps:
        nxt = int(lpos[i + 1])
        far = int(reach[i])
        if not (far - 5 <= nxt <= far + 60):
            cuts.append(int(i) + 1)
    cuts.append(len(dpos))
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]


def _evaluate(index: SpdxIndex, entry: int, dpos: np.ndarray, lpos: np.ndarray) -> TextHit | None:
    n_l = int(index.n_ngrams[entry])
    # pairs arrive sorted by document position (see SpdxIndex.lookup and find_texts)
    best: tuple[int, int, int] | None = None
    for a, b in sorted(_runs(dpos, lpos), key=lambda r: r[0] - r[1]):
        if best is not None and b - a <= best[0]:
            break  # a run cannot hold more distinct n-grams than it has matches
        m = _distinct(lpos[a:b])
        if best is None or m > best[0]:
            best = (m, a, b)
    if best is None:
        return None
    m, a, b = best
    d, lp = dpos[a:b], lpos[a:b]
    # densest stretch: drop stray shared phrases at either end (a neighbouring licence's
    # boilerplate) by maximising matched minus unmatched n-grams over the stretch
    if len(d) > 2:
        p = 2 * np.arange(len(d)) - (d - d[0])
        low = np.minimum.accumulate(p)
        j = int(np.argmax(p - low))
        i = int(np.argmin(p[: j + 1]))
        if i > 0 or j < len(d) - 1:
            d, lp = d[i : j + 1], lp[i : j + 1]
            m = _distinct(lp)
    coverage = m / n_l
    min_cov = MIN_COVERAGE_SHORT if n_l < SHORT_LICENCE else MIN_COVERAGE_LONG
    if coverage < min_cov or m < MIN_MATCHED:
        return None
    lo, hi = int(lp.min()), int(lp.max())
    if lo > max(10, n_l // 5) and coverage < TAIL_ONLY_COVERAGE:
        return None  # only the end of a licence (say its disclaimer): copies lose ends, not starts
    internal_miss = max(0, index.entry_ngrams_in(entry, lo, hi) - m)
    d_unique = d[np.concatenate(([True], np.diff(d) != 0))]
    d0, d1 = int(d_unique[0]), int(d_unique[-1])
    region = d1 - d0 + 1
    extra = region - len(d_unique)
    precision = len(d_unique) / region
    if precision < MIN_PRECISION:
        return None
    # added text: gaps between consecutive matched n-gram starts longer than a changed word
    modified: list[tuple[int, int]] = []
    if len(d_unique) > 1:
        gaps = np.diff(d_unique)
        for i in np.nonzero(gaps > MODIFIED_RUN)[0]:
            start = int(d_unique[i]) + NGRAM  # first token not covered by the previous n-gram
            end = int(d_unique[i + 1]) - 1
            if end >= start:
                modified.append((start, end))
    quality = m - internal_miss - extra
    return TextHit(
        entry=entry,
        first_token=d0,
        last_token=d1 + NGRAM - 1,
        coverage=coverage,
        precision=precision,
        quality=float(quality),
        matched=m,
        modified_runs=tuple(modified),
    )


def find_texts(index: SpdxIndex, tokens: Tokens, max_matches: int = 6) -> list[TextHit]:
    """Licence texts present in `tokens`, best first, non-overlapping."""
    hashes = ngram_hashes(tokens.words)
    if len(hashes) == 0 or len(index.keys) == 0:
        return []
    uniq, inv = np.unique(hashes, return_inverse=True)
    kidx = np.searchsorted(index.keys, uniq)
    kidx[kidx >= len(index.keys)] = 0
    hit = index.keys[kidx] == uniq
    if not hit.any():
        return []
    # postings of every distinct document n-gram found in the index
    u_hit = np.nonzero(hit)[0]
    starts = index.key_start[kidx[u_hit]]
    counts = index.key_start[kidx[u_hit] + 1] - starts
    post = np.repeat(starts, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
    post_u = np.repeat(u_hit, counts)
    post_entry = index.post_entry[post]
    # distinct licence n-grams present, per entry: shortlist by containment
    per_entry = np.bincount(post_entry, minlength=len(index.entries))
    containment = per_entry / np.maximum(index.n_ngrams, 1)
    floor = np.where(index.n_ngrams < SHORT_LICENCE, MIN_COVERAGE_SHORT, MIN_COVERAGE_LONG)
    shortlist = np.nonzero((containment >= floor) & (per_entry >= 4))[0]
    if len(shortlist) == 0:
        return []
    cap = max(_MAX_CANDIDATES, len(tokens) // 100)  # long notices files hold many licences
    shortlist = shortlist[np.argsort(-containment[shortlist], kind="stable")][:cap]
    is_short = np.zeros(len(index.entries), dtype=bool)
    is_short[shortlist] = True
    keep = is_short[post_entry]
    post, post_u, post_entry = post[keep], post_u[keep], post_entry[keep]
    lic_of_post = index.post_pos[post].astype(np.int64)
    # each document position holding a given distinct n-gram, grouped by n-gram
    doc_order = np.argsort(inv, kind="stable")
    doc_count = np.bincount(inv, minlength=len(uniq))
    doc_first = np.concatenate([[0], np.cumsum(doc_count)[:-1]])
    pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def pairs_of(e: int) -> tuple[np.ndarray, np.ndarray]:
        """(document positions ascending, licence positions) of entry e's shared n-grams."""
        got = pairs.get(e)
        if got is None:
            sel = post_entry == e
            pu, lp0 = post_u[sel], lic_of_post[sel]
            reps = doc_count[pu]
            total = int(reps.sum())
            offs = np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps)
            d = doc_order[np.repeat(doc_first[pu], reps) + offs].astype(np.int64)
            lp = np.repeat(lp0, reps)
            o = np.argsort(d, kind="stable")
            got = pairs[e] = (d[o], lp[o])
        return got

    # Lazy greedy: a candidate's distinct matched n-grams bound its quality from above, so only
    # candidates whose bound reaches the best exact quality so far are evaluated.
    claimed = np.zeros(len(tokens), dtype=bool)
    bound = {int(e): float(per_entry[e]) for e in shortlist}
    cache: dict[int, TextHit | None] = {}
    found: list[TextHit] = []

    def evaluate(e: int) -> TextHit | None:
        d, lp = pairs_of(e)
        if claimed.any():
            keep = ~claimed[d]
            d, lp = d[keep], lp[keep]
            pairs[e] = (d, lp)
        return _evaluate(index, e, d, lp) if len(d) else None

    while len(found) < max_matches:
        while True:
            hits = [h for h in cache.values() if h is not None]
            best = max(hits, key=lambda h: (h.quality, h.coverage, -h.entry)) if hits else None
            floor_q = best.quality if best is not None else float("-inf")
            pending = [e for e in bound if e not in cache and bound[e] >= floor_q]
            if not pending:
                break
            e = max(pending, key=lambda x: bound[x])
            cache[e] = evaluate(e)
        if best is None:
            break
        found.append(best)
        claimed[best.first_token : best.last_token + 1] = True
        # results touching the claimed region are stale: drop them, keeping their size as bound
        for e, hit in list(cache.items()):
            if hit is None:
                continue
            if claimed[pairs[e][0]].any():
                del cache[e]
                bound[e] = float(hit.matched)
    return found
