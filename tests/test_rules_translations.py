"""Findings in the report language: every rule the Korean review runs has Korean text, the
engine renders it with the same values as the English text, and `--lang ko` reports show it
while English reports and the English `message` contract stay as they were."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from rules_support import run
from scanner.data import data_dir
from scanner.model import Criterion, Finding, Severity, Waiver
from scanner.rules import load_pack
from scanner.rules.builtin import engine_rules
from scanner.rules.schema import RuleError
from scanner.rules.templates import josa, render
from scanner.rules.waivers import apply_waivers
from test_rules_packs import CASES

REPO = Path(__file__).resolve().parents[1]
HCX_EXAMPLE = REPO / "examples" / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
TRANSLATED_PACKS = ("kr-sovereign-2026", "permissive-only", "commercial-use")


@pytest.mark.parametrize("pack_name", TRANSLATED_PACKS)
def test_every_rule_of_the_pack_and_the_engine_has_korean_text(pack_name: str) -> None:
    pack = load_pack(pack_name)
    missing = []
    for rule in list(pack.rules) + engine_rules(pack.parameters):
        ko = rule.translations.get("ko", {})
        for key in ("message", "remediation"):
            if not HANGUL.search(ko.get(key, "")):
                missing.append(f"{rule.id}.{key}")
    assert not missing, f"rules without Korean text: {missing}"


FIRING = [(p, r, s) for p, r, fires, s in CASES if fires]


@pytest.mark.parametrize("pack,rule,scenario", FIRING, ids=[f"{p}:{r}:{i}" for i, (p, r, _s) in enumerate(FIRING)])
def test_korean_text_renders_with_the_finding_values(pack: str, rule: str, scenario) -> None:
    evaluation = run(scenario(), pack)
    findings = [f for f in evaluation.findings if f.rule == rule]
    assert findings
    for finding in findings:
        ko = finding.translations["ko"]
        for text in (ko["message"], ko["remediation"]):
            assert HANGUL.search(text), text
            assert "could not be rendered" not in text and "{{" not in text and "{%" not in text, text
        assert not HANGUL.search(finding.message), "the English message must stay English"
        # the values are shared: the finding's node shows up in both languages when the English names it
        name = finding.node.split(":", 1)[-1].split("#")[0]
        if name in finding.message:
            assert name in ko["message"], (finding.message, ko["message"])


def test_relation_and_fact_words_read_in_korean() -> None:
    evaluation = run(next(s for p, r, s in FIRING if r == "policy.foreign-licensor-control")(), "kr-sovereign-2026")
    finding = next(f for f in evaluation.findings if f.rule == "policy.foreign-licensor-control")
    assert "위반 시 해지" in finding.translations["ko"]["message"]
    assert "terminate on breach" in finding.message


@pytest.mark.parametrize(
    "word,pair,expected",
    [
        ("비전 인코더", "은/는", "비전 인코더는"),
        ("언어 모델", "은/는", "언어 모델은"),
        ("임베딩", "을/를", "임베딩을"),
        ("Apache License 2.0", "으로/로", "Apache License 2.0으로"),  # 영으로
        ("Llama 3.1", "을/를", "Llama 3.1을"),  # 일을
        ("학습 데이터", "으로/로", "학습 데이터로"),
        ("skt/A.X-3.1", "은/는", "skt/A.X-3.1은"),
        ("Qwen/Qwen2.5-VL-32B-Instruct", "이/가", "Qwen/Qwen2.5-VL-32B-Instruct이(가)"),
        ("", "은/는", "은(는)"),
    ],
)
def test_josa_fits_the_last_sound(word: str, pair: str, expected: str) -> None:
    assert josa(word, pair) == expected


def test_term_filter_speaks_the_render_language() -> None:
    template = "{{ facts | term | join(', ') }}"
    values = {"facts": ["terminate_on_breach", "some_new_fact"]}
    assert render(template, values) == "terminate on breach, some new fact"
    assert render(template, values, "ko") == "위반 시 해지, some new fact"


def test_named_filter_reads_a_component_in_korean() -> None:
    view = {"id": "weights:org/m#vision_tower", "name": "org/m vision tower", "kind": "weights",
            "attributes": {"component": "vision_tower"}}
    assert render("{{ node | named }}", {"node": view}) == "org/m vision tower"
    assert render("{{ node | named | josa('은/는') }}", {"node": view}, "ko") == "org/m의 비전 인코더는"
    model = {"id": "model:org/m", "name": "org/m", "kind": "model", "attributes": {}}
    assert render("{{ node | named }}", {"node": model}, "ko") == "org/m"
    assert render("[{{ ancestor | named }}]", {"ancestor": None}, "ko") == "[]"


# -- the rule language ------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PACK = """\
id: test-pack
version: "1"
title: Test
rules:
  - id: t.any-model
    criterion: policy
    severity: review
    when: {kind: model}
    message: "{{ node.name }} is a model."
    remediation: Look at it.
    translations:
      ko:
        message: "{{ node.name | josa('은/는') }} 모델입니다."
        remediation: 살펴보십시오.
    source: test
