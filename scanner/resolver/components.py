"""Split a model into weight components and say where each component's design comes from.

Components come from two places that corroborate each other: config sub-configs
(`vision_config`...) and tensor-name prefixes (`model.vision_model.`...). The origin of a
component's *design* comes from `component_origins.yaml`; whether its *weights* were inherited
is decided from path keys in the config (a `vision_model_name_or_path` naming another family's
checkpoint) and, later, from the weights themselves (the weights analyser).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from scanner.extractors.config import ModelConfig, SubConfig
from scanner.extractors.weight_index import TensorInventory
from scanner.model import Evidence

#: sub-config key -> component
_SUB_CONFIG_COMPONENT = {
    "vision_config": "vision_tower",
    "vision_tower_config": "vision_tower",
    "audio_config": "audio_tower",
    "speech_config": "audio_tower",
    "audio_encoder_config": "audio_tower",
    "text_config": "language_model",
    "llm_config": "language_model",
    "language_config": "language_model",
    "decoder": "language_model",
    "encoder": "encoder",
    "projector_config": "projector",
    "mm_projector_config": "projector",
    "discrete_vision_config": "vision_tokenizer",
    "discrete_audio_config": "audio_tokenizer",
}

#: tensor-name fragments -> component (first match wins; order from specific to general)
_PREFIX_COMPONENT: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), c)
    for p, c in (
        (r"(^|\.)(visual\.merger|mm_projector|multi_modal_projector|vision_projector|mlp1)\.", "projector"),
        (r"(^|\.)(audio_projector|audio_adapter)\.", "audio_projector"),
        (r"(^|\.)(discrete_vision_model)\.", "vision_tokenizer"),
        (r"(^|\.)(discrete_audio_model)\.", "audio_tokenizer"),
        (r"(^|\.)(visual|vision_model|vision_tower|vision_encoder|vit|image_encoder)\.", "vision_tower"),
        (r"(^|\.)(audio_model|audio_tower|audio_encoder|speech_encoder|whisper_encoder)\.", "audio_tower"),
        (r"(^|\.)(video_audio_compressor)\.", "video_audio_compressor"),
    )
)

#: path-key fragments -> component (`vision_model_name_or_path` -> vision tower)
_PATH_KEY_COMPONENT = (
    ("vision", "vision_tower"),
    ("visual", "vision_tower"),
    ("image", "vision_tower"),
    ("audio", "audio_tower"),
    ("speech", "audio_tower"),
    ("text", "language_model"),
    ("language", "language_model"),
    ("llm", "language_model"),
)


@dataclass(frozen=True)
class ComponentOrigin:
    id: str
    family: str
    component: str
    hub_org: str
    model_types: tuple[str, ...]
    architectures: tuple[str, ...]
    path_hints: tuple[str, ...]
    checkpoints: dict[str, str]
    reused_pretrained: bool


@dataclass
class Component:
    """One weight component of a model, with everything that tells us about it."""

    name: str
    config_key: str | None = None
    model_type: str | None = None
    architectures: list[str] = field(default_factory=list)
    shape: dict[str, Any] = field(default_factory=dict)
    tensor_prefixes: list[str] = field(default_factory=list)
    tensor_count: int = 0
    param_count: int | None = None
    origin: ComponentOrigin | None = None
    inherited_from: str | None = None  # Hub id of the checkpoint the weights were taken from
    inherited_confidence: float = 0.0
    inheritance_evidence: list[Evidence] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@lru_cache(maxsize=1)
def component_origins() -> tuple[ComponentOrigin, ...]:
    text = resources.files("scanner.resolver").joinpath("component_origins.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return tuple(
        ComponentOrigin(
            id=o["id"],
            family=o["family"],
            component=o["component"],
            hub_org=o["hub_org"],
            model_types=tuple(o.get("model_types") or ()),
            architectures=tuple(o.get("architectures") or ()),
            path_hints=tuple(h.lower() for h in o.get("path_hints") or ()),
            checkpoints=dict(o.get("checkpoints") or {}),
            reused_pretrained=bool(o.get("reused_pretrained")),
        )
        for o in data["origins"]
    )


def find_origin(model_type: str | None, architectures: list[str]) -> ComponentOrigin | None:
    for origin in component_origins():
        if model_type and model_type in origin.model_types:
            return origin
        if any(a in origin.architectures for a in architectures):
            return origin
    return None


def origin_from_path(path_value: str) -> ComponentOrigin | None:
    low = path_value.lower()
    for origin in component_origins():
        if any(h in low for h in origin.path_hints):
            return origin
    return None


def _checkpoint_for(origin: ComponentOrigin, path_value: str) -> str | None:
    """The public checkpoint a path names, by its size tag (`qwen2_5_vl_32b_visual` -> 32B)."""
    low = path_value.lower()
    for size, repo in sorted(origin.checkpoints.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<![0-9a-z]){re.escape(size.lower())}(?![0-9a-z])", low.replace("_", "-")):
            return repo
    return None


def component_of_tensor(name: str) -> str:
    for pattern, component in _PREFIX_COMPONENT:
        if pattern.search(name):
            return component
    return "language_model"


def _component_of_path_key(key: str) -> str | None:
    low = key.lower()
    for frag, component in _PATH_KEY_COMPONENT:
        if low.startswith(frag) or f"_{frag}" in low:
            return component
    return None


def split_components(config: ModelConfig | None, inventory: TensorInventory | None) -> list[Component]:
    """Components of a model from its config and tensor inventory (either may be missing)."""
    comps: dict[str, Component] = {}

    def get(name: str) -> Component:
        return comps.setdefault(name, Component(name=name))

    if config is not None:
        for sub in config.sub_configs:
            name = _SUB_CONFIG_COMPONENT.get(sub.key, sub.key.removesuffix("_config"))
            comp = get(name)
            _absorb_sub_config(comp, sub)
        for key, value in config.paths.items():
            name = _component_of_path_key(key)
            if name is None:
                continue
            comp = get(name)
            _absorb_path(comp, key, value, config.evidence.get(key))
    if inventory is not None and inventory.shapes:
        counts: dict[str, int] = {}
        prefixes: dict[str, set[str]] = {}
        params: dict[str, int] = {}
        shapes_known = all(s is not None for s in inventory.shapes.values())
        for tensor, shape in inventory.shapes.items():
            name = component_of_tensor(tensor)
            counts[name] = counts.get(name, 0) + 1
            parts = tensor.split(".")
            prefixes.setdefault(name, set()).add(".".join(parts[:2]) + "." if len(parts) > 2 else tensor)
            if shape is not None:
                n = 1
                for dim in shape:
                    n *= int(dim)
                params[name] = params.get(name, 0) + n
        for name, count in counts.items():
            comp = get(name)
            comp.tensor_count = count
            comp.tensor_prefixes = sorted(prefixes[name])[:20]
            comp.param_count = params.get(name) if shapes_known else None
            comp.evidence.append(
                Evidence(
                    path=inventory.source_path,
                    excerpt=f"{count} tensors under {', '.join(comp.tensor_prefixes[:4])}",
                    detail={"tensor_count": count, "prefixes": comp.tensor_prefixes},
                )
            )
    if config is not None and "language_model" not in comps and (config.model_type or config.architectures):
        lm = get("language_model")
        lm.model_type = config.model_type
        lm.architectures = list(config.architectures)
        if "model_type" in config.evidence:
            lm.evidence.append(config.evidence["model_type"])
    return [comps[k] for k in sorted(comps)]


def _absorb_sub_config(comp: Component, sub: SubConfig) -> None:
    comp.config_key = sub.key
    comp.model_type = sub.model_type
    comp.architectures = list(sub.architectures)
    comp.shape = dict(sub.values)
    comp.evidence.extend(sub.evidence)
    comp.origin = find_origin(sub.model_type, sub.architectures)
    for key, value in sub.paths.items():
        ev = next((e for e in sub.evidence if e.key and e.key.endswith(key)), None)
        _absorb_path(comp, f"{sub.key}.{key}", value, ev)


def _absorb_path(comp: Component, key: str, value: str, ev: Evidence | None) -> None:
    """A config path naming another family's checkpoint says where the weights came from."""
    origin = origin_from_path(value)
    hub_id = _hub_id_in(value)
    if origin is None and hub_id is None:
        return
    if origin is not None and comp.origin is None:
        comp.origin = origin
    checkpoint = hub_id or (_checkpoint_for(origin, value) if origin else None)
    evidence = ev or Evidence(path="config.json", key=key, excerpt=value)
    comp.inheritance_evidence.append(evidence)
    if hub_id:
        comp.inherited_from, comp.inherited_confidence = hub_id, max(comp.inherited_confidence, 0.9)
    elif origin is not None and comp.origin is origin:
        comp.inherited_from = checkpoint or comp.inherited_from
        comp.inherited_confidence = max(comp.inherited_confidence, 0.85 if checkpoint else 0.8)


_HUB_ID = re.compile(r"^(?:https?://huggingface\.co/)?([A-Za-z0-9][\w.-]*/[\w.-]+)$")


def _hub_id_in(value: str) -> str | None:
    """An `org/name` Hub id (not a filesystem path) in a config path value."""
    if value.startswith(("/", ".", "~")) or value.count("/") != 1:
        m = re.search(r"models--([\w.-]+)--([\w.-]+)", value)
        return f"{m.group(1)}/{m.group(2)}" if m else None
    m = _HUB_ID.match(value.strip())
    return m.group(1) if m else None
