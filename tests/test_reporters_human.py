"""HTML and Markdown reports: sections, translations, escaping, graph layout, determinism."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scanner.reporters import ReportOptions, ReporterError, get_reporter
from scanner.reporters.graph_svg import BOX_H, BOX_W, WIDTH, layers
from scanner.reporters.i18n import LANGUAGES, translations

import report_samples as samples

pytestmark = pytest.mark.skipif(not samples.FIXTURES.is_dir(), reason=f"shared fixtures not found at {samples.FIXTURES}")

REPORTERS_DIR = Path(__file__).resolve().parents[1] / "scanner" / "reporters"


def html(result, lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    return get_reporter("html").render(result, ReportOptions(lang=lang)).decode("utf-8")


def md(result, lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    return get_reporter("md").render(result, ReportOptions(lang=lang)).decode("utf-8")


class Elements(HTMLParser):
    """Collects start tags with their attributes (to look for injected elements)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


@pytest.mark.parametrize("name", sorted(samples.SAMPLES))
@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_html_has_every_section_and_is_self_contained(name: str, lang: str) -> None:
    page = html(samples.SAMPLES[name](), lang)
    for section in ("verdict-banner", "findings", "graph", "components", "licences", "issues", "revisions"):
        assert f'id="{section}"' in page
    assert "<svg" in page and 'id="dependency-graph"' in page
    tags = parse(page).tags
    assert not [t for t, _ in tags if t == "script"], "the report needs no JavaScript"
    for tag, attrs in tags:  # nothing is fetched from the network
        for attr in ("src", "href"):
            value = attrs.get(attr) or ""
            assert not value.startswith(("http:", "https:", "//")), (tag, attr, value)
    assert "<link" not in page


def test_html_disqualified_content_english() -> None:
    result = samples.disqualified()
    page = html(result)
    banner = page[page.index('id="verdict-banner"') : page.index("</section>", page.index('id="verdict-banner"'))]
    assert "Fail" in banner and "Needs review" in banner
    assert "vision_tower reuses the weights of Qwen/Qwen2.5-VL-32B-Instruct" in banner
    # evidence: file, line, key, excerpt and tensor names
    assert "vision_encoder_config.omniserve_32b_cont_config.yaml" in page
    assert "line 45" in page and "model_type: qwen2_5_vl" in page
    assert "model.vision_model." in page
    assert "Confidence 95%" in page
    # waiver, scan issue, pinned revision
    assert "review-board@example.org" in page and "2027-06-30" in page
    assert "config.json was not found in the repository" in page
    assert "ae0d33fe61773e099b5c221afed4bc23949181ed" in page
    assert "20 November 2026" in page


def test_html_licence_section_uses_the_knowledge_base() -> None:
    knowledge = pytest.importorskip("scanner.licences.knowledge")
    facts = knowledge.knowledge().lookup("hyperclovax-seed")
    if facts is None:
        pytest.skip("the knowledge base has no hyperclovax-seed entry")
    page = html(samples.disqualified())
    section = page[page.index('id="licences"') : page.index('id="issues"')]
    assert facts.name.replace("'", "&#39;") in section
    for name, clause in facts.facts.items():
        assert f"<code>{name}</code>" in section
        if clause.section:
            assert f"<td>{clause.section}</td>" in section


def test_korean_report_translates_fixed_strings_and_formats_dates() -> None:
    page = html(samples.disqualified(), "ko")
    for word in ("기술적", "정책적", "윤리적", "실패", "검토 필요", "종합 판정", "발견 사항", "의존성 그래프", "근거"):
        assert word in page, word
    assert "2026년 11월 20일" in page
    assert 'lang="ko"' in page
    for english in ("Overall verdict", "Findings", "Dependency graph", "Needs review", "Pinned revisions"):
        assert f">{english}<" not in page, english
    text = md(samples.disqualified(), "ko")
    assert "## 종합 판정: **실패**" in text
    assert "| 기술적 | **실패** |" in text
    assert "통과" in md(samples.passing(), "ko")


def test_korean_verdict_reasons_are_phrased_in_korean() -> None:
    result = samples.disqualified()
    text = md(result, "ko")
    technical = next(line for line in text.splitlines() if line.startswith("| 기술적 |"))
    assert "실패 발견 사항" in technical
    assert result.verdict.reasons[next(iter(result.verdict.reasons))] not in text  # the engine's English line
    assert "실패한 규칙이 없고" in md(samples.passing(), "ko")


