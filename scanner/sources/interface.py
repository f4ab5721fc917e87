"""The one interface every source implements, and the errors sources raise."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

#: Files larger than this are never read whole by extractors (weights are streamed separately).
MAX_METADATA_BYTES = 16 * 1024 * 1024


class SourceError(Exception):
    """A source could not provide what was asked (base of every source error)."""


class TargetNotFound(SourceError):
    """The scan target does not exist or cannot be opened at all (exit code 4)."""


class FileTooLarge(SourceError):
    """A metadata file exceeds MAX_METADATA_BYTES; recorded as a scan issue, not read."""


@dataclass(frozen=True)
class RepoFile:
    """A file of a repository: its path relative to the repo root (POSIX) and its size."""

    path: str
    size: int


class Source(ABC):
    """Read-only access to one repository at one revision.

    `ref` is what the user named (a path or `org/name`), `kind` the source type recorded in the
    report (`local`, `hf-cache`, `hub`, `git`), `revision` the pinned commit when known.
    """

    kind: str = "abstract"

    def __init__(self, ref: str) -> None:
        self.ref = ref

    @property
    def revision(self) -> str | None:
        return None

    @property
    def repo_id(self) -> str | None:
        """The Hub id (`org/name`) of this repository when known, else None."""
        return None

    @abstractmethod
    def list_files(self) -> list[RepoFile]:
        """Every file of the repository, sorted by path."""

    @abstractmethod
    def read_bytes(self, path: str, limit: int = MAX_METADATA_BYTES) -> bytes:
        """The content of `path`; raise FileTooLarge above `limit`, SourceError if unreadable."""

    def local_path(self, path: str) -> str | None:
        """A filesystem path for `path` when the file is on local disk (for streaming weights)."""
        return None

    def read_text(self, path: str, limit: int = MAX_METADATA_BYTES) -> str:
        """The UTF-8 text of `path`. Bytes that are not UTF-8 are replaced so the scan can go on,
        and the file is remembered in `undecodable` for the scan to record: what was replaced
        may have been the very licence or base model the scan is looking for."""
        data = self.read_bytes(path, limit)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = (f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                       "undecodable bytes were replaced, so part of the file was not read")
            record = self.__dict__.setdefault("undecodable", [])
            if (path, problem) not in record:
                record.append((path, problem))
            return data.decode("utf-8", errors="replace")

    def exists(self, path: str) -> bool:
        return any(f.path == path for f in self.list_files())
