"""`report.json`: the result object itself (schema: `schema/report.schema.json`)."""

from __future__ import annotations

import json

from scanner.model import ScanResult
from scanner.reporters.interface import Reporter, ReportOptions


class JsonReporter(Reporter):
    format = "json"
    filename = "report.json"

    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        return (json.dumps(result.to_dict(), indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
