"""The reference store: fingerprints of known models, in SQLite, shareable as JSON Lines.

A reviewer fingerprints the models a target might have inherited from (`sovscan fingerprint
add`), then every scan looks the target's tensors up here. Indexes on the content hashes make
each lookup O(1) per tensor; sketches let a scan rank references by similarity without the
reference weights on disk. Export/import move fingerprints (not weights) between reviewers.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

import numpy as np

from scanner.weights.fingerprint import TensorFingerprint

EXPORT_KIND = "sovscan-fingerprints"
EXPORT_VERSION = 1

#: Bumped when the layout changes; a store of another version is refused with a clear error.
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS refs (
    id TEXT PRIMARY KEY,
    revision TEXT,
    added TEXT NOT NULL,
    tensor_count INTEGER NOT NULL,
    param_count INTEGER NOT NULL DEFAULT 0,
    local_path TEXT,
    vocab_size INTEGER,
    licence TEXT
);
CREATE TABLE IF NOT EXISTS tensors (
    tid INTEGER PRIMARY KEY,
    ref TEXT NOT NULL REFERENCES refs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    shape TEXT NOT NULL,
    dtype TEXT NOT NULL,
    role TEXT NOT NULL,
    component TEXT NOT NULL,
    layer INTEGER,
    slot TEXT NOT NULL,
    numel INTEGER NOT NULL,
    raw_hash TEXT NOT NULL,
    canon_hash TEXT,
    sketch BLOB,
    UNIQUE (ref, name)
);
CREATE INDEX IF NOT EXISTS tensors_raw ON tensors(raw_hash);
CREATE INDEX IF NOT EXISTS tensors_canon ON tensors(canon_hash);
CREATE INDEX IF NOT EXISTS tensors_shape ON tensors(role, shape);
-- One row per informative row of a 2-D tensor; small integers only (tens of bytes a row).
CREATE TABLE IF NOT EXISTS rows (
    tid INTEGER NOT NULL REFERENCES tensors(tid) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    hash INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rows_hash ON rows(hash);
CREATE INDEX IF NOT EXISTS rows_tid ON rows(tid);
"""


class StoreError(Exception):
    """The store or an import file is unusable (bad path, bad JSON Lines, wrong version)."""


@dataclass(frozen=True)
class ReferenceInfo:
    id: str
    revision: str | None
    added: str
    tensor_count: int
    param_count: int
    local_path: str | None
    vocab_size: int | None
    licence: str | None = None  # the reference's declared licence (id, name or link), if given


@dataclass(frozen=True)
class StoredTensor:
    ref: str
    name: str
    shape: tuple[int, ...]
    dtype: str
    role: str
    component: str
    layer: int | None
    slot: str
    numel: int
    raw_hash: str
    canon_hash: str | None
    sketch: np.ndarray | None


def default_db_path() -> Path:
    """`<user data dir>/sovscan/references.sqlite` (platformdirs), overridable by SOVSCAN_REFERENCE_DB."""
    env = os.environ.get("SOVSCAN_REFERENCE_DB")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("sovscan")) / "references.sqlite"


