"""`report.html`: one self-contained page a reviewer reads and can defend (no network, no JS).

Rendered from `templates/report.html.j2` with autoescaping on; the dependency graph is an inline
SVG drawn by `graph_svg` (which escapes its own text). `ReportOptions.lang` picks the catalogue.
"""

from __future__ import annotations

from markupsafe import Markup

from scanner.model import ScanResult
from scanner.reporters.graph_svg import render_svg
from scanner.reporters.i18n import Localiser
from scanner.reporters.interface import Reporter, ReportOptions
from scanner.reporters.summary import build_view, detail_items, tensor_names
from scanner.reporters.templating import environment


class HtmlReporter(Reporter):
    format = "html"
    filename = "report.html"

    def render(self, result: ScanResult, options: ReportOptions) -> bytes:
        loc = Localiser(options.lang)
        view = build_view(result)
        svg = render_svg(view.nodes, view.edges, view.root, result.findings, loc)
        template = environment("html", loc.lang).get_template("report.html.j2")
        page = template.render(
            r=result,
            view=view,
            loc=loc,
            lang=loc.lang,
            svg=Markup(svg),  # built from escaped parts in graph_svg
            tensor_names=tensor_names,
            detail_items=detail_items,
        )
        return page.encode("utf-8")
