"""`sovscan fingerprint add/list/export/import/remove` round trip through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

import weights_factory as wf
from scanner.cli.main import cli
from scanner.weights.store import ReferenceStore


def test_round_trip(tmp_path: Path) -> None:
    model = wf.save(wf.base_model(1), tmp_path / "m")
    db = tmp_path / "a.sqlite"
    db2 = tmp_path / "b.sqlite"
    pack = tmp_path / "pack.jsonl"
    run = CliRunner().invoke

    res = run(cli, ["fingerprint", "add", str(model), "--id", "org/model", "--revision", "abc123", "--licence", "apache-2.0",
                    "--db", str(db), "-q"])
    assert res.exit_code == 0, res.output
    assert "added org/model: 41 tensors indexed" in res.output

    res = run(cli, ["fingerprint", "list", "--db", str(db)])
    assert res.exit_code == 0 and "org/model\tabc123\t41 tensors" in res.output

    res = run(cli, ["fingerprint", "export", "--output", str(pack), "--db", str(db)])
    assert res.exit_code == 0
    lines = [json.loads(x) for x in pack.read_text().splitlines()]
    assert lines[0] == {"kind": "sovscan-fingerprints", "version": 1}
    assert lines[1]["kind"] == "reference" and lines[1]["id"] == "org/model" and lines[1]["vocab_size"] == 1000
    assert sum(1 for x in lines if x["kind"] == "tensor") == 41
    assert "local_path" not in lines[1]  # packs never carry machine paths

    res = run(cli, ["fingerprint", "import", str(pack), "--db", str(db2)])
    assert res.exit_code == 0 and "imported 1 references: org/model" in res.output
    with ReferenceStore(db) as s1, ReferenceStore(db2) as s2:
        t1, t2 = s1.tensors("org/model"), s2.tensors("org/model")
        assert [(t.name, t.raw_hash, t.canon_hash) for t in t1] == [(t.name, t.raw_hash, t.canon_hash) for t in t2]
        assert all(np.array_equal(a.sketch, b.sketch) for a, b in zip(t1, t2))
        assert s1._rows_by_tensor("org/model") == s2._rows_by_tensor("org/model")
        assert s2.reference("org/model").local_path is None
        assert s2.reference("org/model").licence == "apache-2.0"

    res = run(cli, ["fingerprint", "remove", "org/model", "--db", str(db)])
    assert res.exit_code == 0
    res = run(cli, ["fingerprint", "list", "--db", str(db)])
    assert "no references" in res.output
    res = run(cli, ["fingerprint", "remove", "org/model", "--db", str(db)])
    assert res.exit_code != 0 and "no reference" in res.output


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    run = CliRunner().invoke
    db = tmp_path / "x.sqlite"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "something-else"}\n')
    res = run(cli, ["fingerprint", "import", str(bad), "--db", str(db)])
    assert res.exit_code != 0 and "not a sovscan fingerprint export" in res.output
    bad.write_text('{"kind": "sovscan-fingerprints", "version": 1}\n{"kind": "tensor", "ref": "x/y"}\n')
    res = run(cli, ["fingerprint", "import", str(bad), "--db", str(db)])
    assert res.exit_code != 0 and "undeclared reference" in res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "pytorch_model.bin").write_bytes(b"\x80\x04")
    res = run(cli, ["fingerprint", "add", str(empty), "--id", "a/b", "--db", str(db)])
    assert res.exit_code != 0 and "no .safetensors" in res.output
    trunc = tmp_path / "t.safetensors"
    trunc.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    res = run(cli, ["fingerprint", "add", str(trunc), "--id", "a/b", "--db", str(db)])
    assert res.exit_code != 0 and "larger than the file" in res.output


def test_store_of_another_layout_version_is_refused(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    from scanner.weights.store import StoreError

    db = tmp_path / "old.sqlite"
    ReferenceStore(db).close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="layout version 99"):
        ReferenceStore(db)
    res = CliRunner().invoke(cli, ["fingerprint", "list", "--db", str(db)])
    assert res.exit_code != 0 and "layout version 99" in res.output


def test_add_from_a_hugging_face_cache_repository_folder(tmp_path: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--org--cached"
    blobs = repo / "blobs"
    snap = repo / "snapshots" / commit
    wf.save(wf.base_model(2), tmp_path / "src")
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    for f in ("model.safetensors", "config.json"):
        (blobs / f"blob-{f}").write_bytes((tmp_path / "src" / f).read_bytes())
        (snap / f).symlink_to(blobs / f"blob-{f}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    db = tmp_path / "c.sqlite"
    res = CliRunner().invoke(cli, ["fingerprint", "add", str(repo), "--id", "org/cached", "--db", str(db), "-q"])
    assert res.exit_code == 0, res.output
    with ReferenceStore(db) as store:
        info = store.reference("org/cached")
        assert info is not None and info.revision == commit and info.local_path == str(snap.resolve())
