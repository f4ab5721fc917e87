"""Progress of repository fetches on stderr, so stdout stays clean for machine-readable output.

Silent when stderr is not a terminal (pipes, CI logs) or when the user asked for `--quiet`.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable


def fetch_progress(stream=None) -> Callable[[str, str], None] | None:
    """A callback `(event, repo_id)` that shows fetches on stderr, or None when stderr is not a TTY."""
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        return None
    from rich.console import Console

    console = Console(file=stream, stderr=True, highlight=False)
    lock = threading.Lock()
    counts = {"fetch": 0, "done": 0, "failed": 0}

    def show(event: str, repo_id: str) -> None:
        with lock:
            counts[event] = counts.get(event, 0) + 1
            if event == "fetch":
                console.print(f"[dim]fetching[/dim] {repo_id}", markup=True)
            elif event == "failed":
                console.print(f"[yellow]could not read[/yellow] {repo_id}", markup=True)

    return show
