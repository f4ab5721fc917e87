"""Tensor names of a checkpoint, from `model.safetensors.index.json` or safetensors headers.

Only names are needed here (to split the model into components); reading tensor data is the
weights analyser's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.extractors.interface import ExtractionError, load_json


@dataclass
class TensorInventory:
    """Tensor names (with shapes when known) and where they were listed."""

    source_path: str
    shapes: dict[str, tuple[int, ...] | None] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)


def parse_safetensors_index(text: str, path: str = "model.safetensors.index.json") -> TensorInventory:
    data = load_json(text, path)
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict):
        raise ExtractionError(path, "no `weight_map` object in the safetensors index")
    return TensorInventory(source_path=path, shapes={str(name): None for name in weight_map})
