"""What a tensor is, from its name: component, role and layer index.

Comparisons are only meaningful between tensors of the same role (a query projection against
query projections of the reference, in whichever layer matches best), and reuse is reported per
component (a vision tower copied into an otherwise new model is the case that matters). Names
follow the Hugging Face conventions of the Llama, Qwen, Mistral, BERT, GPT-2, CLIP/SigLIP and
Whisper families; anything unrecognised gets role `other` and still takes part in hashing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

#: Component vocabulary shared with the resolver (weights node `component` attribute).
LANGUAGE_MODEL = "language_model"
VISION_TOWER = "vision_tower"
AUDIO_TOWER = "audio_tower"
PROJECTOR = "projector"

_PROJECTOR_MARKERS = ("mm_projector", "multi_modal_projector", "merger", "vision_proj", "connector", "mlp1")
_AUDIO_MARKERS = ("audio_model", "audio_tower", "audio_encoder", "whisper_encoder")
_VISION_MARKERS = ("visual", "vision_model", "vision_tower", "vision_encoder", "image_encoder", "vit", "vpm")

#: Roles whose tensors are large learned matrices: the only ones used as derivation evidence.
MATRIX_ROLES = frozenset({"q", "k", "v", "o", "qkv", "up", "down", "gate", "gate_up", "embed", "lm_head", "conv", "proj"})
#: Roles that are never evidence of derivation (their null similarity is close to 1).
NORM_ROLES = frozenset({"norm"})

_ROLE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("norm", re.compile(r"(^|\.)(\w*norm\w*|ln|ln_?\w+|ln\d+)(\.|$)", re.I)),
    ("qkv", re.compile(r"(^|\.)(qkv|qkv_proj|query_key_value|c_attn|wqkv|in_proj)(\.|$)")),
    ("gate_up", re.compile(r"(^|\.)(gate_up_proj)(\.|$)")),
    ("q", re.compile(r"(^|\.)(q_proj|query|wq|q)(\.|$)")),
    ("k", re.compile(r"(^|\.)(k_proj|key|wk|k)(\.|$)")),
    ("v", re.compile(r"(^|\.)(v_proj|value|wv|v)(\.|$)")),
    ("o", re.compile(r"(^|\.)(o_proj|out_proj|wo|c_proj_attn|attention\.output\.dense|attn\.proj|self_attn\.dense|attention\.dense)(\.|$)")),
    ("gate", re.compile(r"(^|\.)(gate_proj|w1|gate)(\.|$)")),
    ("up", re.compile(r"(^|\.)(up_proj|w3|fc1|c_fc|intermediate\.dense|dense_h_to_4h|mlp\.0|linear_fc1)(\.|$)")),
    ("down", re.compile(r"(^|\.)(down_proj|w2|fc2|mlp\.c_proj|output\.dense|dense_4h_to_h|mlp\.2|linear_fc2)(\.|$)")),
    ("embed", re.compile(r"(^|\.)(embed_tokens|wte|word_embeddings|tok_embeddings|embedding|token_embedding|tok_embed)(\.|$)")),
    ("pos_embed", re.compile(r"(^|\.)(wpe|position_embeddings|position_embedding|pos_embed|positional_embedding|token_type_embeddings)(\.|$)")),
    ("lm_head", re.compile(r"(^|\.)(lm_head|output|embed_out)(\.weight)?$")),
    ("conv", re.compile(r"(^|\.)(patch_embed|patch_embedding|conv\d*|patch_conv|proj_conv)(\.|$)")),
    ("proj", re.compile(r"(^|\.)(proj|c_proj|dense|linear_\d+|linear)(\.|$)")),
]

_LAYER_RE = re.compile(r"(?:^|\.)(?:layers|layer|h|blocks|block|resblocks)\.(\d+)(?:\.|$)")
_BUFFER_RE = re.compile(r"(position_ids|inv_freq|attn\.bias$|masked_bias|causal_mask|rotary_emb|num_batches_tracked)")


@dataclass(frozen=True)
class TensorRole:
    """Where a tensor belongs. `slot` is the name with the layer index replaced by `{i}`."""

    component: str
    role: str
    layer: int | None
    slot: str
    is_buffer: bool


def component_of(name: str) -> str:
    """The component a tensor belongs to, from its name's path segments.

    The resolver's table decides when it is installed, so that weights node ids
    (`weights:<model>#<component>`) agree between the resolver and this analyser.
    """
    resolver = _resolver_component_of()
    if resolver is not None:
        return resolver(name)
    return _own_component_of(name)


@lru_cache(maxsize=1)
def _resolver_component_of() -> Callable[[str], str] | None:
    try:
        from scanner.resolver.components import component_of_tensor
    except ImportError:
        return None
    return component_of_tensor


def _own_component_of(name: str) -> str:
    segs = [s.lower() for s in name.split(".")]
    joined = "." + ".".join(segs) + "."
    if any(f".{m}." in joined for m in _PROJECTOR_MARKERS):
        return PROJECTOR
    if any(f".{m}." in joined for m in _AUDIO_MARKERS):
        return AUDIO_TOWER
    if any(f".{m}." in joined for m in _VISION_MARKERS):
        return VISION_TOWER
    return LANGUAGE_MODEL


def classify(name: str, ndim: int) -> TensorRole:
    """Component, role, layer index and slot of the tensor called `name` with `ndim` dimensions."""
    component = component_of(name)
    m = _LAYER_RE.search(name)
    layer = int(m.group(1)) if m else None
    slot = name[: m.start(1)] + "{i}" + name[m.end(1) :] if m else name
    is_buffer = bool(_BUFFER_RE.search(name))
    if name.endswith(".bias") or name.endswith("_bias"):
        role = "norm" if _ROLE_PATTERNS[0][1].search(name[: -len(".bias")]) else "bias"
    elif ndim <= 1:
        role = "norm" if _ROLE_PATTERNS[0][1].search(name) or "scale" in name else "vector"
    else:
        role = "other"
        body = name[: -len(".weight")] if name.endswith(".weight") else name
        for candidate, pattern in _ROLE_PATTERNS[1:]:
            if pattern.search(body) or pattern.search(name):
                role = candidate
                break
        if ndim > 2 and role in ("other", "proj"):
            role = "conv"
    # BERT: "attention.output.dense" is o, a bare "output.dense" in a layer is down.
    if role == "down" and ".attention.output." in name:
        role = "o"
    return TensorRole(component, role, layer, slot, is_buffer)
