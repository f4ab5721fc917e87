"""`sovscan scan` end to end on the bundled examples and on bad input: verdicts and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from scanner.data import data_dir

REPO = Path(__file__).resolve().parents[1]
FAILING = REPO / "examples" / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B"
PASSING = REPO / "examples" / "skt__A.X-3.1"


def sovscan(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess (exit codes as a user sees them)."""
    import os

    full_env = dict(os.environ, HF_HUB_OFFLINE="1")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads((data_dir("schema") / "report.schema.json").read_text())


def scan_json(target: Path, out: Path, *extra: str) -> tuple[int, dict]:
    proc = sovscan("scan", str(target), "--output-dir", str(out), "--format", "json", "--format", "md", *extra)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    return proc.returncode, report


def test_disqualified_example_fails_technical_citing_the_vision_config(tmp_path, schema):
    code, report = scan_json(FAILING, tmp_path)
    assert code == 1
    jsonschema.validate(report, schema)
    assert report["verdict"]["criteria"]["technical"] == "fail"
    technical = [f for f in report["findings"] if f["criterion"] == "technical" and f["severity"] == "fail"]
    assert technical
    cited = {(e["path"], e.get("key")) for f in technical for e in f["evidence"]}
    assert ("config.json", "vision_config.model_type") in cited or ("config.json", "vision_model_name_or_path") in cited
    vision = next(n for n in report["graph"]["nodes"] if n["id"].endswith("#vision_tower"))
    assert vision["attributes"]["origin_org"] == "Qwen"
    assert vision["attributes"]["weights_origin"] == "inherited"
    edges = {(e["source"], e["relation"], e["target"]) for e in report["graph"]["edges"]}
    assert (vision["id"], "reuses_weights_of", "model:Qwen/Qwen2.5-VL-32B-Instruct") in edges
    assert (tmp_path / "report.md").read_text().strip()


def test_independent_example_passes(tmp_path, schema):
    code, report = scan_json(PASSING, tmp_path)
    assert code == 0, report.get("findings")
    jsonschema.validate(report, schema)
    assert report["verdict"] == {**report["verdict"], "overall": "pass"}
    target = next(n for n in report["graph"]["nodes"] if n["id"] == report["graph"]["root"])
    assert target["licence"] == "apache-2.0" and target["country"] == "KR"
    # model-index datasets are evaluation sets, never training data
    relations = {(e["target"], e["relation"]) for e in report["graph"]["edges"]}
    assert ("dataset:HAERAE-HUB/KMMLU", "evaluated_on") in relations
    assert not any(r == "trained_on" for _t, r in relations)


def test_missing_target_exits_4_with_a_message(tmp_path):
    proc = sovscan("scan", str(tmp_path / "nope"), "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 4
    assert "neither an existing path nor a Hub id" in proc.stderr and "Traceback" not in proc.stderr


def test_empty_directory_exits_4(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = sovscan("scan", str(tmp_path / "empty"), "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 4
    assert "no files" in proc.stderr and "Traceback" not in proc.stderr


def test_malformed_front_matter_is_a_scan_issue_and_needs_review(tmp_path):
    repo = tmp_path / "acme__broken"
    shutil.copytree(PASSING, repo)
    (repo / "README.md").write_text("---\nlicense: apache-2.0\nbase_model: [unclosed\n---\nbody\n")
    code, report = scan_json(repo, tmp_path / "out")
    assert code in (1, 3)  # never a pass
    problems = [i for i in report["scan_issues"] if i["path"] == "README.md"]
    assert problems and "malformed YAML" in problems[0]["problem"] and "line" in problems[0]["problem"]


def test_invalid_config_json_is_a_scan_issue(tmp_path):
    repo = tmp_path / "acme__badjson"
    shutil.copytree(PASSING, repo)
    (repo / "config.json").write_text('{"model_type": "llama",,}')
    code, report = scan_json(repo, tmp_path / "out")
    assert code != 0
    assert any(i["path"] == "config.json" and "invalid JSON" in i["problem"] for i in report["scan_issues"])


def test_unknown_policy_is_a_usage_error(tmp_path):
    proc = sovscan("scan", str(PASSING), "--policy", "no-such-pack", "--output-dir", str(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_unknown_format_is_a_usage_error(tmp_path):
    proc = sovscan("scan", str(PASSING), "--format", "pdf", "--output-dir", str(tmp_path))
    assert proc.returncode == 2 and "unknown format" in proc.stderr


def test_version():
    proc = sovscan("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("sovscan ")


def test_pickle_weights_leave_technical_in_review(tmp_path):
    repo = tmp_path / "acme__pickled"
    shutil.copytree(PASSING, repo)
    (repo / "model.safetensors").unlink()
    (repo / "pytorch_model.bin").write_bytes(b"\x80\x04\x95not really a pickle")
    code, report = scan_json(repo, tmp_path / "out")
    assert code == 3
    assert report["verdict"]["criteria"]["technical"] == "review"
    gap = [f for f in report["findings"] if f["rule"] == "scan.unreadable-input"]
    assert gap and gap[0]["evidence"][0]["path"] == "pytorch_model.bin"


def test_symlink_loop_is_recorded_not_followed(tmp_path):
    repo = tmp_path / "acme__loop"
    shutil.copytree(PASSING, repo)
    (repo / "sub").mkdir()
    (repo / "sub" / "again").symlink_to(repo, target_is_directory=True)
    (repo / "outside").symlink_to("/etc/hostname")
    code, report = scan_json(repo, tmp_path / "out")
    assert code in (0, 3)
    problems = " ".join(i["problem"] for i in report["scan_issues"])
    assert "symlink" in problems