def test_every_message_has_a_korean_translation() -> None:
    from babel.messages.extract import extract_from_dir

    method_map = [("**.py", "python"), ("templates/**.j2", "jinja2")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    keywords = {"_": None, "gettext": None, "N_": None}
    messages = {m for _f, _l, m, _c, _x in extract_from_dir(str(REPORTERS_DIR), method_map, options_map=options, keywords=keywords)}
    assert len(messages) > 80
    ko = translations("ko")
    missing = sorted(m for m in messages if ko.gettext(m) == m)
    assert missing == []
    placeholders = re.compile(r"%\((\w+)\)s")
    for message in messages:
        assert set(placeholders.findall(ko.gettext(message))) == set(placeholders.findall(message)), message


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(ReporterError, match="unsupported report language 'fr'"):
        html(samples.passing(), "fr")


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_hostile_strings_are_escaped_in_html(lang: str) -> None:
    page = html(samples.hostile(), lang)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    tags = parse(page).tags
    assert all(t not in ("script", "img", "iframe") for t, _ in tags)
    assert not any(k.startswith("on") for _t, attrs in tags for k in attrs)


def test_hostile_strings_are_neutralised_in_markdown() -> None:
    text = md(samples.hostile())
    outside_code = re.sub(r"```.*?```", "", text, flags=re.S)
    outside_code = re.sub(r"`[^`]*`", "", outside_code)
    assert "<script" not in outside_code and "<img" not in outside_code
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in outside_code
    # payloads in excerpts stay verbatim but inside fenced code blocks
    assert "model_type: qwen2_5_vl <script>alert(1)</script>" in text
    for line in text.splitlines():
        if line.startswith("|"):
            cells = re.sub(r"\\\|", "", line).count("|")
            assert cells >= 3


def test_markdown_tables_survive_pipes_and_newlines() -> None:
    result = samples.disqualified()
    evil = dataclasses.replace(result, verdict=dataclasses.replace(result.verdict, reasons={
        k: "a | b\n# heading\n- item" for k in result.verdict.reasons
    }))
    text = md(evil)
    row = next(line for line in text.splitlines() if line.startswith("| Technical |"))
    assert row.endswith("|") and "\\|" in row and "# heading - item" in row
    assert "\n# heading" not in text


def test_markdown_escapes_block_starts_and_ordered_lists() -> None:
    from scanner.reporters.templating import md_inline

    assert md_inline("# title") == "\\# title"
    assert md_inline("1. first") == "1\\. first"
    assert md_inline("- item") == "\\- item"
    assert md_inline("a_b *c* [x](y) <b>") == "a\\_b \\*c\\* \\[x\\](y) &lt;b&gt;"
    assert md_inline("tech.foreign-architecture") == "tech.foreign-architecture"


def test_large_graph_layout_is_readable() -> None:
    result = samples.large(60)
    graph = result.graph
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert len(nodes) == 60
    page = html(result)
    svg = page[page.index("<svg") : page.index("</svg>")]
    boxes = [tuple(int(v) for v in m) for m in re.findall(r'<rect x="(\d+)" y="(\d+)" width="%d" height="%d"' % (BOX_W, BOX_H), svg)]
    assert len(boxes) == 60
    for i, (x1, y1) in enumerate(boxes):
        assert 0 <= x1 and x1 + BOX_W <= WIDTH
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= BOX_W or abs(y1 - y2) >= BOX_H, "boxes overlap"
    names = re.findall(r'class="g-name">([^<]*)<', svg)
    assert names and max(len(n) for n in names) <= 21
    titles = re.findall(r'<g class="g-node[^"]*" data-node="([^"]+)"><title>([^<]*)<', svg)
    assert len(titles) == 60 and all(t.startswith(nid) for nid, t in titles)
    depth_layers = layers(nodes, graph["edges"], graph["root"])
    assert sum(len(layer) for layer in depth_layers) == 60
    assert max(len(layer) for layer in depth_layers) > 6  # some layer wraps into several rows
    assert "Depth 0" in svg and "Legend" in svg


def test_human_reports_are_deterministic() -> None:
    for render in (html, md):
        assert render(samples.disqualified()) == render(samples.disqualified())
        assert render(samples.large()) == render(samples.large())


def test_licence_clause_details_are_shown() -> None:
    knowledge = pytest.importorskip("scanner.licences.knowledge")
    facts = knowledge.knowledge().lookup("llama3.1")
    if facts is None or not facts.has("commercial_gate"):
        pytest.skip("the knowledge base has no llama3.1 commercial gate")
    threshold = facts.fact("commercial_gate").detail("mau_threshold")
    page = html(samples.large())
    section = page[page.index('id="licences"') : page.index('id="issues"')]
    assert "mau_threshold" in section and str(threshold) in section
    assert "mau\\_threshold" in md(samples.large())
