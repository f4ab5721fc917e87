"""The weights stage of a scan: open the reference store, run the analysis, show progress.

Kept apart from `scanner.analysers.weights` (the analysis itself) so the analysis stays free of
terminal and file-location concerns.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

from scanner.graph import ModelGraph
from scanner.model import ScanIssue
from scanner.sources.interface import Source


def check_weights(
    graph: ModelGraph,
    source: Source,
    reference_db: str | None,
    training_log: str | None,
    quiet: bool = True,
) -> list[ScanIssue]:
    """Fingerprint and compare the target's weights; return the scan issues it met.

    The reference store is `reference_db` when given (it must exist), else the user's default
    store when one has been created with `sovscan fingerprint add`; without any store the
    reference-free signals and the training-log check still run."""
    from scanner.analysers.weights import WeightOptions, analyse_weights
    from scanner.weights.store import ReferenceStore, StoreError, default_db_path

    issues: list[ScanIssue] = []
    store = None
    db_path = Path(reference_db) if reference_db else default_db_path()
    if reference_db and not db_path.is_file():
        issues.append(ScanIssue(path=str(db_path), problem="reference store not found: weights were compared with no reference"))
    elif db_path.is_file():
        try:
            store = ReferenceStore(db_path)
        except StoreError as exc:
            issues.append(ScanIssue(path=str(db_path), problem=f"reference store unusable: {exc}"))

    bar = _progress(quiet)
    with bar if bar is not None else nullcontext():
        options = WeightOptions(progress=bar.advance if bar is not None else None)
        try:
            report = analyse_weights(graph, source, store=store, training_log=training_log, options=options)
            issues.extend(report.issues)
        finally:
            if store is not None:
                store.close()
    return issues


class _Bar:
    """Bytes and throughput on stderr while tensors are hashed."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        self._progress = Progress(
            TextColumn("hashing weights"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            transient=True, console=_stderr_console(),
        )
        self._task = self._progress.add_task("weights", total=None)

    def advance(self, nbytes: int) -> None:
        self._progress.advance(self._task, nbytes)

    def __enter__(self) -> _Bar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr)


def _progress(quiet: bool) -> _Bar | None:
    if quiet or not sys.stderr.isatty():
        return None
    return _Bar()
