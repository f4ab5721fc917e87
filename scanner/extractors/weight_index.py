"""Tensor names of a checkpoint, from `model.safetensors.index.json` or safetensors headers.

Only names are needed here (to split the model into components); reading tensor data is the
weights analyser's job.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from scanner.extractors.interface import ExtractionError


@dataclass
class TensorInventory:
    """Tensor names (with shapes when known) and where they were listed."""

    source_path: str
    shapes: dict[str, tuple[int, ...] | None] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)

    def prefixes(self, depth: int = 2) -> Counter[str]:
        """Count tensors per dotted prefix of `depth` parts (e.g. `model.vision_model.`)."""
        out: Counter[str] = Counter()
        for name in self.shapes:
            parts = name.split(".")
            out[".".join(parts[:depth]) + "." if len(parts) > depth else name] += 1
        return out


def parse_safetensors_index(text: str, path: str = "model.safetensors.index.json") -> TensorInventory:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractionError(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # e.g. an integer literal of thousands of digits
        raise ExtractionError(path, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ExtractionError(path, "JSON nested too deeply to parse") from None
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict):
        raise ExtractionError(path, "no `weight_map` object in the safetensors index")
    return TensorInventory(source_path=path, shapes={str(name): None for name in weight_map})
