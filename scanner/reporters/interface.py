"""The reporter interface: every format renders the same ScanResult to bytes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from scanner.model import ScanResult


class ReporterError(Exception):
    """A report could not be produced (base of every reporter error)."""


@dataclass(frozen=True)
class ReportOptions:
    """Presentation choices shared by all formats."""

    lang: str = "en"


class Reporter(ABC):
    #: the `--format` name, e.g. "json"
    format: str
    #: the file written in `--output-dir`, e.g. "report.json"
    filename: str

    @abstractmethod
    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        """The whole report as bytes; deterministic for the same result."""
