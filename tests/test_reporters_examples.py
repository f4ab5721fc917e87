"""Every report format over real `sovscan scan` runs of every bundled example, checked with the
official validators (spdx-tools, the pinned SPDX 3.0.1 schema and the SPDX bindings,
cyclonedx-python-lib, the pinned SARIF schema) and, for HTML, in headless Chromium."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from scanner.data import data_dir

from spdx3_validation import load_spdx3_schema, spdx3_document_errors

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir() and (p / "README.md").is_file()) if (
    ROOT / "examples"
).is_dir() else []
ALL_FORMATS = ("json", "md", "html", "spdx-json", "spdx", "spdx3", "cyclonedx", "sarif")
EPOCH = "1790000000"  # 2026-09-21T14:13:20Z

pytestmark = pytest.mark.skipif(not EXAMPLES, reason="no bundled examples in examples/")


def scan(example: Path, out: Path, lang: str, formats: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "scanner", "scan", str(example), "--offline", "--lang", lang, "--output-dir", str(out)]
    for fmt in formats:
        args += ["--format", fmt]
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, cwd=str(ROOT))


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.name for p in EXAMPLES])
def reports(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    example: Path = request.param
    out = tmp_path_factory.mktemp(example.name)
    run = scan(example, out / "en", "en", ALL_FORMATS)
    assert run.returncode in (0, 1, 3), run.stderr
    ko = scan(example, out / "ko", "ko", ("html", "md"))
    assert ko.returncode == run.returncode, ko.stderr
    return example, out


@pytest.fixture(scope="module")
def spdx3_schema() -> dict:
    return load_spdx3_schema()


def test_every_format_is_written(reports) -> None:  # type: ignore[no-untyped-def]
    from scanner.reporters import get_reporter

    _example, out = reports
    for fmt in ALL_FORMATS:
        assert (out / "en" / get_reporter(fmt).filename).stat().st_size > 0, fmt


def test_spdx2_documents_validate(reports) -> None:  # type: ignore[no-untyped-def]
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    _example, out = reports
    result = json.loads((out / "en" / "report.json").read_text(encoding="utf-8"))
    for name in ("report.spdx.json", "report.spdx"):
        document = parse_file(str(out / "en" / name))
        assert validate_full_spdx_document(document) == [], name
        assert len(document.packages) == len(result["graph"]["nodes"])


def test_spdx3_document_validates(reports, spdx3_schema) -> None:  # type: ignore[no-untyped-def]
    _example, out = reports
    raw = (out / "en" / "report.spdx3.jsonld").read_bytes()
    assert spdx3_document_errors(spdx3_schema, json.loads(raw)) == []
    model = pytest.importorskip("spdx_python_model").v3_0_1
    objects = model.SHACLObjectSet()
    model.JSONLDDeserializer().read(io.BytesIO(raw), objects)
    assert objects.link() == set()
    model.JSONLDSerializer().write(objects, io.BytesIO())


def test_cyclonedx_document_validates(reports) -> None:  # type: ignore[no-untyped-def]
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    _example, out = reports
    text = (out / "en" / "report.cdx.json").read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    assert bom["metadata"]["component"]["type"] == "machine-learning-model"
    assert "modelCard" in bom["metadata"]["component"]


def test_sarif_log_validates(reports) -> None:  # type: ignore[no-untyped-def]
    _example, out = reports
    schema = json.loads((data_dir("schema") / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads((out / "en" / "report.sarif").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [e.message for e in validator.iter_errors(log)] == []
    result = json.loads((out / "en" / "report.json").read_text(encoding="utf-8"))
    assert len(log["runs"][0]["results"]) == len(result["findings"])


def test_disqualified_example_lineage_in_every_bom(reports) -> None:  # type: ignore[no-untyped-def]
    example, out = reports
    result = json.loads((out / "en" / "report.json").read_text(encoding="utf-8"))
    inherited = [e for e in result["graph"]["edges"] if e["relation"] == "reuses_weights_of"]
    if not inherited:
        pytest.skip(f"{example.name} reuses no weights")
    upstream = {e["target"] for e in inherited}
    upstream_names = {n["name"] for n in result["graph"]["nodes"] if n["id"] in upstream}
    bom = json.loads((out / "en" / "report.cdx.json").read_text(encoding="utf-8"))
    ancestors = {a["name"] for c in bom.get("components", []) for a in (c.get("pedigree") or {}).get("ancestors", [])}
    assert upstream_names <= ancestors
    spdx3 = json.loads((out / "en" / "report.spdx3.jsonld").read_text(encoding="utf-8"))["@graph"]
    assert any(e.get("relationshipType") == "ancestorOf" for e in spdx3)
    spdx2 = json.loads((out / "en" / "report.spdx.json").read_text(encoding="utf-8"))
    assert any(r["relationshipType"] == "DESCENDANT_OF" for r in spdx2["relationships"])
    sarif = json.loads((out / "en" / "report.sarif").read_text(encoding="utf-8"))
    assert any(r["level"] == "error" for r in sarif["runs"][0]["results"])


def test_korean_reports_and_browser_render(reports, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example, out = reports
    page = (out / "ko" / "report.html").read_text(encoding="utf-8")
    assert "종합 판정" in page and "기술적" in page and "2026년 9월 21일" in page
    assert "## 종합 판정" in (out / "ko" / "report.md").read_text(encoding="utf-8")
    from headless_chromium import Chromium, find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not installed (run .ci/install-browser.sh)")
    pytest.importorskip("websocket", reason="websocket-client (test extra) is needed to drive chromium")
    with Chromium(chromium) as browser:
        browser.open(out / "ko" / "report.html")
        seen = browser.evaluate(
            "['#verdict-banner', '#dependency-graph'].map(s => document.querySelector(s).getBoundingClientRect().height)"
        )
        assert min(seen) > 100
        assert browser.console_problems() == [] and browser.dialogs == []
        shot = browser.screenshot(tmp_path / f"{example.name}-ko.png")
        assert shot.stat().st_size > 20_000
        target = os.environ.get("SOVSCAN_SCREENSHOT_DIR")
        if target:
            (Path(target) / shot.name).write_bytes(shot.read_bytes())


def test_reports_are_byte_identical_across_runs(reports, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example, out = reports
    if example != EXAMPLES[0]:
        pytest.skip("rerun determinism is checked on the first example (a scan costs seconds)")
    again = scan(example, tmp_path / "again", "en", ALL_FORMATS)
    assert again.returncode in (0, 1, 3), again.stderr
    for path in sorted((out / "en").iterdir()):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name