def _u64_to_i64(arr: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(arr, dtype=np.uint64).view(np.int64)


class ReferenceStore:
    """Fingerprints of reference models in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path))
            self._db.execute("PRAGMA foreign_keys = ON")
            # Row hashes land at random places of their index: a larger page cache keeps bulk
            # inserts of millions of rows (a 7B model has ~1.6 M) from re-reading index pages.
            self._db.execute("PRAGMA cache_size = -131072")
            self._db.execute("PRAGMA temp_store = MEMORY")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            has_tables = self._db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'refs'").fetchone()[0]
            if has_tables and version != SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: reference store layout version {version}, this sovscan reads version "
                    f"{SCHEMA_VERSION}; export it with the sovscan that wrote it and import it again"
                )
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open reference store ({exc})") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ReferenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def add(
        self,
        ref_id: str,
        fingerprints: Iterable[TensorFingerprint],
        revision: str | None = None,
        local_path: str | None = None,
        vocab_size: int | None = None,
        added: str | None = None,
        licence: str | None = None,
    ) -> ReferenceInfo:
        """Store the indexed fingerprints of `ref_id`, replacing an earlier entry of that id."""
        fps = [fp for fp in fingerprints if fp.indexed]
        added = added or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = sum(fp.numel for fp in fps)
        with self._db:
            self._delete(ref_id)
            self._db.execute(
                "INSERT INTO refs VALUES (?,?,?,?,?,?,?,?)",
                (ref_id, revision, added, len(fps), params, local_path, vocab_size, licence),
            )
            self._db.executemany(
                "INSERT INTO tensors (ref, name, shape, dtype, role, component, layer, slot, numel, raw_hash, "
                "canon_hash, sketch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        ref_id,
                        fp.name,
                        json.dumps(list(fp.shape)),
                        fp.dtype,
                        fp.role,
                        fp.component,
                        fp.layer,
                        fp.slot,
                        fp.numel,
                        fp.raw_hash,
                        fp.canon_hash,
                        None if fp.sketch is None else np.asarray(fp.sketch, "<f4").tobytes(),
                    )
                    for fp in fps
                ],
            )
            tids = dict(self._db.execute("SELECT name, tid FROM tensors WHERE ref = ?", (ref_id,)))
            for fp in fps:
                if fp.row_hashes is None or fp.row_index is None or not fp.row_hashes.size:
                    continue
                self._db.executemany(
                    "INSERT INTO rows VALUES (?,?,?)",
                    zip(
                        [tids[fp.name]] * len(fp.row_index),
                        fp.row_index.tolist(),
                        _u64_to_i64(fp.row_hashes).tolist(),
                    ),
                )
        return ReferenceInfo(ref_id, revision, added, len(fps), params, local_path, vocab_size, licence)

    def remove(self, ref_id: str) -> bool:
        with self._db:
            return self._delete(ref_id)

    def _delete(self, ref_id: str) -> bool:
        self._db.execute("DELETE FROM rows WHERE tid IN (SELECT tid FROM tensors WHERE ref = ?)", (ref_id,))
        self._db.execute("DELETE FROM tensors WHERE ref = ?", (ref_id,))
        return self._db.execute("DELETE FROM refs WHERE id = ?", (ref_id,)).rowcount > 0

    # -- reading ---------------------------------------------------------------------------
    def references(self) -> list[ReferenceInfo]:
        rows = self._db.execute("SELECT * FROM refs ORDER BY id").fetchall()
        return [ReferenceInfo(*r) for r in rows]

    def reference(self, ref_id: str) -> ReferenceInfo | None:
        row = self._db.execute("SELECT * FROM refs WHERE id = ?", (ref_id,)).fetchone()
        return ReferenceInfo(*row) if row else None

    def tensors(self, ref_id: str | None = None, role: str | None = None) -> list[StoredTensor]:
        sql = "SELECT * FROM tensors WHERE 1=1"
        args: list[Any] = []
        if ref_id is not None:
            sql += " AND ref = ?"
            args.append(ref_id)
        if role is not None:
            sql += " AND role = ?"
            args.append(role)
        cols = "ref, name, shape, dtype, role, component, layer, slot, numel, raw_hash, canon_hash, sketch"
        sql = sql.replace("SELECT *", f"SELECT {cols}")
        return [self._stored(r) for r in self._db.execute(sql + " ORDER BY ref, name", args)]

    def _stored(self, r: tuple[Any, ...]) -> StoredTensor:
        sketch = np.frombuffer(r[11], dtype="<f4").copy() if r[11] is not None else None
        return StoredTensor(r[0], r[1], tuple(json.loads(r[2])), r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], sketch)

    def match_hashes(self, fingerprints: Iterable[TensorFingerprint]) -> dict[str, list[tuple[str, str, str]]]:
        """For each indexed target tensor, the (reference id, reference tensor, kind) pairs whose
        raw (`kind='raw'`) or canonical (`kind='canonical'`) hash equals it."""
        out: dict[str, list[tuple[str, str, str]]] = {}
        for fp in fingerprints:
            if not fp.indexed:
                continue
            seen: set[tuple[str, str]] = set()
            hits: list[tuple[str, str, str]] = []
            for ref, name in self._db.execute("SELECT ref, name FROM tensors WHERE raw_hash = ?", (fp.raw_hash,)):
                seen.add((ref, name))
                hits.append((ref, name, "raw"))
            if fp.canon_hash is not None:
                for ref, name in self._db.execute(
                    "SELECT ref, name FROM tensors WHERE canon_hash = ?", (fp.canon_hash,)
                ):
                    if (ref, name) not in seen:
                        hits.append((ref, name, "canonical"))
            if hits:
                out[fp.name] = hits
        return out

    def match_rows(self, fingerprints: Iterable[TensorFingerprint]) -> dict[str, dict[str, int]]:
        """For each target tensor, how many of its informative rows occur in each reference."""
        out: dict[str, dict[str, int]] = {}
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS probe (tensor TEXT, hash INTEGER)")
        self._db.execute("DELETE FROM probe")
        for fp in fingerprints:
            if not fp.indexed or fp.row_hashes is None or not fp.row_hashes.size:
                continue
            self._db.executemany(
                "INSERT INTO probe VALUES (?, ?)",
                zip([fp.name] * fp.row_hashes.size, _u64_to_i64(fp.row_hashes).tolist()),
            )
        query = (
            "SELECT p.tensor, t.ref, COUNT(DISTINCT p.hash) FROM probe p JOIN rows r ON r.hash = p.hash "
            "JOIN tensors t ON t.tid = r.tid GROUP BY p.tensor, t.ref"
        )
        for tensor, ref, count in self._db.execute(query):
            out.setdefault(tensor, {})[ref] = int(count)
        self._db.execute("DELETE FROM probe")
        return out

    # -- sharing ---------------------------------------------------------------------------
    def export(self, fh: IO[str], ref_ids: Iterable[str] | None = None) -> int:
        """Write references (all, or `ref_ids`) as JSON Lines; return the number written."""
        wanted = set(ref_ids) if ref_ids is not None else None
        fh.write(json.dumps({"kind": EXPORT_KIND, "version": EXPORT_VERSION}) + "\n")
        count = 0
        for info in self.references():
            if wanted is not None and info.id not in wanted:
                continue
            fh.write(
                json.dumps(
                    {
                        "kind": "reference",
                        "id": info.id,
                        "revision": info.revision,
                        "added": info.added,
                        "tensor_count": info.tensor_count,
                        "vocab_size": info.vocab_size,
                        "licence": info.licence,
                    }
                )
                + "\n"
            )
            rows = self._rows_by_tensor(info.id)
            for t in self.tensors(info.id):
                idx, hashes = rows.get(t.name, ([], []))
                fh.write(
                    json.dumps(
                        {
                            "kind": "tensor",
                            "ref": t.ref,
                            "name": t.name,
                            "shape": list(t.shape),
                            "dtype": t.dtype,
                            "role": t.role,
                            "component": t.component,
                            "layer": t.layer,
                            "slot": t.slot,
                            "raw_hash": t.raw_hash,
                            "canon_hash": t.canon_hash,
                            "sketch": _b64(np.asarray(t.sketch, "<f4")) if t.sketch is not None else None,
                            "rows": _b64(np.asarray(idx, "<u4")),
                            "row_hashes": _b64(np.asarray(hashes, "<i8")),
                        }
                    )
                    + "\n"
                )
            count += 1
        return count

    def _rows_by_tensor(self, ref_id: str) -> dict[str, tuple[list[int], list[int]]]:
        out: dict[str, tuple[list[int], list[int]]] = {}
        query = (
            "SELECT t.name, r.row, r.hash FROM rows r JOIN tensors t ON t.tid = r.tid WHERE t.ref = ? "
            "ORDER BY t.name, r.row"
        )
        for tensor, row, h in self._db.execute(query, (ref_id,)):
            idx, hashes = out.setdefault(tensor, ([], []))
            idx.append(row)
            hashes.append(h)
        return out

    def import_(self, fh: IO[str], source: str = "<import>") -> list[str]:
        """Read JSON Lines written by `export`; replaces references of the same id."""
        refs: dict[str, dict[str, Any]] = {}
        tensors: dict[str, list[TensorFingerprint]] = {}
        for lineno, line in enumerate(_lines(fh), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise StoreError(f"{source}:{lineno}: not JSON ({exc.msg})") from exc
            if not isinstance(rec, dict):
                raise StoreError(f"{source}:{lineno}: expected a JSON object")
            kind = rec.get("kind")
            try:
                if lineno == 1:
                    if kind != EXPORT_KIND or rec.get("version") != EXPORT_VERSION:
                        raise StoreError(
                            f"{source}:1: not a sovscan fingerprint export (expected kind {EXPORT_KIND!r} "
                            f"version {EXPORT_VERSION})"
                        )
                    continue
                if kind == "reference":
                    refs[str(rec["id"])] = rec
                    tensors.setdefault(str(rec["id"]), [])
                elif kind == "tensor":
                    ref = str(rec["ref"])
                    if ref not in refs:
                        raise StoreError(f"{source}:{lineno}: tensor of undeclared reference {ref!r}")
                    tensors[ref].append(_fingerprint_from_record(rec))
                else:
                    raise StoreError(f"{source}:{lineno}: unknown record kind {kind!r}")
            except (KeyError, TypeError, ValueError) as exc:
                raise StoreError(f"{source}:{lineno}: malformed {kind} record ({exc})") from exc
        for ref_id, rec in refs.items():
            self.add(
                ref_id,
                tensors[ref_id],
                revision=rec.get("revision"),
                vocab_size=rec.get("vocab_size"),
                added=rec.get("added"),
                licence=rec.get("licence"),
            )
        return list(refs)


def _lines(fh: IO[str]) -> Iterator[str]:
    yield from fh


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(arr.tobytes()).decode("ascii")


def _fingerprint_from_record(rec: dict[str, Any]) -> TensorFingerprint:
    def arr(key: str, dtype: str) -> np.ndarray | None:
        value = rec.get(key)
        return None if value is None else np.frombuffer(base64.b64decode(value, validate=True), dtype=dtype).copy()

    for key in ("raw_hash",):
        if not isinstance(rec.get(key), str):
            raise ValueError(f"{key} must be a string")
    row_index = arr("rows", "<u4")
    row_hashes = arr("row_hashes", "<i8")
    if row_index is not None and row_hashes is not None and row_index.size != row_hashes.size:
        raise ValueError("rows and row_hashes differ in length")
    return TensorFingerprint(
        name=str(rec["name"]),
        dtype=str(rec["dtype"]),
        shape=tuple(int(s) for s in rec["shape"]),
        component=str(rec["component"]),
        role=str(rec["role"]),
        layer=None if rec.get("layer") is None else int(rec["layer"]),
        slot=str(rec.get("slot") or rec["name"]),
        raw_hash=rec["raw_hash"],
        canon_hash=rec.get("canon_hash"),
        sketch=arr("sketch", "<f4"),
        row_index=row_index,
        row_hashes=None if row_hashes is None else row_hashes.view(np.uint64),
    )
