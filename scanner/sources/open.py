"""Choose the source for what the user named: a directory, a cache snapshot, or a Hub id.

Order, and why: an existing path always wins (a local folder named like `org/name` is what the
user means); a path inside the Hugging Face cache is read as that cached commit; anything else
of the form `org/name` is a Hub repository, read online unless `HF_HUB_OFFLINE` is set or the
Hub cannot be reached, in which case the cache answers and the fallback is recorded on the
source (`fallback_reason`) so the report can say the scan was not made against the live Hub.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from scanner.sources.git import is_git_checkout
from scanner.sources.hf_cache import CacheMiss, HFCacheSource, parse_snapshot_path
from scanner.sources.hub import (
    HubAccessDenied,
    HubError,
    HubRepoNotFound,
    HubSource,
    HubUnavailable,
    is_offline,
    looks_like_repo_id,
)
from scanner.sources.interface import Source, TargetNotFound
from scanner.sources.local import LocalDirSource

_TYPE_PREFIXES = {"datasets/": "dataset", "dataset:": "dataset", "models/": "model", "model:": "model"}
_HUB_URL = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(datasets/)?([\w.-]+/[\w.-]+)/?$")


def split_target(target: str) -> tuple[str, str]:
    """`datasets/org/name`, `dataset:org/name` or a huggingface.co URL → (repo id, repo type)."""
    m = _HUB_URL.match(target.strip())
    if m:
        return m.group(2), "dataset" if m.group(1) else "model"
    for prefix, repo_type in _TYPE_PREFIXES.items():
        if target.startswith(prefix) and looks_like_repo_id(target[len(prefix) :]):
            return target[len(prefix) :], repo_type
    return target, "model"


def open_source(
    target: str,
    revision: str | None = None,
    offline: bool | None = None,
    repo_type: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Source:
    """The source for `target`. Raises TargetNotFound when nothing matches, HubAccessDenied
    for a gated/private repository that is not cached either."""
    path = Path(target).expanduser()
    if target and path.exists():
        return _open_path(target, path, revision)
    repo_id, guessed_type = split_target(target)
    repo_type = repo_type or guessed_type
    if not looks_like_repo_id(repo_id):
        raise TargetNotFound(f"target {target!r} is neither an existing path nor a Hub id (org/name)")
    return open_hub(repo_id, revision=revision, offline=offline, repo_type=repo_type, cache_dir=cache_dir)


def open_hub(
    repo_id: str,
    revision: str | None = None,
    offline: bool | None = None,
    repo_type: str = "model",
    cache_dir: str | os.PathLike[str] | None = None,
) -> Source:
    """A Hub repository, falling back to the local cache when offline or when the Hub fails."""
    offline = is_offline() if offline is None else offline
    if offline:
        return HFCacheSource(repo_id, revision=revision, cache_dir=cache_dir, repo_type=repo_type)
    try:
        return HubSource(repo_id, revision=revision, repo_type=repo_type, cache_dir=cache_dir)
    except HubRepoNotFound:
        raise
    except (HubUnavailable, HubAccessDenied, HubError) as exc:
        try:
            src = HFCacheSource(repo_id, revision=revision, cache_dir=cache_dir, repo_type=repo_type)
        except CacheMiss:
            raise exc from None
        src.fallback_reason = f"read from the local cache because the Hub failed: {exc}"
        return src


def _open_path(target: str, path: Path, revision: str | None) -> Source:
    parsed = parse_snapshot_path(path)
    if parsed is not None and Path(parsed[3]).resolve() == path.resolve():
        repo_id, repo_type, _sha, snap = parsed
        return HFCacheSource(repo_id, repo_type=repo_type, snapshot_dir=snap)
    m = re.match(r"^(models|datasets)--(.+)$", path.name)
    if m and (path / "snapshots").is_dir():
        repo_id = m.group(2).replace("--", "/", 1)
        repo_type = "model" if m.group(1) == "models" else "dataset"
        return HFCacheSource(repo_id, revision=revision, cache_dir=path.parent, repo_type=repo_type)
    if not path.is_dir():
        raise TargetNotFound(f"target {target!r} is not a directory")
    if is_git_checkout(path):
        sha, repo_id = _git_identity(path)
        return LocalDirSource(target, repo_id=repo_id, revision=sha)
    return LocalDirSource(target)


def _git_identity(path: Path) -> tuple[str | None, str | None]:
    """HEAD's sha, and the Hub id when the `origin` remote is a huggingface.co URL."""
    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(
                ["git", "-C", str(path), *args], capture_output=True, timeout=30, check=False,
                env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"},
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout.decode("utf-8", errors="replace").strip() if proc.returncode == 0 else None

    sha = git("rev-parse", "--verify", "HEAD^{commit}")
    url = git("config", "--get", "remote.origin.url") or ""
    m = re.match(r"^https?://(?:[^@/]+@)?(?:huggingface\.co|hf\.co)/([\w.-]+/[\w.-]+?)(?:\.git)?/?$", url)
    return sha, (m.group(1) if m else None)

