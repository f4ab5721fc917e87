"""Tokenizer family signatures, code origins and remote code, and package manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.extractors.code import auto_map_claims, code_origins, local_auto_map_modules
from scanner.extractors.interface import ExtractionError
from scanner.extractors.packages import is_requirements_file, parse_pyproject, parse_requirements
from scanner.extractors.tokenizer import (
    CONF_TOKENIZER_FAMILY,
    family_matches,
    parse_tokenizer_config,
    parse_tokenizer_json,
    read_tokenizer,
    tokenizer_claims,
)
from scanner.graph import Relation
from scanner.sources.local import LocalDirSource

HUB_DATA = Path(__file__).resolve().parent / "hub_data"


def test_qwen_chatml_tokens_identify_the_family_of_a_third_party_model() -> None:
    text = (HUB_DATA / "acme-test" / "Qwen3-8B-ko-distill" / "tokenizer_config.json").read_text()
    info = parse_tokenizer_config(text)
    assert info.tokenizer_class == "Qwen2Tokenizer"
    assert {"<|im_start|>", "<|im_end|>", "<|endoftext|>"} <= set(info.special_tokens)
    assert info.chat_template and "<|im_start|>" in info.chat_markers
    assert [f.family for f in family_matches(info)] == ["Qwen"]
    [claim] = tokenizer_claims(info, own_org="acme-test")
    assert (claim.upstream_id, claim.relation, claim.confidence) == ("Qwen/Qwen2.5-7B", Relation.DERIVED_FROM, CONF_TOKENIZER_FAMILY)
    assert claim.evidence.detail["tokens"] == ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
    assert tokenizer_claims(info, own_org="Qwen") == []  # Qwen's own models carry Qwen's tokens


def test_exaone_tokens_and_repository_reader() -> None:
    src = LocalDirSource(str(HUB_DATA / "LGAI-EXAONE" / "EXAONE-4.0-32B"), repo_id="LGAI-EXAONE/EXAONE-4.0-32B")
    info, problems = read_tokenizer(src, limit=1024 * 1024)
    assert problems == []
    assert [f.family for f in family_matches(info)] == ["EXAONE"]
    assert tokenizer_claims(info, own_org="LGAI-EXAONE") == []
    assert read_tokenizer(LocalDirSource(str(HUB_DATA / "acme-test" / "cycle-a")), 1024) == (None, [])


def test_tokenizer_json_whole_and_prefix() -> None:
    vocab = {f"t{i}": i for i in range(300)}
    added = [{"id": 300, "content": "<|begin_of_text|>", "special": True}, {"id": 301, "content": "<|start_header_id|>", "special": True},
             {"id": 302, "content": "<|end_header_id|>", "special": True}, {"id": 303, "content": "<|eot_id|>", "special": True}]
    data = json.dumps({"version": "1.0", "added_tokens": added, "model": {"type": "BPE", "vocab": vocab, "merges": []}}).encode()
    whole = parse_tokenizer_json(data, complete=True)
    assert whole.vocab_size == 304 and whole.model_type == "BPE"
    assert [f.family for f in family_matches(whole)] == ["Llama 3"]
    prefix = parse_tokenizer_json(data[: len(data) // 2], complete=False)  # vocab cut off: tokens still read
    assert prefix.added_tokens == [t["content"] for t in added] and prefix.vocab_size is None
    with pytest.raises(ExtractionError):
        parse_tokenizer_json(b"{broken", complete=True)
    with pytest.raises(ExtractionError):
        parse_tokenizer_config("[1, 2]")


MODELING = '''# coding=utf-8
# Copyright 2024 The Qwen team, Alibaba Group and the HuggingFace Inc. team. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
"""PyTorch model of a test repository."""
import torch


# Copied from transformers.models.llama.modeling_llama.LlamaRMSNorm with Llama->Acme
class AcmeRMSNorm(torch.nn.Module):
    pass


# Adapted from https://github.com/vllm-project/vllm/blob/main/vllm/model_executor/layers/rotary_embedding.py
def rotary():
    pass
'''


def test_code_origins_from_a_modeling_file() -> None:
    origins = code_origins(MODELING, "modeling_acme.py")
    by_kind = {o.kind: o for o in origins}
    assert by_kind["copyright"].holder == "The Qwen team, Alibaba Group and the HuggingFace Inc. team"
    assert by_kind["copyright"].licence == "Apache-2.0" and by_kind["copyright"].line == 2
    assert by_kind["licence_header"].licence == "Apache-2.0"
    copied = by_kind["copied_from"]
    assert (copied.origin_project, copied.line) == ("transformers", 10)
    assert copied.target == "transformers.models.llama.modeling_llama.LlamaRMSNorm"
    adapted = by_kind["adapted_from"]
    assert adapted.origin_project == "github.com/vllm-project/vllm"
    ev = copied.evidence()
    assert ev.path == "modeling_acme.py" and ev.detail["origin_project"] == "transformers"
    spdx = code_origins("#!/usr/bin/env python\n# SPDX-License-Identifier: MIT\nx = 1\n", "a.py")
    assert [(o.kind, o.licence) for o in spdx] == [("spdx", "MIT")]


def test_code_without_origins_gives_nothing(shared: Path) -> None:
    """Python modules with no licence or origin statements (benchmark `none/` slice)."""
    files = sorted((shared / "bench-corpus" / "none").glob("*.py"))
    assert files
    for path in files:
        assert code_origins(path.read_text(encoding="utf-8", errors="replace"), path.name) == [], path.name


def test_auto_map_remote_and_local_code() -> None:
    auto_map = {"AutoConfig": "configuration_vlm.HCXVisionConfig",
                "AutoModelForCausalLM": "acme-org/shared-code--modeling_vlm.HCXVisionForCausalLM",
                "AutoTokenizer": ["acme-org/tok--tokenization_x.XTokenizer", None]}
    claims = auto_map_claims(auto_map, own_id="acme-test/model")
    assert [(c.repo_id, c.module, c.class_name) for c in claims] == [
        ("acme-org/shared-code", "modeling_vlm", "HCXVisionForCausalLM"), ("acme-org/tok", "tokenization_x", "XTokenizer")]
    assert claims[0].evidence.key == "auto_map.AutoModelForCausalLM"
    assert auto_map_claims(auto_map, own_id="acme-org/shared-code")[0].repo_id == "acme-org/tok"
    assert local_auto_map_modules(auto_map) == ["configuration_vlm.py"]


def test_requirements_file() -> None:
    text = ("# runtime\ntorch>=2.1\ntransformers==4.46.0 ; python_version >= '3.9'\nflash_attn\\\n  >=2.5\n"
            "-r other.txt\n--extra-index-url https://example.org/simple\n./local_pkg\nSentencePiece[extra]  # tokenizer\n"
            "not a requirement !!\n")
    reqs, skipped = parse_requirements(text, "requirements.txt")
    got = {r.name: (r.specifier, r.line) for r in reqs}
    assert got == {"torch": (">=2.1", 2), "transformers": ("==4.46.0", 3), "flash-attn": (">=2.5", 4), "sentencepiece": ("", 9)}
    assert next(r for r in reqs if r.name == "transformers").marker == 'python_version >= "3.9"'
    assert next(r for r in reqs if r.name == "sentencepiece").extras == ("extra",)
    assert [no for no, _ in skipped] == [6, 7, 8, 10]
    assert reqs[0].node_id == "package:pypi/torch"
    assert is_requirements_file("requirements-dev.txt") and is_requirements_file("src/requirements.txt")
    assert not is_requirements_file("requirements.md")


def test_pyproject_tables() -> None:
    text = """[project]
name = "x"
dependencies = ["numpy>=1.26", "safetensors"]
[project.optional-dependencies]
gpu = ["vllm>=0.6"]
[tool.poetry.dependencies]
python = "^3.10"
accelerate = "^0.30"
"""
    reqs, skipped = parse_pyproject(text)
    assert {(r.name, r.specifier, r.group) for r in reqs} == {
        ("numpy", ">=1.26", "main"), ("safetensors", "", "main"), ("vllm", ">=0.6", "gpu"), ("accelerate", ">=0.30", "main")}
    assert skipped == []
    assert next(r for r in reqs if r.name == "vllm").line == 5
    with pytest.raises(ExtractionError):
        parse_pyproject("[project\n")
