"""A git checkout of a code repository, read at HEAD (the commit, not the working tree).

Why HEAD: the commit sha is what a report can pin and a reviewer can re-check; uncommitted edits
in a working tree are not part of any published release. Git is run as a subprocess with a fixed
argument list (no shell), so repository content never reaches a command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from scanner.sources.interface import (
    MAX_METADATA_BYTES,
    FileTooLarge,
    RepoFile,
    Source,
    SourceError,
    TargetNotFound,
)

_GIT_TIMEOUT = 60


class GitSource(Source):
    """Files of the commit at HEAD of a git checkout."""

    kind = "git"

    def __init__(self, path: str, repo_id: str | None = None, rev: str = "HEAD") -> None:
        super().__init__(path)
        self.root = Path(path).expanduser()
        if not self.root.is_dir():
            raise TargetNotFound(f"target {path!r} is not a directory")
        if shutil.which("git") is None:
            raise SourceError("git is not installed; cannot read a git checkout")
        self._repo_id = repo_id
        top = self._git("rev-parse", "--show-toplevel").decode().strip()
        if Path(top).resolve() != self.root.resolve():
            raise SourceError(f"{path!r} is inside the git repository {top!r}, not its top level")
        self._sha = self._git("rev-parse", "--verify", f"{rev}^{{commit}}").decode().strip()
        self._files: list[RepoFile] | None = None
        self._sizes: dict[str, int] = {}

    def _git(self, *args: str, limit: int | None = None) -> bytes:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
        try:
            proc = subprocess.run(
                ["git", "-C", str(self.root), "-c", "core.quotepath=off", *args],
                capture_output=True,
                timeout=_GIT_TIMEOUT,
                env=env,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceError(f"git {args[0]} failed in {self.ref!r}: {exc}") from exc
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise SourceError(f"{self.ref!r} is not a readable git repository: {msg[0] if msg else 'git error'}")
        return proc.stdout

    @property
    def revision(self) -> str:
        return self._sha

    @property
    def repo_id(self) -> str | None:
        return self._repo_id

    def list_files(self) -> list[RepoFile]:
        if self._files is None:
            out = self._git("ls-tree", "-r", "-l", "-z", "--full-tree", self._sha)
            files = []
            for entry in out.split(b"\0"):
                if not entry:
                    continue
                meta, _, name = entry.partition(b"\t")
                fields = meta.split()
                if len(fields) != 4 or fields[1] != b"blob":
                    continue  # submodules (commit) and anything else are not files of this commit
                path = name.decode("utf-8", errors="replace")
                size = int(fields[3]) if fields[3].isdigit() else 0
                self._sizes[path] = size
                files.append(RepoFile(path, size))
            self._files = sorted(files, key=lambda f: f.path)
        return self._files

    def exists(self, path: str) -> bool:
        self.list_files()
        return path in self._sizes

    def read_bytes(self, path: str, limit: int = MAX_METADATA_BYTES) -> bytes:
        if not self.exists(path):
            raise SourceError(f"{path}: not in {self.ref}@{self._sha[:12]}")
        size = self._sizes[path]
        if size > limit:
            raise FileTooLarge(f"{path}: {size} bytes exceeds the {limit}-byte limit for metadata files")
        return self._git("cat-file", "blob", f"{self._sha}:{path}")


def is_git_checkout(path: str | os.PathLike[str]) -> bool:
    """True when `path` is the top of a git work tree (has `.git`, a folder or a gitfile)."""
    return (Path(path) / ".git").exists()