"""


def test_translation_templates_are_checked_like_english_ones(tmp_path: Path) -> None:
    bad = PACK.replace("{{ node.name | josa('은/는') }} 모델입니다.", "{{ secret.name }} 모델입니다.")
    path = _write(tmp_path, "bad.yaml", bad)
    with pytest.raises(RuleError) as err:
        load_pack(path)
    assert err.value.line == 13 and "unknown template variable(s) secret" in err.value.detail
    unknown_filter = PACK.replace("josa('은/는')", "attr('__class__') | nosuchfilter")
    with pytest.raises(RuleError, match="nosuchfilter"):
        load_pack(_write(tmp_path, "filter.yaml", unknown_filter))
    wrong_key = PACK.replace("        remediation: 살펴보십시오.", "        remedy: 살펴보십시오.")
    with pytest.raises(RuleError, match="unknown key 'remedy'"):
        load_pack(_write(tmp_path, "key.yaml", wrong_key))
    wrong_lang = PACK.replace("      ko:", "      Korean:")
    with pytest.raises(RuleError, match="translations"):
        load_pack(_write(tmp_path, "lang.yaml", wrong_lang))


def test_extends_overrides_translations_and_drops_stale_ones(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", PACK)
    child = _write(tmp_path, "child.yaml", """\
id: child
version: "1"
title: Child
extends: base.yaml
rules:
  - id: t.any-model
    remediation: Ask the supplier.
""")
    rule = load_pack(child).rule("t.any-model")
    # the remediation was rewritten in English only: its old Korean no longer says the same
    assert rule.translations == {"ko": {"message": "{{ node.name | josa('은/는') }} 모델입니다."}}
    grandchild = _write(tmp_path, "grandchild.yaml", """\
id: grandchild
version: "1"
title: Grandchild
extends: child.yaml
rules:
  - id: t.any-model
    translations:
      ko:
        remediation: 공급자에게 문의하십시오.
