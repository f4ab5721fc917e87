"""Sources: a uniform read-only view of a repository (local dir, HF cache, Hub, git checkout)."""

from scanner.sources.interface import RepoFile, Source, SourceError, TargetNotFound

__all__ = ["RepoFile", "Source", "SourceError", "TargetNotFound"]
