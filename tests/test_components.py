"""Splitting models into weight components, and the origin of each component's design."""

from __future__ import annotations

from scanner.extractors.config import parse_config_json, parse_config_yaml
from scanner.extractors.weight_index import TensorInventory
from scanner.resolver.components import component_of_tensor, find_origin, split_components

# Prefixes of NAVER's OmniServe converter table (fixtures/.../omniserve_model_converter_weight_prefixes.md)
OMNI_PREFIXES = {
    "model.vision_model.": "vision_tower",
    "model.mm_projector.": "projector",
    "model.discrete_vision_model.": "vision_tokenizer",
    "model.audio_model.": "audio_tower",
    "model.audio_projector.": "audio_projector",
    "model.discrete_audio_model.": "audio_tokenizer",
    "model.video_audio_compressor.": "video_audio_compressor",
    "model.language_model.": "language_model",
}


def test_converter_prefix_table_maps_to_components(fixtures):
    table = (fixtures / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B" / "omniserve_model_converter_weight_prefixes.md").read_text()
    for prefix, component in OMNI_PREFIXES.items():
        assert f"`{prefix}`" in table
        assert component_of_tensor(prefix + "layers.0.weight") == component


def test_qwen25vl_vision_transformer_is_alibaba_design(fixtures):
    path = fixtures / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B" / "vision_encoder_config.omniserve_32b_cont_config.yaml"
    cfg = parse_config_yaml(path.read_text(), path.name)
    origin = find_origin(cfg.model_type, cfg.architectures)
    assert origin is not None and origin.hub_org == "Qwen" and origin.component == "vision_tower"


def test_disqualified_example_vision_tower_inherited_from_qwen25vl_32b(examples):
    cfg = parse_config_json((examples / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B" / "config.json").read_text())
    comps = {c.name: c for c in split_components(cfg, None)}
    vision = comps["vision_tower"]
    assert vision.origin is not None and vision.origin.id == "qwen2_5_vl_vision"
    assert vision.inherited_from == "Qwen/Qwen2.5-VL-32B-Instruct"
    assert vision.inherited_confidence >= 0.8
    keys = {e.key for e in vision.inheritance_evidence}
    assert "vision_model_name_or_path" in keys
    assert comps["language_model"].inherited_from is None  # a local checkpoint path names no family


def test_tensor_counts_and_parameters_per_component():
    inv = TensorInventory(
        source_path="model.safetensors",
        shapes={
            "visual.blocks.0.attn.qkv.weight": (96, 32),
            "visual.merger.mlp.0.weight": (64, 128),
            "model.layers.0.mlp.up_proj.weight": (128, 64),
            "lm_head.weight": (256, 64),
        },
    )
    comps = {c.name: c for c in split_components(None, inv)}
    assert comps["vision_tower"].tensor_count == 1 and comps["vision_tower"].param_count == 96 * 32
    assert comps["projector"].tensor_count == 1
    assert comps["language_model"].tensor_count == 2
    assert comps["language_model"].param_count == 128 * 64 + 256 * 64


def test_own_design_is_not_flagged():
    cfg = parse_config_json('{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}')
    comps = split_components(cfg, None)
    assert [c.name for c in comps] == ["language_model"]
    assert comps[0].origin is None and comps[0].inherited_from is None
