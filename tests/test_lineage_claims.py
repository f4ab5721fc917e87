"""Lineage claims beyond `base_model`: declared bases, tags, adapters, GGUF, mergekit, cache
paths, prose and `_name_or_path`, on real fixture cards and on generated repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub_fixtures import write_gguf
from scanner.extractors.card import parse_card
from scanner.extractors.config import parse_config_json
from scanner.extractors.gguf import GGUFError, parse_gguf_metadata
from scanner.extractors.lineage import (
    CONF_CACHE_PATH,
    CONF_DECLARED,
    CONF_PROSE,
    CONF_TAG,
    adapter_claims,
    cache_path_claims,
    card_mergekit_claims,
    declared_claims,
    gguf_claims,
    hub_id_from_reference,
    infer_relation,
    lineage_claims,
    merge_claims,
    mergekit_claims,
    prose_claims,
    tag_claims,
)
from scanner.graph import Relation
from scanner.sources.local import LocalDirSource

HUB_DATA = Path(__file__).resolve().parent / "hub_data"


def _claims(repo_dir: Path, repo_id: str):
    source = LocalDirSource(str(repo_dir), repo_id=repo_id)
    card = parse_card(source.read_text("README.md")) if source.exists("README.md") else None
    config = parse_config_json(source.read_text("config.json")) if source.exists("config.json") else None
    return lineage_claims(source, card, config)


def test_real_exaone_gptq_front_matter_declares_quantized_base(fixtures: Path) -> None:
    card = parse_card((fixtures / "LGAI-EXAONE__EXAONE-4.0-32B-GPTQ" / "README.frontmatter.md").read_text())
    claims = declared_claims(card.base_model, card.base_model_relation, [], None, card.evidence.get("base_model"))
    assert [(c.upstream_id, c.relation, c.confidence) for c in claims] == [
        ("LGAI-EXAONE/EXAONE-4.0-32B", Relation.QUANTIZED_OF, CONF_DECLARED)
    ]
    assert claims[0].evidence.line == 2 and "EXAONE-4.0-32B" in claims[0].evidence.excerpt


@pytest.mark.parametrize(
    "name",
    ["mistralai__Mistral-7B-v0.3/README.md", "naver-hyperclovax__HyperCLOVAX-SEED-Text-Instruct-0.5B/README.md",
     "naver-hyperclovax__HyperCLOVAX-SEED-Text-Instruct-1.5B/README.md", "skt__A.X-3.1/README.frontmatter.md"],
)
def test_real_cards_without_lineage_give_no_claims(fixtures: Path, name: str) -> None:
    """Bare mentions (install snippets, links, benchmark tables) are not lineage."""
    card = parse_card((fixtures / name).read_text())
    body_claims = prose_claims(card.body) + cache_path_claims(card.body) + card_mergekit_claims(card.body)
    assert body_claims == []
    assert tag_claims(card.tags) == []


def test_relation_inference_follows_the_hub() -> None:
    assert infer_relation(["a/b"], ["adapter_config.json", "README.md"])[0] == Relation.ADAPTER_OF
    assert infer_relation(["a/b"], ["model-Q4_K_M.gguf"])[0] == Relation.QUANTIZED_OF
    assert infer_relation(["a/b"], ["model.safetensors"], {"quant_method": "awq"})[0] == Relation.QUANTIZED_OF
    assert infer_relation(["a/b", "c/d"], ["model.safetensors"])[0] == Relation.MERGE_OF
    assert infer_relation(["a/b"], ["mergekit_config.yml"])[0] == Relation.MERGE_OF
    assert infer_relation(["a/b"], ["model.safetensors"])[0] == Relation.FINETUNE_OF
    claims = declared_claims(["Qwen/Qwen3-8B"], None, ["adapter_config.json"])
    assert claims[0].relation == Relation.ADAPTER_OF
    assert claims[0].evidence.detail["because"] == "adapter_config.json present"


def test_tags_name_bases_with_and_without_relation() -> None:
    claims = tag_claims(["license:other", "base_model:LGAI-EXAONE/EXAONE-4.0-32B",
                         "base_model:quantized:LGAI-EXAONE/EXAONE-4.0-32B", "base_model:adapter:Qwen/Qwen3-8B"])
    got = {(c.upstream_id, c.relation) for c in claims}
    assert got == {("LGAI-EXAONE/EXAONE-4.0-32B", Relation.DERIVED_FROM), ("LGAI-EXAONE/EXAONE-4.0-32B", Relation.QUANTIZED_OF),
                   ("Qwen/Qwen3-8B", Relation.ADAPTER_OF)}
    assert all(c.confidence == CONF_TAG for c in claims)
    merged = merge_claims(claims)
    assert {(c.upstream_id, c.relation) for c in merged} == {("LGAI-EXAONE/EXAONE-4.0-32B", Relation.QUANTIZED_OF),
                                                              ("Qwen/Qwen3-8B", Relation.ADAPTER_OF)}


def test_references_become_hub_ids_only_when_they_name_a_repository() -> None:
    assert hub_id_from_reference("Qwen/Qwen3-8B") == "Qwen/Qwen3-8B"
    assert hub_id_from_reference("https://huggingface.co/Qwen/Qwen3-8B") == "Qwen/Qwen3-8B"
    assert hub_id_from_reference("/root/.cache/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/b968826d") == "Qwen/Qwen3-8B"
    assert hub_id_from_reference("/mnt/ddn/vuvlm/model_weights/qwen2_5_vl_32b_visual_fa2/") is None
    assert hub_id_from_reference("./checkpoints/step-1000") is None
    assert hub_id_from_reference("bert-base-uncased") is None


def test_adapter_config_names_its_base() -> None:
    text = json.dumps({"peft_type": "LORA", "base_model_name_or_path": "Qwen/Qwen3-8B"}, indent=2)
    [claim] = adapter_claims(text)
    assert (claim.upstream_id, claim.relation, claim.confidence) == ("Qwen/Qwen3-8B", Relation.ADAPTER_OF, 0.95)
    assert claim.evidence.line == 3
    assert adapter_claims("{not json") == []


def test_gguf_header_keys_are_read_from_a_prefix_only(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    write_gguf(path, {"general.architecture": "qwen3", "general.base_model.count": 1,
                      "general.base_model.0.organization": "Qwen", "general.base_model.0.name": "Qwen3-8B",
                      "general.source.repo_url": "https://huggingface.co/acme-test/Qwen3-8B-ko-distill",
                      "tokenizer.ggml.tokens": [f"t{i}" for i in range(500)]})
    data = path.read_bytes()
    meta = parse_gguf_metadata(data)
    assert meta.values["general.architecture"] == "qwen3"
    assert meta.values["tokenizer.ggml.tokens"] == {"array_length": 500}  # big arrays skipped, not kept
    claims = {(c.upstream_id, c.relation) for c in gguf_claims(meta.values, "m.gguf")}
    assert claims == {("Qwen/Qwen3-8B", Relation.DERIVED_FROM), ("acme-test/Qwen3-8B-ko-distill", Relation.QUANTIZED_OF)}
    cut = parse_gguf_metadata(data[:200])  # a prefix ending mid-header: what was read, flagged
    assert cut.truncated and "general.architecture" in cut.values
    with pytest.raises(GGUFError):
        parse_gguf_metadata(b"PK\x03\x04" + b"\0" * 40)


def test_merge_card_with_empty_base_model_yields_merge_edges() -> None:
    repo = HUB_DATA / "acme-test" / "community-merge-7b"
    card = parse_card((repo / "README.md").read_text())
    assert card.base_model == []
    mk = card_mergekit_claims(card.body, "README.md", card.body_start_line)
    assert {c.upstream_id for c in mk} == {"mistralai/Mistral-7B-v0.3", "acme-test/mistral-ko-sft"}
    assert all(c.relation == Relation.MERGE_OF and c.confidence == 0.9 for c in mk)
    paths = cache_path_claims(card.body, "README.md", card.body_start_line, merge_card=True)
    assert {c.upstream_id for c in paths} == {"mistralai/Mistral-7B-v0.3", "acme-test/mistral-ko-sft"}
    assert all(c.confidence == CONF_CACHE_PATH for c in paths)
    first = min(paths, key=lambda c: c.evidence.line)
    lines = (repo / "README.md").read_text().splitlines()
    assert "models--mistralai--Mistral-7B-v0.3" in lines[first.evidence.line - 1]
    claims = _claims(repo, "acme-test/community-merge-7b")
    assert {(c.upstream_id, c.relation) for c in claims} == {("mistralai/Mistral-7B-v0.3", Relation.MERGE_OF),
                                                             ("acme-test/mistral-ko-sft", Relation.MERGE_OF)}
    mistral = next(c for c in claims if c.upstream_id == "mistralai/Mistral-7B-v0.3")
    assert {e.key for e in mistral.all_evidence} >= {"mergekit.slices", "card body", "_name_or_path"}


def test_card_with_lineage_only_in_tags_and_prose() -> None:
    claims = _claims(HUB_DATA / "acme-test" / "solar-ko-legal", "acme-test/solar-ko-legal")
    [claim] = claims
    assert claim.upstream_id == "upstage/Solar-Open-100B"
    assert claim.relation == Relation.FINETUNE_OF  # "continued pre-training of"
    assert claim.confidence == CONF_TAG  # the tag corroborates the prose claim
    keys = {e.key for e in claim.all_evidence}
    assert keys == {"tags", "card body"}
    prose = next(e for e in claim.all_evidence if e.key == "card body")
    assert "continued pre-training of upstage/Solar-Open-100B" in prose.excerpt


def test_prose_needs_a_lineage_phrase_in_the_same_sentence() -> None:
    body = ("# Model\n\nWe compare with meta-llama/Llama-3.1-8B-Instruct below.\n\n"
            "This checkpoint was fine-tuned from Qwen/Qwen3-8B on our data. "
            "Evaluation used openai/gsm8k.\n\n```python\nAutoModel.from_pretrained('based on/not-this')\n```\n")
    claims = prose_claims(body)
    assert [(c.upstream_id, c.relation, c.confidence) for c in claims] == [("Qwen/Qwen3-8B", Relation.FINETUNE_OF, CONF_PROSE)]
    assert claims[0].evidence.line == 5


def test_mergekit_config_file_and_distillation_prose() -> None:
    text = "models:\n  - model: Qwen/Qwen3-8B\n  - model: acme-test/Qwen3-8B-ko-distill\nmerge_method: ties\nbase_model: Qwen/Qwen3-8B\n"
    claims = mergekit_claims(text, "mergekit_config.yml")
    assert {(c.upstream_id, c.evidence.line) for c in claims} >= {("Qwen/Qwen3-8B", 2), ("acme-test/Qwen3-8B-ko-distill", 3)}
    claims = _claims(HUB_DATA / "acme-test" / "Qwen3-8B-ko-distill", "acme-test/Qwen3-8B-ko-distill")
    got = {(c.upstream_id, c.relation): c.confidence for c in claims}
    assert got[("Qwen/Qwen3-8B", Relation.FINETUNE_OF)] == CONF_DECLARED
    assert got[("Qwen/Qwen3-8B", Relation.DISTILLED_FROM)] == CONF_PROSE
    assert not any(u == "meta-llama/Llama-3.1-8B-Instruct" for u, _ in got)  # a comparison, not lineage


def test_adapter_repository_without_card_lineage() -> None:
    claims = _claims(HUB_DATA / "acme-test" / "qwen3-lora", "acme-test/qwen3-lora")
    assert [(c.upstream_id, c.relation) for c in claims] == [("Qwen/Qwen3-8B", Relation.ADAPTER_OF)]
    assert claims[0].evidence.path == "adapter_config.json"


def test_self_references_are_not_claims() -> None:
    claims = merge_claims(tag_claims(["base_model:acme/x", "base_model:acme/y"]), own_id="acme/x")
    assert [c.upstream_id for c in claims] == ["acme/y"]
