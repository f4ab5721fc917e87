"""Done-when of the weight-provenance issue, through the real `sovscan scan` command: a model
whose vision tower is byte-copied from a fingerprinted reference fails the technical criterion
with the tensor list as evidence; the same model with that tower re-initialised passes it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import weights_factory as wf
from scanner.cli.main import cli

CARD = "---\nlicense: apache-2.0\n---\n# A test model\n"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("scan")
    ref = wf.base_model(1)
    wf.save(ref, root / "reference")
    wf.save(wf.with_component(wf.base_model(5), ref), root / "copied", extra_files={"README.md": CARD})
    wf.save(wf.with_component(wf.base_model(5), wf.base_model(11)), root / "reinit", extra_files={"README.md": CARD})
    db = root / "refs.sqlite"
    res = CliRunner().invoke(cli, ["fingerprint", "add", str(root / "reference"), "--id", "Qwen/Qwen2.5-VL-7B-Instruct",
                                   "--licence", "apache-2.0", "--db", str(db), "-q"])
    assert res.exit_code == 0, res.output
    return {"root": root, "db": db}


def _scan(setup: dict, name: str) -> dict:
    out = setup["root"] / f"out-{name}"
    res = CliRunner().invoke(cli, ["scan", str(setup["root"] / name), "--offline", "--reference-db", str(setup["db"]),
                                   "--output-dir", str(out), "--format", "json", "-q"])
    assert res.exit_code in (0, 1, 3), res.output
    return json.loads((out / "report.json").read_text())


def test_copied_vision_tower_fails_technical_with_the_tensor_list(setup: dict) -> None:
    report = _scan(setup, "copied")
    assert report["verdict"]["criteria"]["technical"] == "fail"
    edges = [e for e in report["graph"]["edges"] if e["relation"] == "reuses_weights_of"]
    tower = [e for e in edges if e["source"].endswith("#vision_tower")]
    assert tower and tower[0]["target"] == "model:Qwen/Qwen2.5-VL-7B-Instruct"
    listed = {t["tensor"] for t in tower[0]["evidence"][0]["detail"]["tensors"]}
    assert "visual.blocks.1.mlp.fc2.weight" in listed and len(listed) == 9
    failing = [f for f in report["findings"] if f["criterion"] == "technical" and f["severity"] == "fail"]
    assert any(f["node"].endswith("#vision_tower") for f in failing)


def test_reinitialised_vision_tower_passes_technical(setup: dict) -> None:
    report = _scan(setup, "reinit")
    assert report["verdict"]["criteria"]["technical"] == "pass"
    assert not [e for e in report["graph"]["edges"] if e["relation"] in ("reuses_weights_of", "finetune_of", "derived_from")]
