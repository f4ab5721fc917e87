"""Fixtures for tests against the loopback Hub: the recorded repositories (plus small generated
binaries), the running server, and the environment a scan needs to use it and nothing else."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
from pathlib import Path

import pytest

from hub_server import HubServer

HERE = Path(__file__).resolve().parent
HUB_DATA = HERE / "hub_data"
REPO = HERE.parent


def write_safetensors(path: Path, tensors: dict[str, tuple[str, list[int]]]) -> None:
    """A valid safetensors file of zero-filled tensors (tiny shapes only)."""
    sizes = {"F32": 4, "BF16": 2, "F16": 2, "I32": 4, "I8": 1, "U8": 1}
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = sizes[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * offset)


def write_gguf(path: Path, values: dict[str, object]) -> None:
    """A GGUF v3 file with metadata only (strings, uint32 and string arrays)."""
    def s(text: str) -> bytes:
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(values))
    for key, value in values.items():
        out += s(key)
        if isinstance(value, str):
            out += struct.pack("<I", 8) + s(value)
        elif isinstance(value, int):
            out += struct.pack("<I", 4) + struct.pack("<I", value)
        elif isinstance(value, list):
            out += struct.pack("<IIQ", 9, 8, len(value)) + b"".join(s(v) for v in value)
    path.write_bytes(out)


def _info(path: Path, repo_id: str, card: str, tags: list[str]) -> None:
    sha = hashlib.sha1(("sovscan-test:" + repo_id).encode()).hexdigest()
    path.mkdir(parents=True, exist_ok=True)
    (path / "README.md").write_text(card)
    (path / "_info.json").write_text(json.dumps({"id": repo_id, "modelId": repo_id, "sha": sha, "tags": tags, "gated": False,
                                                 "private": False, "author": repo_id.split("/")[0]}))


def build_hub_root(dest: Path) -> Path:
    """Copy the recorded repositories and add the generated binary files."""
    shutil.copytree(HUB_DATA, dest)
    lm = {"model.embed_tokens.weight": ("BF16", [16, 8]), "model.layers.0.self_attn.q_proj.weight": ("BF16", [8, 8]),
          "model.norm.weight": ("BF16", [8]), "lm_head.weight": ("BF16", [16, 8])}
    for repo in ("Qwen/Qwen3-8B", "acme-test/Qwen3-8B-ko-distill", "acme-test/Qwen3-8B-ko-distill-GPTQ",
                 "LGAI-EXAONE/EXAONE-4.0-32B", "LGAI-EXAONE/EXAONE-4.0-32B-GPTQ"):
        write_safetensors(dest / repo / "model.safetensors", lm)
    gguf = dest / "acme-test/Qwen3-8B-ko-distill-GGUF"
    _info(gguf, "acme-test/Qwen3-8B-ko-distill-GGUF", "---\nlicense: apache-2.0\nlibrary_name: gguf\n---\n\n# GGUF build\n", ["gguf"])
    write_gguf(gguf / "qwen3-8b-ko-distill-Q4_K_M.gguf", {
        "general.architecture": "qwen3",
        "general.name": "Qwen3 8B Ko Distill",
        "general.base_model.count": 1,
        "general.base_model.0.name": "Qwen3 8B",
        "general.base_model.0.organization": "Qwen",
        "general.base_model.0.repo_url": "https://huggingface.co/Qwen/Qwen3-8B",
        "general.source.repo_url": "https://huggingface.co/acme-test/Qwen3-8B-ko-distill",
        "tokenizer.ggml.tokens": [f"tok{i}" for i in range(200)],
    })
    return dest


@pytest.fixture(scope="session")
def hub_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hub_root(tmp_path_factory.mktemp("hubroot") / "data")


@pytest.fixture
def hub(hub_root: Path):
    with HubServer(hub_root) as server:
        yield server


def hub_environment(server_url: str, home: Path) -> dict[str, str]:
    """The environment of a scan that may talk to the loopback Hub only, with its own cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_", "SOVSCAN_")) and k != "TRANSFORMERS_OFFLINE"}
    env.update({
        "HF_ENDPOINT": server_url,
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "SOVSCAN_HUB_RETRIES": "2",
        "SOVSCAN_HUB_BACKOFF": "0.05",
        "SOVSCAN_HUB_TIMEOUT": "1.5",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    return env


@pytest.fixture
def hub_env(hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point this process (and any subprocess given the returned env) at the loopback Hub."""
    env = hub_environment(hub.url, tmp_path / "hf")
    for key in list(os.environ):
        if key.startswith(("HF_", "HUGGINGFACE_", "SOVSCAN_")) or key == "TRANSFORMERS_OFFLINE":
            monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        if key.startswith(("HF_", "SOVSCAN_")) or key.lower() == "no_proxy":
            monkeypatch.setenv(key, value)
    # huggingface_hub freezes HF_HUB_OFFLINE when first imported; an earlier test of this session
    # may have imported it offline, and in-process scans here must be online.
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return env


def run_sovscan(args: list[str], env: dict[str, str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    """`sovscan ARGS` in a subprocess (the most faithful way: the library reads its environment
    at import time)."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "scanner", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=180)
