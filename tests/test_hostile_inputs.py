"""`sovscan scan` on hostile and broken repositories: a clear error or a recorded scan issue,
never a crash, never a silent pass.

Every case starts from the passing example (`examples/skt__A.X-3.1`, exit 0), breaks one thing,
and checks the exit code a user would get (0 pass, 1 fail, 2 usage, 3 review, 4 could not run),
that the broken file is named in a scan issue (or on stderr), and that every report format still
renders and `report.json` validates against the schema. Most cases call `run_scan` in-process
(fast); the CLI runs in a subprocess where exit codes, stderr or a hang are the point.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Callable

import jsonschema
import pytest
import yaml

from scanner.cli.scan import exit_code_for
from scanner.data import data_dir
from scanner.pipeline import ScanError, ScanOptions, run_scan
from scanner.reporters import ReportOptions, formats, get_reporter

REPO = Path(__file__).resolve().parents[1]
PASSING = REPO / "examples" / "skt__A.X-3.1"
PASS, FAIL, USAGE, REVIEW, SCAN_ERROR = 0, 1, 2, 3, 4
GAP_RULE = "scan.unreadable-input"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads((data_dir("schema") / "report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def make_repo(tmp_path: Path, name: str = "acme__hostile") -> Path:
    repo = tmp_path / name
    shutil.copytree(PASSING, repo)
    return repo


def scan(target: Path | str, schema: dict, all_formats: bool = False, **options) -> tuple[int, dict]:
    """Scan in-process; every report must render (in English and Korean) and report.json must validate."""
    result = run_scan(ScanOptions(target=str(target), offline=options.pop("offline", True), today=date(2026, 11, 1), **options))
    report = json.loads(get_reporter("json").render(result, ReportOptions()))
    jsonschema.validate(report, schema)
    for fmt in formats() if all_formats else ("md", "html"):
        for lang in ("en", "ko"):
            assert get_reporter(fmt).render(result, ReportOptions(lang=lang))
    return exit_code_for(result), report


def sovscan(*args: str, env: dict | None = None, prefix: tuple[str, ...] = (), timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, HF_HUB_OFFLINE="1", **(env or {}))
    return subprocess.run([*prefix, sys.executable, "-m", "scanner", *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def issues_about(report: dict, path: str) -> list[str]:
    return [i["problem"] for i in report["scan_issues"] if i["path"] == path]


def assert_recorded(report: dict, path: str, words: tuple[str, ...]) -> None:
    """`path` has a scan issue whose text holds every word, and a review finding cites it."""
    problems = issues_about(report, path)
    assert any(all(w in p for w in words) for p in problems), report["scan_issues"]
    cited = {e["path"] for f in report["findings"] if f["rule"] == GAP_RULE for e in f["evidence"]}
    assert path in cited, [f["rule"] for f in report["findings"]]


# -- generated broken files ----------------------------------------------------------------------


def safetensors_bytes(header: object, data: bytes = b"", length: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


def front_matter(fields: dict, body: str = "# Model\n") -> str:
    return f"---\n{yaml.safe_dump(fields, sort_keys=False)}---\n{body}"


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _write(name: str, content: bytes | str) -> Callable[[Path], None]:
    def mutate(repo: Path) -> None:
        target = repo / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return mutate


def _truncate_weights(keep: int | None) -> Callable[[Path], None]:
    def mutate(repo: Path) -> None:
        data = (repo / "model.safetensors").read_bytes()
        (repo / "model.safetensors").write_bytes(data[: len(data) // 2 if keep is None else keep])
    return mutate


def _card(text_from_original: Callable[[str], str]) -> Callable[[Path], None]:
    def mutate(repo: Path) -> None:
        readme = repo / "README.md"
        readme.write_text(text_from_original(readme.read_text(encoding="utf-8")), encoding="utf-8")
    return mutate


def _latin1_readme(repo: Path) -> None:
    readme = repo / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"Korean", b"Kor\xe9an"))


def _utf16_readme(repo: Path) -> None:
    readme = repo / "README.md"
    readme.write_bytes(b"\xff\xfe" + readme.read_text(encoding="utf-8").encode("utf-16-le"))


def _huge_readme(repo: Path) -> None:
    readme = repo / "README.md"
    with open(readme, "ab") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)


def _pickle_only(repo: Path) -> None:
    (repo / "model.safetensors").unlink()
    (repo / "pytorch_model.bin").write_bytes(b"\x80\x04\x95" + os.urandom(64))


def _no_weights(repo: Path) -> None:
    (repo / "model.safetensors").unlink()


def _dangling_config(repo: Path) -> None:
    (repo / "config.json").unlink()
    (repo / "config.json").symlink_to(repo / "gone.json")


def _fifo(name: str) -> Callable[[Path], None]:
    def mutate(repo: Path) -> None:
        if (repo / name).exists():
            (repo / name).unlink()
        os.mkfifo(repo / name)
    return mutate


def _sparse(name: str, size: int) -> Callable[[Path], None]:
    def mutate(repo: Path) -> None:
        with open(repo / name, "wb") as fh:  # huge on paper, nothing on disk
            fh.truncate(size)
    return mutate


def _gguf_only(repo: Path) -> None:
    (repo / "model.safetensors").unlink()
    key, value = b"general.architecture", b"llama"
    (repo / "model-Q4_K_M.gguf").write_bytes(
        b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(key)) + key
        + struct.pack("<IQ", 8, len(value)) + value
    )


_BAD_DTYPE = {"model.embed_tokens.weight": {"dtype": "WAT", "shape": [2, 2], "data_offsets": [0, 16]}}
_NEGATIVE = {"model.embed_tokens.weight": {"dtype": "F32", "shape": [-1, 4], "data_offsets": [0, 16]}}
_REVERSED = {"model.embed_tokens.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [16, 0]}}
_ABSURD = {"model.embed_tokens.weight": {"dtype": "F32", "shape": [10**12, 10**12], "data_offsets": [0, 2**62]}}

# (case id, mutation, expected exit code, file the issue names, words the issue holds)
CASES: list[tuple[str, Callable[[Path], None], int, str, tuple[str, ...]]] = [
    # config.json
    ("config-is-a-list", _write("config.json", "[1, 2, 3]"), REVIEW, "config.json", ("JSON object", "list")),
    ("config-is-null", _write("config.json", "null"), REVIEW, "config.json", ("JSON object",)),
    ("config-empty", _write("config.json", ""), REVIEW, "config.json", ("invalid JSON",)),
    ("config-binary-garbage", _write("config.json", b"\xc8\x00\xff" + bytes(range(256)) * 8), REVIEW, "config.json",
     ("not valid UTF-8",)),
    ("config-latin1", _write("config.json", '{"model_type": "llama", "note": "caf\xe9"}'.encode("latin-1")), REVIEW,
     "config.json", ("not valid UTF-8", "offset")),
    ("config-model-type-not-a-string", _write("config.json", '{"model_type": NaN, "architectures": ["LlamaForCausalLM"]}'),
     REVIEW, "config.json", ("model_type", "must be a string")),
    ("config-sub-model-type-a-list", _write("config.json", '{"model_type": "llava", "vision_config": {"model_type": ["siglip"]}}'),
     REVIEW, "config.json", ("vision_config.model_type",)),
    ("config-dangling-symlink", _dangling_config, REVIEW, "config.json", ("unreadable",)),
    # README.md / model card
    ("card-latin1", _latin1_readme, REVIEW, "README.md", ("not valid UTF-8",)),
    ("card-utf16", _utf16_readme, REVIEW, "README.md", ("not valid UTF-8",)),
    ("card-binary-garbage", _write("README.md", bytes(range(128, 256)) * 40), REVIEW, "README.md", ("not valid UTF-8",)),
    ("card-50MB", _huge_readme, REVIEW, "README.md", ("exceeds",)),
    ("card-front-matter-a-list", _write("README.md", "---\n- a\n- b\n---\nbody\n"), REVIEW, "README.md", ("mapping",)),
    ("card-unclosed-front-matter", _write("README.md", "---\nlicense: apache-2.0\nbase_model: acme/base\n\n# Model\n"),
     REVIEW, "README.md", ("never closed",)),
    ("card-malformed-yaml", _write("README.md", "---\nlicense: apache-2.0\nbase_model: [unclosed\n---\nbody\n"), REVIEW,
     "README.md", ("malformed YAML", "line")),
    ("card-nul-byte", _write("README.md", "---\nlicense: apache-2.0\x00\n---\nbody\n"), REVIEW, "README.md", ("malformed YAML",)),
    ("card-python-tag", _write("README.md", "---\nlicense: !!python/object/apply:os.system ['true']\n---\nbody\n"), REVIEW,
     "README.md", ("malformed YAML",)),
    ("card-duplicate-licence", _write("README.md", "---\nlicense: apache-2.0\nlicense: llama3.1\n---\nbody\n"), REVIEW,
     "README.md", ("duplicate key", "license", "line 3")),
    ("card-unhashable-key", _write("README.md", "---\n? [a, b]\n: c\nlicense: apache-2.0\n---\nbody\n"), REVIEW,
     "README.md", ("malformed YAML",)),
    ("card-deeply-nested", _write("README.md", "---\nlicense: apache-2.0\nx: " + nested_json(20000) + "\n---\nbody\n"),
     REVIEW, "README.md", ("nested too deeply",)),
    ("card-licence-a-mapping", _write("README.md", front_matter({"license": {"name": "apache-2.0"}})), REVIEW, "README.md",
     ("license", "mapping")),
    ("card-base-model-a-mapping", _write("README.md", front_matter({"license": "apache-2.0", "base_model": {"id": "meta/llama"}})),
     REVIEW, "README.md", ("base_model", "mapping")),
    ("card-datasets-hold-mappings", _write("README.md", front_matter({"license": "apache-2.0", "datasets": [None, {"a": 1}]})),
     REVIEW, "README.md", ("datasets", "mapping")),
    ("card-is-a-fifo", _fifo("README.md"), REVIEW, "README.md", ("not a regular file", "named pipe")),
    # weights
    ("weights-truncated", _truncate_weights(None), REVIEW, "model.safetensors", ("invalid safetensors",)),
    ("weights-five-bytes", _truncate_weights(5), REVIEW, "model.safetensors", ("too short",)),
    ("weights-empty", _truncate_weights(0), REVIEW, "model.safetensors", ("too short",)),
    ("weights-absurd-header-length", _write("model.safetensors", safetensors_bytes(b"{}", length=2**62)), REVIEW,
     "model.safetensors", ("header length",)),
    ("weights-absurd-offsets", _write("model.safetensors", safetensors_bytes(_ABSURD, b"\0" * 64)), REVIEW,
     "model.safetensors", ("invalid safetensors",)),
    ("weights-negative-shape", _write("model.safetensors", safetensors_bytes(_NEGATIVE, b"\0" * 16)), REVIEW,
     "model.safetensors", ("shape",)),
    ("weights-reversed-offsets", _write("model.safetensors", safetensors_bytes(_REVERSED, b"\0" * 16)), REVIEW,
     "model.safetensors", ("data_offsets",)),
    ("weights-unknown-dtype", _write("model.safetensors", safetensors_bytes(_BAD_DTYPE, b"\0" * 16)), REVIEW,
     "model.safetensors", ("dtype",)),
    ("weights-header-a-list", _write("model.safetensors", safetensors_bytes(b"[1, 2]")), REVIEW, "model.safetensors",
     ("JSON object",)),
    ("weights-pickle-only", _pickle_only, REVIEW, "pytorch_model.bin", ("pickle",)),
    ("weights-index-a-list", _write("model.safetensors.index.json", "[]"), REVIEW, "model.safetensors.index.json",
     ("safetensors index",)),
    ("weights-none-at-all", _no_weights, REVIEW, ".", ("no weight files",)),
    ("weights-gguf-only", _gguf_only, REVIEW, "model-Q4_K_M.gguf", ("GGUF", "not fingerprinted")),
    ("weights-tensorflow-beside-safetensors", _write("tf_model.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 64), REVIEW,
     "tf_model.h5", ("not fingerprinted",)),
    # other files of the target
    ("tokenizer-invalid-json", _write("tokenizer.json", '{"model": {"vocab": [unclosed'), REVIEW, "tokenizer.json",
     ("invalid JSON",)),
    ("tokenizer-config-too-large", _sparse("tokenizer_config.json", 2 << 30), REVIEW, "tokenizer_config.json", ("exceeds",)),
    ("licence-file-too-large", _sparse("LICENSE", 2 << 30), REVIEW, "LICENSE", ("too large",)),
    ("requirements-too-large", _sparse("requirements.txt", 2 << 30), REVIEW, "requirements.txt", ("exceeds",)),
    ("named-pipe-beside-the-model", _fifo("notes.txt"), REVIEW, "notes.txt", ("not a regular file",)),
]


@pytest.mark.parametrize(("case", "mutate", "expected", "path", "words"), CASES, ids=[c[0] for c in CASES])
def test_broken_input_is_recorded_and_never_passes(tmp_path, schema, case, mutate, expected, path, words):
    repo = make_repo(tmp_path)
    mutate(repo)
    code, report = scan(repo, schema)
    assert code == expected, (code, report["scan_issues"])
    assert_recorded(report, path, words)


# Pathological JSON/YAML (deep nesting, huge integers) in every file the scan parses.
PATHOLOGICAL_CASES = [
    pytest.param(
        "config.json", "{" + '"model_type": "llama", "a": ' + nested_json(100_000) + "}",
        id="config-deeply-nested",
    ),
    pytest.param(
        "config.json", '{"model_type": "llama", "vocab_size": 1' + "0" * 5000 + "}",
        id="config-5000-digit-integer",
    ),
    pytest.param(
        "model.safetensors.index.json", '{"weight_map": ' + nested_json(100_000) + "}",
        id="index-deeply-nested",
    ),
    pytest.param(
        "model.safetensors", safetensors_bytes(('{"a": ' + nested_json(100_000) + "}").encode()),
        id="safetensors-header-deeply-nested",
    ),
]


_CARD = PASSING.joinpath("README.md").read_text(encoding="utf-8")
PATHOLOGICAL_CASES += [
    pytest.param(
        "README.md", _CARD + "\n```yaml\nmerge_method: slerp\nmodels: " + nested_json(20_000) + "\n```\n",
        id="card-mergekit-block-deeply-nested",
    ),
    pytest.param(
        "README.md", _CARD + "\n```yaml\nmerge_method: slerp\nx: 1" + "0" * 5000 + "\n```\n",
        id="card-mergekit-block-5000-digit-integer",
    ),
    pytest.param(
        "mergekit_config.yml", "merge_method: slerp\nmodels: " + nested_json(20_000) + "\n",
        id="mergekit-config-deeply-nested",
    ),
    pytest.param(
        "adapter_config.json", '{"base_model_name_or_path": ' + nested_json(100_000) + "}",
        id="adapter-config-deeply-nested",
    ),
    pytest.param(
        "trainer_state.json", '{"log_history": ' + nested_json(100_000) + "}",
        id="trainer-state-deeply-nested",
    ),
    pytest.param(
        "train_loss.jsonl", '{"step": 1, "loss": 1' + "0" * 5000 + "}\n",
        id="loss-log-5000-digit-integer",
    ),
]


@pytest.mark.parametrize(("name", "content"), PATHOLOGICAL_CASES)
def test_pathological_json_is_recorded(tmp_path, schema, name, content):
    repo = make_repo(tmp_path)
    _write(name, content)(repo)
    code, report = scan(repo, schema)
    assert code == REVIEW
    assert issues_about(report, name), report["scan_issues"]


# Lineage files that cannot be parsed must not make a declared base model vanish.
@pytest.mark.parametrize(("name", "content"), [
    ("adapter_config.json", '{"base_model_name_or_path": "meta-llama/Llama-3.1-8B", "peft_type": "LORA",,}'),
    ("mergekit_config.yml", "models:\n  - model: [meta-llama/Llama-3.1-8B\n"),
], ids=["adapter-config-invalid-json", "mergekit-config-invalid-yaml"])
def test_unreadable_lineage_file_never_passes(tmp_path, schema, name, content):
    repo = make_repo(tmp_path)
    _write(name, content)(repo)
    code, report = scan(repo, schema)
    assert code != PASS
    assert issues_about(report, name), report["scan_issues"]


def test_non_utf8_card_in_a_cache_snapshot_is_recorded(tmp_path, schema):
    import hashlib

    folder = tmp_path / "hub" / "models--acme--latin"
    sha = "a" * 40
    snapshot = folder / "snapshots" / sha
    snapshot.mkdir(parents=True)
    (folder / "blobs").mkdir()
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(sha, encoding="utf-8")
    for f in PASSING.iterdir():
        data = f.read_bytes().replace(b"Korean", b"Kor\xe9an")
        blob = hashlib.sha256(data).hexdigest()
        (folder / "blobs" / blob).write_bytes(data)
        (snapshot / f.name).symlink_to(f"../../blobs/{blob}")
    code, report = scan(snapshot, schema)
    assert code == REVIEW
    assert any("UTF-8" in p for p in issues_about(report, "README.md")), report["scan_issues"]


def test_local_source_never_reads_outside_the_repository(tmp_path):
    from scanner.sources.interface import SourceError
    from scanner.sources.local import LocalDirSource

    secret = tmp_path / "secret.txt"
    secret.write_text("outside", encoding="utf-8")
    repo = make_repo(tmp_path)
    (repo / "link.txt").symlink_to(secret)
    source = LocalDirSource(str(repo))
    assert "link.txt" not in {f.path for f in source.list_files()}
    assert ("link.txt", "symlink points outside the repository") in source.skipped
    for path in ("link.txt", "../secret.txt", str(secret)):
        with pytest.raises(SourceError, match="outside the repository"):
            source.read_bytes(path)
        assert not source.exists(path) and source.local_path(path) is None


def test_extractors_reject_pathological_json_and_yaml():
    """Our own parsers turn every pathological input into an ExtractionError naming the file."""
    from scanner.extractors.card import parse_card
    from scanner.extractors.config import parse_config_json
    from scanner.extractors.interface import ExtractionError
    from scanner.extractors.weight_index import parse_safetensors_index

    cases = [
        (parse_config_json, '{"a": ' + nested_json(100_000) + "}", "nested too deeply"),
        (parse_config_json, '{"vocab_size": 1' + "0" * 5000 + "}", "invalid JSON"),
        (parse_safetensors_index, '{"weight_map": ' + nested_json(100_000) + "}", "nested too deeply"),
        (parse_safetensors_index, '{"weight_map": {"a": 1' + "0" * 5000 + "}}", "invalid JSON"),
        (parse_card, "---\nx: " + nested_json(50_000) + "\n---\n", "nested too deeply"),
        (parse_card, "---\nx: 1" + "0" * 5000 + "\n---\n", "malformed YAML"),
    ]
    for parser, text, words in cases:
        with pytest.raises(ExtractionError) as err:
            parser(text)
        assert words in err.value.problem


def test_yaml_alias_bomb_is_not_expanded(tmp_path, schema):
    """A billion-laughs card is valid YAML: aliases are shared, never expanded, so it scans fast."""
    lines = ["license: apache-2.0", "a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    repo = make_repo(tmp_path)
    (repo / "README.md").write_text("---\n" + "\n".join(lines) + "\n---\n# Model\n", encoding="utf-8")
    started = time.monotonic()
    code, report = scan(repo, schema)
    assert code == PASS, report["scan_issues"]
    assert time.monotonic() - started < 20


def test_yaml_merge_keys_are_not_duplicates(tmp_path, schema):
    repo = make_repo(tmp_path)
    (repo / "README.md").write_text("---\nbase: &b {license: mit}\n<<: *b\nlicense: apache-2.0\n---\n# Model\n",
                                    encoding="utf-8")
    code, report = scan(repo, schema)
    assert code == PASS, report["scan_issues"]


def test_hostile_file_names_are_recorded_and_every_format_renders(tmp_path, schema):
    repo = make_repo(tmp_path)
    raw = os.fsencode(repo)
    for name in (b"LICENSE-\xff\xfe", b"notes\xff.txt"):  # not UTF-8: no Hub repository can hold them
        (Path(os.fsdecode(raw + b"/" + name))).write_bytes(b"x")
    (repo / "LICENSE\nNOTICE").write_text("MIT", encoding="utf-8")
    (repo / "한국어 설명서.md").write_text("설명", encoding="utf-8")
    code, report = scan(repo, schema, all_formats=True)
    assert code == REVIEW
    assert issues_about(report, "LICENSE-\\xff\\xfe") == ["file name is not valid UTF-8: not read"]
    assert issues_about(report, "notes\\xff.txt")


def test_target_whose_own_name_is_not_utf8(tmp_path, schema):
    target = os.fsdecode(os.fsencode(tmp_path) + b"/acme__bad\xffname")
    shutil.copytree(PASSING, target)
    (Path(target) / "model.safetensors").write_bytes(b"\0" * 5)  # an issue whose text holds the path
    code, report = scan(target, schema, all_formats=True)
    assert code == REVIEW
    assert report["target"]["ref"].endswith("acme__bad\\xffname")
    assert report["graph"]["root"] == "model:acme/bad\\xffname"


def test_twenty_thousand_files(tmp_path, schema):
    repo = make_repo(tmp_path)
    crowd = repo / "crowd"
    crowd.mkdir()
    for i in range(20_000):
        (crowd / f"f{i:05d}.txt").touch()
    code, report = scan(repo, schema)
    assert code == PASS, report["scan_issues"]
    target = next(n for n in report["graph"]["nodes"] if n["id"] == report["graph"]["root"])
    assert target["attributes"]["file_count"] == 20_000 + 4


def test_target_that_is_a_file_cannot_be_scanned(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"x")
    with pytest.raises(ScanError, match="not a directory"):
        run_scan(ScanOptions(target=str(tmp_path / "model.safetensors"), offline=True))


@pytest.mark.parametrize("epoch", ["99999999999999999999", "abc", "-5", "1e9", "\u0661\u0662"])
def test_malformed_source_date_epoch_is_an_error(tmp_path, monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(ScanError, match="SOURCE_DATE_EPOCH"):
        run_scan(ScanOptions(target=str(PASSING), offline=True))


def test_revision_of_a_plain_directory_is_an_error(tmp_path):
    repo = make_repo(tmp_path)
    with pytest.raises(ScanError, match="--revision 'v1.0' needs"):
        run_scan(ScanOptions(target=str(repo), offline=True, revision="v1.0"))


def test_cache_path_in_the_card_never_yields_an_unbounded_id(tmp_path, schema):
    repo = make_repo(tmp_path)
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nWeights from " + "models--a" * 1000 + "\n", encoding="utf-8")
    _code, report = scan(repo, schema)
    assert max(len(n["id"]) for n in report["graph"]["nodes"]) < 250


def test_unreachable_hub_for_a_declared_base_model_never_passes(tmp_path, schema, monkeypatch):
    """Network fault while resolving an upstream: recorded on the upstream, and no pass."""
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: connection refused
    monkeypatch.setenv("SOVSCAN_HUB_TIMEOUT", "2")
    repo = make_repo(tmp_path)
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace(
        "license: apache-2.0\n", "license: apache-2.0\nbase_model: acme-upstream/base-model\n", 1), encoding="utf-8")
    code, report = scan(repo, schema, offline=False)
    assert code in (FAIL, REVIEW)
    assert any(i.get("node") == "model:acme-upstream/base-model" and "not resolved" in i["problem"]
               for i in report["scan_issues"]), report["scan_issues"]


# -- through the command line ---------------------------------------------------------------------


def test_cli_escapes_hostile_card_content_in_every_report(tmp_path, schema):
    repo = make_repo(tmp_path)
    fields = {"license": "other", "license_name": HOSTILE, "license_link": "javascript:alert(1)",
              "datasets": [f"org/{HOSTILE}", "org/a` <img src=x onerror=alert(2)> `b"], "tags": [HOSTILE]}
    (repo / "README.md").write_text(front_matter(fields, f"# {HOSTILE}\n\n[click](javascript:alert(3))\n"), encoding="utf-8")
    (repo / "NOTICE").write_text(HOSTILE, encoding="utf-8")
    (repo / "LICENSE-<img src=x onerror=alert(4)>").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out"
    proc = sovscan("scan", str(repo), "--output-dir", str(out), "--format", "json", "--format", "md", "--format", "html", "-q")
    assert proc.returncode in (FAIL, REVIEW), proc.stderr
    assert "Traceback" not in proc.stderr
    jsonschema.validate(json.loads((out / "report.json").read_text(encoding="utf-8")), schema)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "javascript:" not in html.replace("license_link: javascript:alert(1)", "")  # cited as text, never a link
    assert "&lt;script&gt;alert" in html  # shown, escaped
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render((out / "report.md").read_text(encoding="utf-8"))
    assert "<script" not in rendered and "<img" not in rendered and 'href="javascript:' not in rendered


def test_cli_named_pipe_card_does_not_hang(tmp_path):
    repo = make_repo(tmp_path)
    _fifo("README.md")(repo)
    out = tmp_path / "out"
    proc = sovscan("scan", str(repo), "--output-dir", str(out), "--format", "json", "-q", timeout=60)
    assert proc.returncode == REVIEW, proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert issues_about(report, "README.md") == ["not a regular file (named pipe): not read"]


def test_cli_target_that_is_a_file_exits_4(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    proc = sovscan("scan", str(tmp_path / "config.json"), "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == SCAN_ERROR
    assert "not a directory" in proc.stderr and "Traceback" not in proc.stderr


def _without_read_override() -> tuple[str, ...]:
    """Root reads everything, so as root the scan drops the DAC override capabilities (setpriv)
    to see what a normal user sees; skip when that is impossible."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    caps = "-dac_override,-dac_read_search"
    prefix = (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}") if setpriv else ()
    if not prefix or subprocess.run([*prefix, "true"], capture_output=True).returncode:
        pytest.skip("running as root without setpriv to drop the read-override capabilities")
    return prefix


