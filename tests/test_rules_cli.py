"""`sovscan rules list|show|validate` and `sovscan explain`: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules_support import run
from scanner.cli.main import main
from scanner.data import data_dir
from scanner.model import ScanResult, Target
from test_rules_packs import hcx32b_vision
from test_rules_engine import _waiver


def sovscan(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_rules_list_shows_pack_and_engine_rules(capsys) -> None:
    code, out, _ = sovscan(capsys, "rules", "list")
    assert code == 0
    assert "kr-sovereign-2026" in out and "home_country=KR" in out
    assert "tech.inherited-weights" in out and "engine.unresolved-node" in out
    code, out, _ = sovscan(capsys, "rules", "list", "--policy", "permissive-only")
    assert code == 0 and "perm.non-permissive-licence" in out and "tech.inherited-weights" not in out


def test_rules_show(capsys) -> None:
    code, out, _ = sovscan(capsys, "rules", "show", "policy.foreign-licensor-control")
    assert code == 0
    assert "licensor.foreign: true" in out and "source:" in out and "kr-sovereign-2026.yaml:" in out
    code, _, err = sovscan(capsys, "rules", "show", "tech.inherited")
    assert code == 2 and "did you mean tech.inherited-weights" in err


def test_rules_validate(capsys, tmp_path: Path) -> None:
    code, out, _ = sovscan(capsys, "rules", "validate", str(data_dir("rules") / "kr-sovereign-2026.yaml"))
    assert code == 0 and "valid policy pack kr-sovereign-2026" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nversion: '1'\ntitle: t\nrules:\n  - id: r\n    criterion: technical\n"
                   "    severity: fail\n    when: {licence.facts: revocable}\n    message: m\n"
                   "    remediation: r\n    source: s\n", encoding="utf-8")
    code, out, err = sovscan(capsys, "rules", "validate", str(bad))
    assert code == 2 and out == ""
    assert f"{bad}:8:" in err and "unknown condition 'licence.facts'" in err and "did you mean 'licence.fact'" in err
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("- {rule: r, node: n, reason: x, approver: a, expires: 2026-01-01}\n", encoding="utf-8")
    code, out, _ = sovscan(capsys, "rules", "validate", str(waivers))
    assert code == 0 and "1 waiver" in out
    code, _, err = sovscan(capsys, "rules", "validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "file not found" in err


def _report(tmp_path: Path) -> tuple[Path, dict]:
    graph = hcx32b_vision()
    ev = run(graph, waivers=[_waiver("2026-03-31", rule="tech.foreign-architecture-inherited")])
    result = ScanResult(
        tool_version="test", target=Target(ref="examples/hcx", source="local"), policy_id="kr-sovereign-2026",
        policy_version="2026.1", verdict=ev.verdict, graph=graph.to_dict(), findings=ev.findings,
        scan_issues=ev.issues, generated="2026-01-20T00:00:00Z",
    )
    data = result.to_dict()
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, data


def test_explain_prints_path_evidence_and_waiver(capsys, tmp_path: Path) -> None:
    path, data = _report(tmp_path)
    fid = next(f["id"] for f in data["findings"] if f["rule"] == "tech.inherited-weights")
    code, out, _ = sovscan(capsys, "explain", str(path), fid)
    assert code == 0
    assert f"Finding {fid}" in out and "(technical, fail)" in out
    assert "--contains--> weights:naver-hyperclovax/HyperCLOVAX-SEED-Think-32B#vision_tower" in out
    assert "--reuses_weights_of (0.95)--> model:Qwen/Qwen2.5-VL-32B-Instruct" in out
    assert "config.json:141 [vision_model_name_or_path]" in out
    assert "confidence  0.95" in out and "remediation" in out and "MSIT 2026 criterion 1" in out
    waived = next(f["id"] for f in data["findings"] if f["rule"] == "tech.foreign-architecture-inherited")
    code, out, _ = sovscan(capsys, "explain", str(path), waived[:-3])  # a unique prefix is enough
    assert code == 0 and "waived      yes — by review board (J. Kim) until 2026-03-31" in out


def test_explain_unknown_id_and_bad_report(capsys, tmp_path: Path) -> None:
    path, _ = _report(tmp_path)
    code, _, err = sovscan(capsys, "explain", str(path), "tech.inherited-weights#00000000")
    assert code == 2 and "no finding 'tech.inherited-weights#00000000'" in err and "findings of that rule" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = sovscan(capsys, "explain", str(broken), "x")
    assert code == 2 and "cannot read report" in err
    code, _, err = sovscan(capsys, "explain", str(tmp_path / "none.json"), "x")
    assert code == 2 and "report not found" in err
