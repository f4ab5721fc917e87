"""Reporters: one module per output format, all reading the same ScanResult.

Adding a format is adding a module and one line in `_REPORTERS`.
"""

from __future__ import annotations

from importlib import import_module

from scanner.reporters.interface import Reporter, ReporterError, ReportOptions

# format name -> "module:Class" (imported lazily so a heavy optional format costs nothing unused)
_REPORTERS: dict[str, str] = {
    "json": "scanner.reporters.json:JsonReporter",
    "md": "scanner.reporters.markdown:MarkdownReporter",
    "html": "scanner.reporters.html:HtmlReporter",
    "spdx-json": "scanner.reporters.spdx2:SpdxJsonReporter",
    "spdx": "scanner.reporters.spdx2:SpdxTagValueReporter",
    "spdx3": "scanner.reporters.spdx3:Spdx3Reporter",
    "cyclonedx": "scanner.reporters.cyclonedx:CycloneDxReporter",
    "sarif": "scanner.reporters.sarif:SarifReporter",
}


def formats() -> list[str]:
    return list(_REPORTERS)


def get_reporter(fmt: str) -> Reporter:
    try:
        module_name, cls_name = _REPORTERS[fmt].split(":")
    except KeyError:
        raise ReporterError(f"unknown report format {fmt!r}; choose from {', '.join(formats())}") from None
    return getattr(import_module(module_name), cls_name)()


__all__ = ["Reporter", "ReporterError", "ReportOptions", "formats", "get_reporter"]
