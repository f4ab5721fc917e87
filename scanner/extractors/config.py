"""`config.json` (and YAML configs of serving stacks): architecture, sub-configs, remote code.

Sub-configs (`vision_config`, `audio_config`, `text_config`, ...) are where a multimodal model
says which encoder design it embeds; path-like keys (`*_name_or_path`, `*_model_path`) are where
it sometimes says which pretrained weights the encoder came from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from scanner.extractors.interface import (
    ExtractionError,
    excerpt,
    json_key_line,
    line_text,
    load_json,
    load_yaml_with_lines,
)
from scanner.model import Evidence

#: Keys holding a component's own config. Order matters only for reporting.
SUB_CONFIG_KEYS = (
    "vision_config",
    "audio_config",
    "speech_config",
    "text_config",
    "llm_config",
    "language_config",
    "encoder",
    "decoder",
    "vision_tower_config",
    "audio_encoder_config",
    "projector_config",
    "mm_projector_config",
    "discrete_vision_config",
    "discrete_audio_config",
)

_PATH_KEY = re.compile(r"(?:^|_)(?:name_or_path|model_path|pretrained_path|weights_path|checkpoint(?:_path)?)$")


@dataclass
class SubConfig:
    key: str
    model_type: str | None
    architectures: list[str]
    paths: dict[str, str]  # path-like keys -> value (where pretrained weights came from)
    values: dict[str, Any]  # shape-defining scalars (hidden_size, depth, ...)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ModelConfig:
    path: str
    model_type: str | None = None
    architectures: list[str] = field(default_factory=list)
    name_or_path: str | None = None
    vocab_size: int | None = None
    auto_map: dict[str, str] = field(default_factory=dict)
    sub_configs: list[SubConfig] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)
    quantization: dict[str, Any] | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


_SHAPE_KEYS = (
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "depth",
    "num_heads",
    "num_attention_heads",
    "out_hidden_size",
    "patch_size",
    "image_size",
    "d_model",
    "encoder_layers",
    "num_mel_bins",
    "vocab_size",
)


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _check_declared_types(data: dict[str, Any], path: str) -> None:
    """The keys that say what the model *is* must have the type transformers gives them; a
    `model_type` that is a number or a list would otherwise be dropped silently and the
    component it names would escape the architecture checks."""
    def check(value: Any, where: str) -> None:
        if where.endswith("architectures"):
            if value is not None and not isinstance(value, str) and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise ExtractionError(path, f"`{where}` must be a list of strings, found {_shown(value)}")
        elif value is not None and not isinstance(value, str):
            raise ExtractionError(path, f"`{where}` must be a string, found {_shown(value)}")

    for key in ("model_type", "architectures"):
        if key in data:
            check(data[key], key)
    for sub_key in SUB_CONFIG_KEYS:
        sub = data.get(sub_key)
        if isinstance(sub, dict):
            for key in ("model_type", "architectures"):
                if key in sub:
                    check(sub[key], f"{sub_key}.{key}")


def _shown(value: Any) -> str:
    kind = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else type(value).__name__
    return f"{kind} {excerpt(repr(dict(value) if isinstance(value, dict) else value), 60)}"


def parse_config_json(text: str, path: str = "config.json") -> ModelConfig:
    data = load_json(text, path)
    if not isinstance(data, dict):
        raise ExtractionError(path, f"expected a JSON object, found {type(data).__name__}")
    return _config_from_mapping(data, path, lambda *keys: json_key_line(text, *keys), text)


def parse_config_yaml(text: str, path: str) -> ModelConfig:
    """YAML configs (serving stacks such as OmniServe keep encoder configs this way)."""
    data, lines = load_yaml_with_lines(text, path)
    if not isinstance(data, dict):
        raise ExtractionError(path, "expected a YAML mapping")

    def locate(*keys: str) -> int | None:
        # top-level keys have exact lines; nested keys are searched after their parent's line
        line = lines.get(keys[0])
        if len(keys) == 1 or line is None:
            return line
        for i, raw in enumerate(text.splitlines()[line:], start=line + 1):
            if raw.strip().startswith(f"{keys[-1]}:"):
                return i
        return line

    return _config_from_mapping(data, path, locate, text)


def _config_from_mapping(data: dict[str, Any], path: str, locate, text: str) -> ModelConfig:
    def ev(*keys: str) -> Evidence:
        """Cite the key's line; the excerpt shows the value itself (a list spans several lines)."""
        line = locate(*keys)
        value: Any = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        shown = line_text(text, line)
        if isinstance(value, (str, int, float, bool, list)) and not isinstance(value, dict):
            shown = f'"{keys[-1]}": {json.dumps(value, ensure_ascii=False)}'
        return Evidence(path=path, line=line, key=".".join(keys), excerpt=excerpt(shown))

    _check_declared_types(data, path)
    cfg = ModelConfig(path=path, raw=data)
    if isinstance(data.get("model_type"), str):
        cfg.model_type = data["model_type"]
        cfg.evidence["model_type"] = ev("model_type")
    cfg.architectures = _str_list(data.get("architectures"))
    if cfg.architectures:
        cfg.evidence["architectures"] = ev("architectures")
    if isinstance(data.get("_name_or_path"), str) and data["_name_or_path"]:
        cfg.name_or_path = data["_name_or_path"]
        cfg.evidence["_name_or_path"] = ev("_name_or_path")
    if isinstance(data.get("vocab_size"), int):
        cfg.vocab_size = data["vocab_size"]
    if isinstance(data.get("auto_map"), dict):
        cfg.auto_map = {str(k): str(v) for k, v in data["auto_map"].items() if isinstance(v, (str, list))}
        cfg.evidence["auto_map"] = ev("auto_map")
    if isinstance(data.get("quantization_config"), dict):
        cfg.quantization = data["quantization_config"]
        cfg.evidence["quantization_config"] = ev("quantization_config")
    for key, value in data.items():
        if isinstance(value, str) and value and _PATH_KEY.search(key) and key != "_name_or_path":
            cfg.paths[key] = value
            cfg.evidence[key] = ev(key)
    for key in SUB_CONFIG_KEYS:
        sub = data.get(key)
        if not isinstance(sub, dict):
            continue
        model_type = sub.get("model_type") if isinstance(sub.get("model_type"), str) else None
        archs = _str_list(sub.get("architectures"))
        paths = {
            k: v for k, v in sub.items() if isinstance(v, str) and v and (_PATH_KEY.search(k) or k == "_name_or_path")
        }
        values = {k: sub[k] for k in _SHAPE_KEYS if isinstance(sub.get(k), (int, float))}
        evidence = [ev(key, "model_type") if model_type else ev(key)]
        if archs:
            evidence.append(ev(key, "architectures"))
        evidence.extend(ev(key, k) for k in paths)
        cfg.sub_configs.append(SubConfig(key, model_type, archs, paths, values, evidence))
    return cfg