""")
    rule = load_pack(grandchild).rule("t.any-model")
    assert rule.translations["ko"] == {"message": "{{ node.name | josa('은/는') }} 모델입니다.",
                                       "remediation": "공급자에게 문의하십시오."}


# -- findings the engine writes itself --------------------------------------------------------


def test_waiver_notes_have_korean_text() -> None:
    pack = load_pack("kr-sovereign-2026")
    waivers = [
        Waiver(rule="tech.inherited-weights", node="weights:*", reason="r", approver="a", expires="2020-01-01"),
        Waiver(rule="no.such-rule", node="*", reason="r", approver="a", expires="2099-01-01"),
    ]
    _findings, notes = apply_waivers([], waivers, dt.date(2026, 11, 1), pack)
    assert {n.rule for n in notes} == {"engine.waiver-expired", "engine.waiver-unused"}
    for note in notes:
        assert HANGUL.search(note.translations["ko"]["message"]) and HANGUL.search(note.translations["ko"]["remediation"])
    unused = next(n for n in notes if n.rule == "engine.waiver-unused")
    assert "no.such-rule" in unused.translations["ko"]["message"]


def test_report_json_carries_translations_only_when_present() -> None:
    schema = json.loads((data_dir("schema") / "report.schema.json").read_text(encoding="utf-8"))
    finding_schema = {**schema["$defs"]["finding"], "$defs": schema["$defs"]}
    plain = Finding(id="x", rule="r", criterion=Criterion.POLICY, severity=Severity.INFO, confidence=1.0,
                    node="model:a", message="English.")
    assert "translations" not in plain.to_dict()
    localised = Finding(id="x", rule="r", criterion=Criterion.POLICY, severity=Severity.INFO, confidence=1.0,
                        node="model:a", message="English.", remediation="Fix.",
                        translations={"ko": {"message": "한국어.", "remediation": "고치십시오."}})
    data = localised.to_dict()
    assert data["message"] == "English." and data["translations"]["ko"]["message"] == "한국어."
    jsonschema.validate(data, finding_schema)
    assert localised.text("ko") == ("한국어.", "고치십시오.")
    assert localised.text("en") == ("English.", "Fix.")


# -- reports --------------------------------------------------------------------------------------


def _scan(tmp_path: Path, lang: str) -> Path:
    """The real command line in a subprocess, offline (the Hub is never contacted)."""
    if not HCX_EXAMPLE.is_dir():
        pytest.skip("examples/naver-hyperclovax__HyperCLOVAX-SEED-Think-32B is not in this checkout")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SOURCE_DATE_EPOCH": "1767225600"}
    out = tmp_path / lang
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(HCX_EXAMPLE), "--offline", "-q",
                           "--format", "md", "--format", "json", "--format", "html", "--lang", lang,
                           "--output-dir", str(out), "--today", "2026-11-01"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr  # disqualified: the technical criterion fails
    return out


def _finding_lines(markdown: str) -> list[str]:
    """The message line under each finding bullet of report.md."""
    lines = markdown.splitlines()
    return [lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if line.startswith("- **")]


def test_korean_markdown_shows_korean_finding_messages(tmp_path: Path) -> None:
    ko_dir = _scan(tmp_path, "ko")
    en_dir = _scan(tmp_path, "en")
    ko_md = (ko_dir / "report.md").read_text(encoding="utf-8")
    en_md = (en_dir / "report.md").read_text(encoding="utf-8")
    ko_messages = _finding_lines(ko_md)
    assert ko_messages and all(HANGUL.search(m) for m in ko_messages), ko_messages
    assert any("비전 인코더는" in m and "Qwen2.5-VL" in m for m in ko_messages), ko_messages
    en_messages = _finding_lines(en_md)
    assert len(en_messages) == len(ko_messages) and not any(HANGUL.search(m) for m in en_messages)
    # report.json keeps English messages and carries the Korean as translations, whatever --lang
    report = json.loads((ko_dir / "report.json").read_text(encoding="utf-8"))
    assert report == json.loads((en_dir / "report.json").read_text(encoding="utf-8"))
    assert all(not HANGUL.search(f["message"]) for f in report["findings"])
    assert all(HANGUL.search(f["translations"]["ko"]["message"]) for f in report["findings"])
    html = (ko_dir / "report.html").read_text(encoding="utf-8")
    assert "비전 인코더는" in html and 'lang="en"' not in html.split("<body", 1)[1]


def test_korean_html_keeps_escaping(tmp_path: Path) -> None:
    from scanner.model import ScanResult, Target, Verdict, Outcome
    from scanner.reporters.html import HtmlReporter
    from scanner.reporters.interface import ReportOptions
    from scanner.reporters.markdown import MarkdownReporter

    hostile = Finding(id="x", rule="r", criterion=Criterion.POLICY, severity=Severity.REVIEW, confidence=1.0,
                      node="model:a", message="English.",
                      translations={"ko": {"message": "<script>alert(1)</script> **굵게**", "remediation": "[링크](javascript:x)"}})
    verdict = Verdict.combine({c: Outcome.REVIEW for c in Criterion})
    result = ScanResult(tool_version="0", target=Target(ref="a", source="local"), policy_id="p", policy_version="1",
                        verdict=verdict, graph={"nodes": [], "edges": []}, findings=[hostile], scan_issues=[],
                        generated="2026-11-01T00:00:00Z")
    html = HtmlReporter().render(result, ReportOptions(lang="ko")).decode("utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    md = MarkdownReporter().render(result, ReportOptions(lang="ko")).decode("utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert r"\*\*굵게\*\*" in md and r"\[링크\](javascript:x)" in md
