"""The tool works from a built wheel installed outside the repository (data files included)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0 and "No module named 'hatchling'" in proc.stderr + proc.stdout:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(REPO)],
            capture_output=True, text=True,
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (whl,) = out.glob("sovscan-*.whl")
    return whl


def test_wheel_ships_data_directories(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("scanner/_data/licences/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("scanner/_data/rules/") and n.endswith(".yaml") for n in names)
    assert "scanner/_data/schema/report.schema.json" in names
    assert "scanner/resolver/component_origins.yaml" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)


def test_installed_wheel_scans_outside_the_repo(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    target = tmp_path / "skt__A.X-3.1"
    shutil.copytree(REPO / "examples" / "skt__A.X-3.1", target)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site), HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    proc = subprocess.run(
        [sys.executable, "-c", "import scanner, sys; sys.argv=['sovscan','scan',sys.argv[1],'--output-dir','out','-q']; "
         "from scanner.cli.main import main; main()", str(target)],
        cwd=work, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((work / "out" / "report.json").read_text())
    assert report["verdict"]["overall"] == "pass"
    imported = subprocess.run([sys.executable, "-c", "import scanner, sys; print(scanner.__file__)"],
                              cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert str(site) in imported