def test_cli_unreadable_file_and_directory_are_recorded(tmp_path):
    prefix = _without_read_override()
    repo = make_repo(tmp_path)
    (repo / "extra").mkdir()
    (repo / "extra" / "modeling_hidden.py").write_text("# hidden code\n", encoding="utf-8")
    (repo / "config.json").chmod(0)
    (repo / "extra").chmod(0)
    out = tmp_path / "out"
    try:
        proc = sovscan("scan", str(repo), "--output-dir", str(out), "--format", "json", "-q", prefix=prefix)
    finally:
        (repo / "config.json").chmod(0o644)
        (repo / "extra").chmod(0o755)
    assert proc.returncode == REVIEW, proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert any("Permission denied" in p for p in issues_about(report, "config.json")), report["scan_issues"]
    assert any("Permission denied" in p for p in issues_about(report, "extra")), report["scan_issues"]


def test_cli_unreadable_target_exits_4(tmp_path):
    prefix = _without_read_override()
    repo = make_repo(tmp_path)
    repo.chmod(0)
    try:
        proc = sovscan("scan", str(repo), "--output-dir", str(tmp_path / "out"), "-q", prefix=prefix)
    finally:
        repo.chmod(0o755)
    assert proc.returncode == SCAN_ERROR
    assert "not readable" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("repo_id", ["../../etc", "acme/<script>", "no-slash", "a/b/c"])
def test_cli_repo_id_that_is_not_a_hub_id_is_a_usage_error(tmp_path, repo_id):
    proc = sovscan("scan", str(PASSING), "--repo-id", repo_id, "--output-dir", str(tmp_path / "out"), "-q")
    assert proc.returncode == USAGE
    assert "is not a Hub id" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_cli_report_directory_under_a_file_exits_4(tmp_path):
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    proc = sovscan("scan", str(PASSING), "--output-dir", str(tmp_path / "plain" / "out"), "-q")
    assert proc.returncode == SCAN_ERROR
    assert "cannot write the report" in proc.stderr and "Traceback" not in proc.stderr
