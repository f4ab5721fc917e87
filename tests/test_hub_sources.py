"""Hub, cache and git sources against the loopback Hub, with the real `huggingface_hub` client:
wire format, pinning, the offline cache, gated repositories and every injected fault."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from hub_fixtures import hub, hub_env, hub_root  # noqa: F401  (pytest fixtures)
from hub_server import Fault, HubServer
from scanner.sources.hf_cache import CacheMiss, HFCacheSource, parse_snapshot_path
from scanner.sources.hub import (
    HubAccessDenied,
    HubRepoNotFound,
    HubResponseError,
    HubSource,
    HubUnavailable,
    SIDECAR_DIR,
)
from scanner.sources.interface import FileTooLarge, SourceError, TargetNotFound
from scanner.sources.local import LocalDirSource
from scanner.sources.open import open_source

CHAIN_TOP = "acme-test/Qwen3-8B-ko-distill-GPTQ"


def _sha(root: Path, repo_id: str) -> str:
    import json

    return json.loads((root / repo_id / "_info.json").read_text())["sha"]


def test_hub_source_reads_info_files_and_pins_the_commit(hub: HubServer, hub_env: dict, hub_root: Path) -> None:
    src = HubSource(CHAIN_TOP)
    assert src.revision == _sha(hub_root, CHAIN_TOP)
    assert src.repo_id == CHAIN_TOP
    files = {f.path: f.size for f in src.list_files()}
    assert files["model.safetensors"] == (hub_root / CHAIN_TOP / "model.safetensors").stat().st_size
    assert "base_model: acme-test/Qwen3-8B-ko-distill" in src.read_text("README.md")
    assert src.hub_info["cardData"]["base_model_relation"] == "quantized"
    assert "base_model:quantized:acme-test/Qwen3-8B-ko-distill" in src.hub_info["tags"]
    # files were fetched pinned to the sha, into the normal HF cache
    snap = Path(hub_env["HF_HUB_CACHE"]) / "models--acme-test--Qwen3-8B-ko-distill-GPTQ" / "snapshots" / src.revision
    assert (snap / "README.md").is_file()
    # tensor headers by Range request, weights never downloaded
    meta = src.safetensors_metadata()
    assert meta["model.safetensors"]["model.embed_tokens.weight"] == ("BF16", [16, 8])
    assert not (snap / "model.safetensors").exists()
    assert hub.count(f"/{CHAIN_TOP}/resolve/{src.revision}/model.safetensors", "GET") == 1


def test_metadata_size_cap_is_enforced_before_download(hub: HubServer, hub_env: dict) -> None:
    src = HubSource(CHAIN_TOP)
    with pytest.raises(FileTooLarge):
        src.read_bytes("model.safetensors", limit=100)
    assert hub.count("/resolve/", "GET") == 0
    with pytest.raises(SourceError):
        src.read_bytes("no-such-file.json")


def test_revision_pinning_and_unknown_revision(hub: HubServer, hub_env: dict, hub_root: Path) -> None:
    sha = _sha(hub_root, "Qwen/Qwen3-8B")
    assert HubSource("Qwen/Qwen3-8B", revision=sha).revision == sha
    assert hub.count(f"/api/models/Qwen/Qwen3-8B/revision/{sha}") == 1
    with pytest.raises(HubRepoNotFound):
        HubSource("Qwen/Qwen3-8B", revision="v9.9")


def test_offline_cache_answers_with_the_same_listing(hub: HubServer, hub_env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    online = HubSource(CHAIN_TOP)
    online.read_text("README.md")
    online.safetensors_metadata()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    before = len(hub.requests)
    cached = open_source(CHAIN_TOP)
    assert isinstance(cached, HFCacheSource) and cached.fallback_reason is None
    assert cached.revision == online.revision
    assert cached.list_files() == online.list_files()
    assert cached.read_text("README.md") == online.read_text("README.md")
    assert cached.safetensors_metadata() == online.safetensors_metadata()
    assert cached.hub_info == online.hub_info
    with pytest.raises(SourceError, match="not in the local cache"):
        cached.read_bytes("config.json")  # listed on the Hub, never fetched
    assert len(hub.requests) == before  # offline means no request at all
    with pytest.raises(CacheMiss):
        open_source("acme-test/never-fetched")
    sidecar = Path(hub_env["HF_HUB_CACHE"]) / "models--acme-test--Qwen3-8B-ko-distill-GPTQ" / SIDECAR_DIR
    assert (sidecar / f"{online.revision}.json").is_file()


def test_snapshot_path_and_cache_folder_targets(hub: HubServer, hub_env: dict) -> None:
    online = HubSource("Qwen/Qwen3-8B")
    online.read_text("config.json")
    folder = Path(hub_env["HF_HUB_CACHE"]) / "models--Qwen--Qwen3-8B"
    snap = folder / "snapshots" / online.revision
    assert parse_snapshot_path(snap)[:3] == ("Qwen/Qwen3-8B", "model", online.revision)
    by_path = open_source(str(snap))
    assert isinstance(by_path, HFCacheSource) and by_path.repo_id == "Qwen/Qwen3-8B"
    assert by_path.revision == online.revision
    assert isinstance(open_source(str(folder)), HFCacheSource)
    assert (folder / "refs" / "main").read_text() == online.revision


def test_hub_failure_falls_back_to_the_cache_and_says_so(hub: HubServer, hub_env: dict) -> None:
    HubSource("Qwen/Qwen3-8B").read_text("README.md")
    hub.inject("Qwen/Qwen3-8B", Fault("status", status=503, path="_info"))
    src = open_source("Qwen/Qwen3-8B")
    assert isinstance(src, HFCacheSource)
    assert "Hub failed" in src.fallback_reason and "503" in src.fallback_reason


def test_gated_private_and_missing_repositories(hub: HubServer, hub_env: dict) -> None:
    with pytest.raises(HubAccessDenied, match="gated") as gated:
        HubSource("acme-gated/secret-base")
    assert gated.value.reason == "gated"
    assert gated.value.info["cardData"]["license"] == "llama3.1"  # public description survives
    with pytest.raises(HubAccessDenied) as missing:
        HubSource("acme-test/does-not-exist")
    assert missing.value.reason == "unauthorized"
    with pytest.raises(TargetNotFound):
        open_source("not a target at all")


def test_429_is_retried_after_retry_after(hub: HubServer, hub_env: dict) -> None:
    hub.inject("Qwen/Qwen3-8B", Fault("status", status=429, retry_after=0.3, path="_info", times=2))
    start = time.monotonic()
    src = HubSource("Qwen/Qwen3-8B")
    assert src.revision
    assert time.monotonic() - start >= 0.6  # waited as the server asked, twice
    assert hub.info_requests("Qwen/Qwen3-8B") == 3


@pytest.mark.parametrize(
    "fault, error, reason",
    [
        (Fault("status", status=500, path="_info"), HubUnavailable, "server_error"),
        (Fault("status", status=429, retry_after=0.05, path="_info"), HubUnavailable, "rate_limited"),
        (Fault("slow", delay=1.2, path="_info"), HubUnavailable, "timeout"),
        (Fault("truncate", path="_info"), HubResponseError, "truncated"),
    ],
)
def test_faults_on_model_info_become_source_errors(hub: HubServer, hub_env: dict, fault: Fault, error: type, reason: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if fault.kind == "slow":  # a short timeout keeps the test short; the delay still exceeds it 3-fold
        monkeypatch.setenv("SOVSCAN_HUB_TIMEOUT", "0.4")
    hub.inject("mistralai/Mistral-7B-v0.3", fault)
    with pytest.raises(error) as caught:
        HubSource("mistralai/Mistral-7B-v0.3")
    assert caught.value.reason == reason
    if fault.kind == "status":
        assert hub.info_requests("mistralai/Mistral-7B-v0.3") == 3  # retries (2) then give up


def test_truncated_file_body_is_an_error_not_a_crash(hub: HubServer, hub_env: dict) -> None:
    src = HubSource("acme-test/mistral-ko-sft")
    hub.inject("acme-test/mistral-ko-sft", Fault("truncate", path="config.json", method="GET"))
    with pytest.raises(HubResponseError):
        src.read_bytes("config.json")
    assert "base_model" in src.read_text("README.md")  # the rest of the repository still reads


def test_gated_file_after_info_is_access_denied(hub: HubServer, hub_env: dict) -> None:
    src = HubSource("acme-test/mistral-ko-sft")
    hub.inject("acme-test/mistral-ko-sft", Fault("status", status=403, error_code="GatedRepo", path="config.json"))
    with pytest.raises(HubAccessDenied):
        src.read_bytes("config.json")


def test_gguf_prefix_by_range_request(hub: HubServer, hub_env: dict) -> None:
    src = HubSource("acme-test/Qwen3-8B-ko-distill-GGUF")
    name = next(f.path for f in src.list_files() if f.path.endswith(".gguf"))
    head = src.read_prefix(name, 64)
    assert head[:4] == b"GGUF" and len(head) == 64


def test_local_directory_and_git_checkout(tmp_path: Path, hub_root: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(hub_root / "acme-test" / "qwen3-lora", plain)
    assert isinstance(open_source(str(plain)), LocalDirSource)
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "code"
    shutil.copytree(hub_root / "acme-test" / "qwen3-lora", repo)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for args in (["init", "-q"], ["add", "README.md", "adapter_config.json"], ["commit", "-q", "-m", "c"],
                 ["remote", "add", "origin", "https://huggingface.co/acme-test/qwen3-lora"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    (repo / "uncommitted.txt").write_text("not in HEAD")
    sha = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, env=env).stdout.strip()
    opened = open_source(str(repo))
    assert isinstance(opened, LocalDirSource) and opened.revision == sha and opened.repo_id == "acme-test/qwen3-lora"
    from scanner.sources.git import GitSource

    git = GitSource(str(repo))
    assert git.revision == sha
    assert [f.path for f in git.list_files()] == ["README.md", "adapter_config.json"]
    assert "base_model_name_or_path" in git.read_text("adapter_config.json")
    with pytest.raises(SourceError):
        GitSource(str(plain))


def test_hf_token_opens_a_gated_repository(hub: HubServer, hub_env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    src = HubSource("acme-gated/secret-base")
    assert "llama3.1" in src.read_text("README.md")


def test_dataset_repository(hub: HubServer, hub_env: dict) -> None:
    src = open_source("datasets/acme-test/ko-instruct")
    assert isinstance(src, HubSource) and src.repo_type == "dataset"
    assert src.hub_info["cardData"]["license"] == "cc-by-4.0"
    assert "data/train.jsonl" in [f.path for f in src.list_files()]
    assert hub.info_requests("acme-test/ko-instruct", "dataset") == 1


def test_range_prefix_is_kept_for_offline_runs(hub: HubServer, hub_env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    online = HubSource("acme-test/Qwen3-8B-ko-distill-GGUF")
    name = next(f.path for f in online.list_files() if f.path.endswith(".gguf"))
    head = online.read_prefix(name, 4096)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cached = open_source("acme-test/Qwen3-8B-ko-distill-GGUF")
    assert cached.read_prefix(name, 4096) == head
    from scanner.extractors.lineage import lineage_claims

    claims = {(c.upstream_id, str(c.relation)) for c in lineage_claims(cached, None, None)}
    assert ("acme-test/Qwen3-8B-ko-distill", "quantized_of") in claims


def test_real_recorded_model_info_is_served_and_parsed(hub: HubServer, hub_env: dict, fixtures: Path) -> None:
    """The unmodified recorded `/api/models/google-bert/bert-base-uncased` response, through the client."""
    import json

    real = json.loads((fixtures / "_api_models_google-bert__bert-base-uncased.real.json").read_text())
    src = HubSource("google-bert/bert-base-uncased")
    assert src.revision == real["sha"] == "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert src.hub_info["cardData"]["license"] == "apache-2.0"
    assert "dataset:bookcorpus" in src.hub_info["tags"]
    assert src.hub_info["safetensors"] == {"parameters": {"F32": 110106428}, "total": 110106428}


def test_loopback_hub_speaks_the_tree_and_safetensors_wire_format(hub: HubServer, hub_env: dict, hub_root: Path) -> None:
    """The library's own tree listing and `get_safetensors_metadata` work against the loopback Hub."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=hub.url)
    top = {e.path: type(e).__name__ for e in api.list_repo_tree("acme-test/remote-code-vlm")}
    assert top["config.json"] == "RepoFile" and "configuration_acme.py" in top
    deep = {e.path for e in api.list_repo_tree("acme-test/Qwen3-8B-ko-distill-GPTQ", recursive=True)}
    assert "model.safetensors" in deep
    meta = api.get_safetensors_metadata(CHAIN_TOP)
    assert meta.files_metadata["model.safetensors"].tensors["lm_head.weight"].shape == [16, 8]
    assert meta.parameter_count == {"BF16": 16 * 8 * 2 + 8 * 8 + 8}
    assert api.file_exists(CHAIN_TOP, "config.json") and not api.file_exists(CHAIN_TOP, "nope.json")
