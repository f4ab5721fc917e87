"""`report.md`: the HTML report's content for pull requests and issues.

Every value from the scan passes through the `md`, `code` or `fence` filters (see `templating`),
so a model card cannot inject Markdown or HTML into the page that shows the report.
"""

from __future__ import annotations

from typing import Any

from scanner.model import ScanResult
from scanner.reporters.i18n import Localiser
from scanner.reporters.interface import Reporter, ReportOptions
from scanner.reporters.summary import ReportView, build_view, detail_items, tensor_names
from scanner.reporters.templating import environment


class MarkdownReporter(Reporter):
    format = "md"
    filename = "report.md"

    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        loc = Localiser(options.lang)
        view = build_view(result)
        template = environment("md", loc.lang).get_template("report.md.j2")
        text = template.render(
            r=result,
            view=view,
            loc=loc,
            lang=loc.lang,
            tensor_names=tensor_names,
            detail_items=detail_items,
            upstream=_upstream_rows(view),
        )
        return text.encode("utf-8")


def _upstream_rows(view: ReportView) -> list[dict[str, Any]]:
    """Edges as (source, relation, target) rows: the graph as a table, since Markdown has no SVG."""
    return sorted(view.edges, key=lambda e: (e["source"], e.get("relation", ""), e["target"]))
