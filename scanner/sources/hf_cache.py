"""A repository as the Hugging Face cache holds it: `models--org--name/snapshots/<sha>/`.

Why: a scan must re-run without network from what was fetched before, and a user may point the
scanner at a snapshot folder directly. The revision comes from the snapshot folder name (or
`refs/<name>`); when a previous online scan saved the Hub listing beside the snapshot
(`sovscan-info/<sha>.json`, see `scanner.sources.hub`), files that were listed but never
downloaded (weights) are listed here too, so the graph does not change when the network goes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from scanner.sources.hub import SIDECAR_DIR, hub_cache_dir, looks_like_repo_id, prefix_cache_path, repo_cache_folder
from scanner.sources.interface import (
    MAX_METADATA_BYTES,
    FileTooLarge,
    RepoFile,
    Source,
    SourceError,
    TargetNotFound,
)
from scanner.sources.local import LocalDirSource

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_REPO_FOLDER = re.compile(r"^(models|datasets|spaces)--(.+)$")


class CacheMiss(TargetNotFound):
    """The repository (or the asked revision) is not in the local Hugging Face cache."""

    reason = "not_cached"


def parse_snapshot_path(path: str | os.PathLike[str]) -> tuple[str, str, str, Path] | None:
    """`…/models--A--B/snapshots/<sha>[/…]` → (`A/B`, repo type, sha, snapshot dir), else None."""
    parts = Path(path).expanduser().absolute().parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "snapshots" and i + 1 < len(parts):
            m = _REPO_FOLDER.match(parts[i - 1])
            if m and m.group(2):
                repo_id = m.group(2).replace("--", "/", 1) if "--" in m.group(2) else m.group(2)
                repo_type = {"models": "model", "datasets": "dataset", "spaces": "space"}[m.group(1)]
                return repo_id, repo_type, parts[i + 1], Path(*parts[: i + 2])
    return None


class HFCacheSource(Source):
    """Files of one cached snapshot, pinned to its commit sha."""

    kind = "hf-cache"
    #: Why the cache answered instead of the Hub (set by `open_hub`); None when it was asked for.
    fallback_reason: str | None = None

    def __init__(
        self,
        repo_id: str,
        revision: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        repo_type: str = "model",
        snapshot_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(repo_id)
        self.repo_type = repo_type
        if snapshot_dir is not None:
            snap = Path(snapshot_dir)
            self.folder = snap.parent.parent
            sha = snap.name
        else:
            if not looks_like_repo_id(repo_id):
                raise TargetNotFound(f"{repo_id!r} is not a Hub repository id (expected org/name)")
            self.folder = repo_cache_folder(repo_id, repo_type, cache_dir)
            sha = self._resolve(revision)
            snap = self.folder / "snapshots" / sha
        # plain strings for the hot paths: a scan opens one cache source per upstream repository
        self._folder_str = os.fspath(self.folder)
        self._snap_str = os.fspath(snap)
        if not os.path.isdir(self._snap_str):
            raise CacheMiss(f"{repo_id}: snapshot {sha} is not in the Hugging Face cache at {self.folder}")
        self.snapshot = snap
        self._sha = sha
        self._repo_id = repo_id
        self._dir_source: LocalDirSource | None = None
        self._skipped: list[tuple[str, str]] = []
        self.sidecar: dict[str, Any] = self._load_sidecar()
        self._files: list[RepoFile] | None = None
        self._by_path: dict[str, RepoFile] | None = None

    def _resolve(self, revision: str | None) -> str:
        """A commit sha as given, else the sha a ref (default `main`) points to."""
        folder = os.fspath(self.folder)
        if revision and _COMMIT.match(revision):
            if not os.path.isdir(folder):
                raise CacheMiss(f"{self.ref}: not in the Hugging Face cache ({hub_cache_dir()})")
            return revision
        ref = revision or "main"
        if ".." not in ref:
            try:
                with open(os.path.join(folder, "refs", ref), encoding="utf-8", errors="replace") as fh:
                    sha = fh.read().strip()
                if _COMMIT.match(sha):
                    return sha
            except OSError:
                pass
        if not os.path.isdir(folder):
            raise CacheMiss(f"{self.ref}: not in the Hugging Face cache ({hub_cache_dir()})")
        if revision:  # a short sha
            matches = [p.name for p in (self.folder / "snapshots").glob(f"{revision}*") if p.is_dir()]
            if len(matches) == 1:
                return matches[0]
        snaps = sorted((p for p in (self.folder / "snapshots").glob("*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
        if revision is None and len(snaps) == 1:
            return snaps[0].name
        raise CacheMiss(f"{self.ref}: revision {ref!r} is not recorded in the Hugging Face cache")

    def _load_sidecar(self) -> dict[str, Any]:
        try:
            with open(os.path.join(self._folder_str, SIDECAR_DIR, f"{self._sha}.json"), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # -- Source interface -------------------------------------------------------------------
    @property
    def revision(self) -> str:
        return self._sha

    @property
    def repo_id(self) -> str:
        return self._repo_id

    @property
    def hub_info(self) -> dict[str, Any] | None:
        """The Hub's description saved by an earlier online scan, or None."""
        info = self.sidecar.get("info")
        return info if isinstance(info, dict) else None

    @property
    def _dir(self) -> LocalDirSource:
        """The general directory walker, for snapshots that are not plain trees of blob links."""
        if self._dir_source is None:
            self._dir_source = LocalDirSource(str(self.snapshot), repo_id=self._repo_id, revision=self._sha)
        return self._dir_source

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return self._skipped + (self._dir_source.skipped if self._dir_source is not None else [])

    def _snapshot_files(self) -> list[RepoFile]:
        """The snapshot's files. A cache snapshot is a tree of symlinks into `../../blobs/`: a
        link is followed only when its target stays inside this repository's cache folder (checked
        on the link text, without resolving every path); anything else is left to the general
        directory walk, which reports it."""
        out: list[RepoFile] = []
        folder = os.path.normpath(os.path.abspath(self._folder_str))
        stack = [(self._snap_str, "")]
        while stack:
            real_dir, rel_dir = stack.pop()
            try:
                entries = list(os.scandir(real_dir))
            except OSError:
                return self._dir.list_files()
            for entry in entries:
                rel = f"{rel_dir}{entry.name}"
                if entry.is_symlink():
                    target = os.path.normpath(os.path.join(real_dir, os.readlink(entry.path)))
                    if not target.startswith(folder + os.sep) or os.path.isdir(target):
                        return self._dir.list_files()
                    try:
                        out.append(RepoFile(rel, os.stat(target).st_size))
                    except OSError:
                        self._skipped.append((rel, "cache blob missing (dangling symlink)"))
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in (".git", "__pycache__"):
                        stack.append((entry.path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    out.append(RepoFile(rel, entry.stat(follow_symlinks=False).st_size))
        return sorted(out, key=lambda f: f.path)

    def list_files(self) -> list[RepoFile]:
        if self._files is None:
            files = {f.path: f for f in self._snapshot_files()}
            for s in (self.hub_info or {}).get("siblings") or []:
                path = s.get("rfilename") if isinstance(s, dict) else None
                if isinstance(path, str) and path not in files and ".." not in path.split("/"):
                    files[path] = RepoFile(path, int(s.get("size") or 0))
            # A file the cache links but whose blob is missing is listed with the Hub's size.
            self._files = sorted(files.values(), key=lambda f: f.path)
            self._by_path = {f.path: f for f in self._files}
        return self._files

    def _listed(self, path: str) -> RepoFile | None:
        self.list_files()
        return self._by_path.get(path) if self._by_path is not None else None

    def exists(self, path: str) -> bool:
        return self._listed(path) is not None

    def _local(self, path: str) -> str | None:
        if path.startswith("/") or ".." in path.split("/"):
            return None
        full = os.path.join(self._snap_str, path)
        return full if os.path.isfile(full) else None

    def read_bytes(self, path: str, limit: int = MAX_METADATA_BYTES) -> bytes:
        listed = self._listed(path)
        local = self._local(path) if listed is not None else None
        if local is not None:
            try:
                size = os.stat(local).st_size
                if size > limit:
                    raise FileTooLarge(f"{path}: {size} bytes exceeds the {limit}-byte limit for metadata files")
                with open(local, "rb") as fh:
                    return fh.read(limit + 1)[:limit]
            except OSError as exc:
                raise SourceError(f"{path}: {exc.strerror or exc}") from exc
        if listed is None:
            raise SourceError(f"{path}: not in {self._repo_id}@{self._sha[:12]}")
        if listed.size > limit:
            raise FileTooLarge(f"{path}: {listed.size} bytes exceeds the {limit}-byte limit for metadata files")
        raise SourceError(f"{path}: listed on the Hub but not in the local cache (fetch it online once)")

    def local_path(self, path: str) -> str | None:
        return self._local(path) if self._listed(path) is not None else None

    def read_prefix(self, path: str, length: int) -> bytes:
        """The first `length` bytes of a file: from the cached file, else from the prefix an
        online scan kept (GGUF headers, large tokenizer.json)."""
        local = self.local_path(path)
        saved = prefix_cache_path(self.folder, self._sha, path) if local is None else None
        try:
            if local is not None:
                with open(local, "rb") as fh:
                    return fh.read(length)
            if saved is not None and saved.is_file():
                with open(saved, "rb") as fh:
                    return fh.read(length)
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from exc
        raise SourceError(f"{path}: not in the local cache (fetch it online once)")

    def safetensors_metadata(self) -> dict[str, dict[str, tuple[str, list[int]]]]:
        """Tensor headers: read from cached `.safetensors` files when present, else the headers
        an earlier online scan saved. Same shape as `HubSource.safetensors_metadata`."""
        saved = self.sidecar.get("safetensors")
        out: dict[str, dict[str, tuple[str, list[int]]]] = {}
        if isinstance(saved, dict):
            for fname, tensors in saved.items():
                if isinstance(tensors, dict):
                    out[fname] = {t: (str(v[0]), [int(x) for x in v[1]]) for t, v in tensors.items() if isinstance(v, list) and len(v) == 2}
        for f in self.list_files():
            local = self._local(f.path) if f.path.endswith(".safetensors") and f.path not in out else None
            if local is not None:
                header = read_safetensors_header(Path(local))
                if header is not None:
                    out[f.path] = header
        return dict(sorted(out.items()))


def read_safetensors_header(path: Path, max_header: int = 25_000_000) -> dict[str, tuple[str, list[int]]] | None:
    """The tensor table of a local safetensors file (header only), or None if unreadable."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(8)
            if len(raw) != 8:
                return None
            n = int.from_bytes(raw, "little")
            if n <= 0 or n > max_header:
                return None
            header = json.loads(fh.read(n))
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict):
        return None
    out = {}
    for name, info in header.items():
        if name != "__metadata__" and isinstance(info, dict):
            out[name] = (str(info.get("dtype")), [int(x) for x in info.get("shape") or []])
    return out
