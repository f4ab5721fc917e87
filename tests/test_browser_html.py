"""The HTML report in a real browser: headless Chromium (installed by `.ci/install-browser.sh`).

Proves what a string search cannot: the verdict banner and the graph are laid out and visible,
the console stays clean, and `<script>` / `onerror=` payloads from a model card render as text
without running (no dialog opens, no element is injected).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scanner.reporters import ReportOptions, get_reporter

import report_samples as samples
from headless_chromium import Chromium, find_chromium

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (run .ci/install-browser.sh)"),
    pytest.mark.skipif(not samples.FIXTURES.is_dir(), reason=f"shared fixtures not found at {samples.FIXTURES}"),
]
pytest.importorskip("websocket", reason="websocket-client (test extra) is needed to drive chromium")

VISIBLE = """(sel => { const e = document.querySelector(sel); if (!e) return null;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return {w: r.width, h: r.height, top: r.top, left: r.left, display: s.display,
          visibility: s.visibility, opacity: s.opacity, text: e.innerText || ''}; })"""


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, width=1280, height=2000) as chromium:
        yield chromium


def write_report(tmp_path: Path, result, lang: str) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / f"report-{lang}.html"
    path.write_bytes(get_reporter("html").render(result, ReportOptions(lang=lang)))
    return path


def assert_visible(box: dict | None, min_w: float, min_h: float) -> None:
    assert box is not None
    assert box["display"] != "none" and box["visibility"] == "visible" and float(box["opacity"]) > 0.9
    assert box["w"] >= min_w and box["h"] >= min_h, box


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_report_renders_banner_and_graph_without_console_errors(browser, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = write_report(tmp_path, samples.disqualified(), lang)
    browser.open(page)
    banner = browser.evaluate(f"{VISIBLE}('#verdict-banner')")
    assert_visible(banner, 900, 120)
    assert banner["top"] < 400, "the verdict is the first thing a reviewer sees"
    assert ("실패" if lang == "ko" else "Fail") in banner["text"]
    graph = browser.evaluate(f"{VISIBLE}('#dependency-graph')")
    assert_visible(graph, 900, 200)
    drawn = browser.evaluate(
        "[...document.querySelectorAll('#dependency-graph .g-node rect')]"
        ".filter(r => { const b = r.getBoundingClientRect(); return b.width > 100 && b.height > 30; }).length"
    )
    assert drawn == len(samples.disqualified().graph["nodes"])
    assert browser.console_problems() == []
    assert browser.dialogs == []
    shot = browser.screenshot(tmp_path / f"report-{lang}.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    out_dir = os.environ.get("SOVSCAN_SCREENSHOT_DIR")
    if out_dir:
        shutil.copy(shot, Path(out_dir) / shot.name)


def test_large_graph_is_visible_and_fits_the_page(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    browser.open(write_report(tmp_path, samples.large(60), "en"))
    graph = browser.evaluate(f"{VISIBLE}('#dependency-graph')")
    assert_visible(graph, 1000, 800)
    assert browser.evaluate("document.documentElement.scrollWidth") <= 1280, "no horizontal scrolling"
    overflow = browser.evaluate(
        """[...document.querySelectorAll('#dependency-graph .g-node')].filter(g => {
             const box = g.querySelector('rect').getBBox();
             return [...g.querySelectorAll('text')].some(t => {
               const b = t.getBBox(); return b.x < box.x || b.x + b.width > box.x + box.width; });
           }).map(g => g.dataset.node)"""
    )
    assert overflow == [], "labels fit inside their boxes"
    assert browser.evaluate("document.querySelectorAll('#dependency-graph .g-node').length") == 60
    assert browser.console_problems() == []


def test_script_and_onerror_payloads_render_as_text(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    browser.open(write_report(tmp_path, samples.hostile(), "en"))
    assert browser.dialogs == [], "an injected alert() ran"
    state = browser.evaluate(
        """({scripts: document.querySelectorAll('script').length,
             imgs: document.querySelectorAll('img').length,
             handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
             text: document.body.innerText})"""
    )
    assert state["scripts"] == 0 and state["imgs"] == 0 and state["handlers"] == 0
    assert "<script>alert(1)</script>" in state["text"]
    assert "<img src=x onerror=alert(1)>" in state["text"]
    # the payload in the graph is SVG text, not markup
    node_titles = browser.evaluate("[...document.querySelectorAll('#dependency-graph title')].map(t => t.textContent).join('\\n')")
    assert "<script>alert(1)</script>" in node_titles
    assert browser.console_problems() == []
