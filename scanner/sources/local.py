"""A model repository in a local directory (as cloned from the Hub, or a snapshot folder)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from scanner.sources.interface import (
    MAX_METADATA_BYTES,
    FileTooLarge,
    RepoFile,
    Source,
    SourceError,
    TargetNotFound,
)

_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints"}


class LocalDirSource(Source):
    """Files under a directory. Symlinks are followed only when they stay inside the directory
    and do not loop; others are reported through `skipped` so the scan records them. Only
    regular files are listed: opening a FIFO or a device would block or never end.

    Text that is not valid UTF-8 is recorded in `undecodable` (see `Source.read_text`)."""

    kind = "local"

    def __init__(self, ref: str, repo_id: str | None = None, revision: str | None = None) -> None:
        super().__init__(ref)
        self.root = Path(ref).expanduser()
        if not self.root.exists():
            raise TargetNotFound(f"target {ref!r} does not exist")
        if not self.root.is_dir():
            raise TargetNotFound(f"target {ref!r} is not a directory")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise TargetNotFound(f"target {ref!r} is not readable")
        self._root_real = self.root.resolve()
        self._repo_id = repo_id
        self._revision = revision
        self._files: list[RepoFile] | None = None
        self.skipped: list[tuple[str, str]] = []
        self.undecodable: list[tuple[str, str]] = []

    @property
    def repo_id(self) -> str | None:
        return self._repo_id

    @property
    def revision(self) -> str | None:
        return self._revision

    def list_files(self) -> list[RepoFile]:
        if self._files is None:
            self._files = sorted(self._walk(), key=lambda f: f.path)
        return self._files

    def _walk(self) -> list[RepoFile]:
        out: list[RepoFile] = []
        seen_dirs: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=True, onerror=self._walk_error):
            real_dir = os.path.realpath(dirpath)
            if real_dir in seen_dirs:
                dirnames[:] = []
                self._skip(self._rel(dirpath), "symlink loop: directory already visited")
                continue
            seen_dirs.add(real_dir)
            if not self._inside(real_dir):
                dirnames[:] = []
                self._skip(self._rel(dirpath), "symlink points outside the repository")
                continue
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = self._rel(full)
                if not _is_utf8(rel):  # no Hub repository can hold it, and no report can print it
                    self._skip(rel, "file name is not valid UTF-8: not read")
                    continue
                try:
                    real = os.path.realpath(full)
                    if not self._inside(real) and not self._is_hf_blob(real):
                        self._skip(rel, "symlink points outside the repository")
                        continue
                    st = os.stat(full)
                except OSError as exc:
                    self._skip(rel, f"unreadable: {exc.strerror or exc}")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    self._skip(rel, f"not a regular file ({_file_type(st.st_mode)}): not read")
                    continue
                out.append(RepoFile(rel, st.st_size))
        return out

    def _walk_error(self, exc: OSError) -> None:
        self._skip(self._rel(exc.filename or str(self.root)), f"unreadable: {exc.strerror or exc}")

    def _skip(self, rel: str, problem: str) -> None:
        # Undecodable bytes of a file name (surrogate escapes) are shown as \xNN escapes.
        shown = rel if _is_utf8(rel) else rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        self.skipped.append((shown, problem))

    def _inside(self, real: str) -> bool:
        return real == str(self._root_real) or real.startswith(str(self._root_real) + os.sep)

    def _is_hf_blob(self, real: str) -> bool:
        # A Hugging Face cache snapshot links files to ../../blobs/<hash>: that is inside the cache.
        parts = Path(real).parts
        return "blobs" in parts and any(p.startswith(("models--", "datasets--")) for p in parts)

    def _rel(self, full: str) -> str:
        try:
            return Path(full).relative_to(self.root).as_posix()
        except ValueError:
            return full

    def _contained(self, path: str) -> Path | None:
        """`path` under the root, when it stays there: the same rule as the walk, so a path
        named in a file's content (or a symlink) never reads outside the repository."""
        full = self.root / path
        real = os.path.realpath(full)
        if Path(path).is_absolute() or (not self._inside(real) and not self._is_hf_blob(real)):
            return None
        return full

    def local_path(self, path: str) -> str | None:
        full = self._contained(path)
        return str(full) if full is not None and full.is_file() else None

    def read_bytes(self, path: str, limit: int = MAX_METADATA_BYTES) -> bytes:
        full = self._contained(path)
        if full is None:
            raise SourceError(f"{path}: outside the repository")
        try:
            st = full.stat()
            if not stat.S_ISREG(st.st_mode):
                raise SourceError(f"{path}: not a regular file ({_file_type(st.st_mode)})")
            size = st.st_size
            if size > limit:
                raise FileTooLarge(f"{path}: {size} bytes exceeds the {limit}-byte limit for metadata files")
            with open(full, "rb") as fh:
                return fh.read(limit + 1)[: limit]
        except SourceError:
            raise
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from exc

    def exists(self, path: str) -> bool:
        full = self._contained(path)
        return full is not None and full.is_file()


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"
