"""Extractors on real model metadata from ../shared/fixtures."""

from __future__ import annotations

import pytest

from scanner.extractors.card import parse_card, split_front_matter
from scanner.extractors.config import parse_config_json, parse_config_yaml
from scanner.extractors.interface import ExtractionError
from scanner.extractors.weight_index import parse_safetensors_index


def test_exaone_gptq_card_declares_quantized_base(fixtures):
    text = (fixtures / "LGAI-EXAONE__EXAONE-4.0-32B-GPTQ" / "README.frontmatter.md").read_text()
    card = parse_card(text)
    assert card.license == "other"
    assert card.license_name == "exaone"
    assert card.license_link == "LICENSE"
    assert card.base_model == ["LGAI-EXAONE/EXAONE-4.0-32B"]
    assert card.base_model_relation == "quantized"
    assert card.language == ["en", "ko", "es"]
    assert "exaone-4.0" in card.tags
    ev = card.evidence["base_model"]
    assert ev.line == 2 and ev.key == "base_model"
    assert "LGAI-EXAONE/EXAONE-4.0-32B" in ev.excerpt


def test_model_index_datasets_are_evaluation_only(fixtures):
    card = parse_card((fixtures / "skt__A.X-3.1" / "README.frontmatter.md").read_text())
    assert card.datasets == []
    assert card.eval_datasets == ["hails/mmlu_no_train", "HAERAE-HUB/KMMLU"]
    assert card.license == "apache-2.0"


def test_card_body_kept_for_prose_evidence(fixtures):
    card = parse_card((fixtures / "naver-hyperclovax__HyperCLOVAX-SEED-Text-Instruct-0.5B" / "README.md").read_text())
    assert card.license_name == "hyperclovax-seed"
    assert "high‑performance pretrained model" in card.body
    assert card.body_start_line == 8


def test_every_fixture_card_parses(fixtures):
    cards = sorted(fixtures.glob("*/README*.md"))
    assert len(cards) >= 10
    for path in cards:
        card = parse_card(path.read_text(encoding="utf-8"), path.name)
        assert card.has_front_matter, path


def test_malformed_front_matter_names_the_line():
    text = "---\nlicense: apache-2.0\nbase_model: [unclosed\ntags: x\n---\nbody\n"
    with pytest.raises(ExtractionError) as err:
        parse_card(text)
    assert "malformed YAML" in err.value.problem
    assert "line" in err.value.problem


def test_front_matter_that_is_not_a_mapping():
    with pytest.raises(ExtractionError, match="mapping"):
        parse_card("---\n- a\n- b\n---\n")


def test_unclosed_fence_is_body_not_front_matter():
    fm, body, _ = split_front_matter("---\nlicense: mit\nno closing fence\n")
    assert fm is None and body.startswith("---")


def test_yaml_config_of_the_disqualified_vision_encoder(fixtures):
    path = fixtures / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B" / "vision_encoder_config.omniserve_32b_cont_config.yaml"
    cfg = parse_config_yaml(path.read_text(), path.name)
    assert cfg.model_type == "qwen2_5_vl"
    assert cfg.architectures == ["Qwen2_5_VisionTransformerPretrainedModel"]
    assert cfg.evidence["model_type"].line is not None
    assert "qwen2_5_vl" in cfg.evidence["model_type"].excerpt


def test_audio_encoder_config_json(fixtures):
    path = fixtures / "naver-hyperclovax__HyperCLOVAX-SEED-Omni-8B" / "audio_encoder.qwen2-audio-encoder-from-qwen2-audio-7b-instruct.config.json"
    cfg = parse_config_json(path.read_text(), path.name)
    assert cfg.model_type == "qwen2_audio_encoder"
    assert "Qwen2AudioEncoder" in cfg.architectures


def test_sub_config_evidence_cites_the_nested_key(examples):
    text = (examples / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B" / "config.json").read_text()
    cfg = parse_config_json(text)
    vision = next(s for s in cfg.sub_configs if s.key == "vision_config")
    assert vision.model_type == "qwen2_5_vl"
    ev = vision.evidence[0]
    assert ev.key == "vision_config.model_type"
    assert '"model_type": "qwen2_5_vl"' in ev.excerpt
    assert cfg.paths["vision_model_name_or_path"].endswith("qwen2_5_vl_32b_visual_fa2/")
    assert cfg.auto_map["AutoConfig"] == "configuration_vlm.HCXVisionConfig"


def test_invalid_json_gives_line_and_column():
    with pytest.raises(ExtractionError) as err:
        parse_config_json('{\n  "model_type": "llama",\n  oops\n}')
    assert "line 3" in err.value.problem


def test_index_without_weight_map_is_an_error():
    with pytest.raises(ExtractionError, match="weight_map"):
        parse_safetensors_index('{"metadata": {}}')
    inv = parse_safetensors_index('{"weight_map": {"model.visual.blocks.0.attn.qkv.weight": "a.safetensors"}}')
    assert list(inv.shapes) == ["model.visual.blocks.0.attn.qkv.weight"]
