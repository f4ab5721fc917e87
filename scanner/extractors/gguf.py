"""The metadata key/values of a GGUF file, read from its first bytes only (never its tensors).

Why a bounded reader: a GGUF file is gigabytes of tensors behind a small header; lineage keys
(`general.base_model.*`, `general.source.*`) sit at the start of the key/value section. Big
arrays (the tokenizer vocabulary) are skipped, not kept, and a prefix that ends mid-header
yields the keys read so far with `truncated` set, never an exception.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

GGUF_MAGIC = b"GGUF"
#: How much of a GGUF file lineage extraction reads.
GGUF_PREFIX_BYTES = 4 * 1024 * 1024
_MAX_KV = 100_000
_MAX_STRING = 1024 * 1024
_KEEP_ARRAY = 64  # arrays longer than this are skipped (only their length is kept)

# value types of the GGUF spec
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class GGUFError(ValueError):
    """Not a GGUF file, or a header that contradicts itself."""


@dataclass
class GGUFMetadata:
    version: int
    tensor_count: int
    kv_count: int
    values: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise EOFError
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.unpack("<Q")
        if n > _MAX_STRING:
            raise GGUFError(f"string of {n} bytes exceeds the {_MAX_STRING}-byte bound")
        return self.take(n).decode("utf-8", errors="replace")

    def value(self, vtype: int, depth: int = 0) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            if depth > 2:
                raise GGUFError("nested arrays deeper than 2")
            etype = self.unpack("<I")
            n = self.unpack("<Q")
            if n <= _KEEP_ARRAY:
                return [self.value(etype, depth + 1) for _ in range(n)]
            if etype in _SCALARS:
                self.take(struct.calcsize(_SCALARS[etype]) * n)
            else:
                for _ in range(n):
                    self.value(etype, depth + 1)
            return {"array_length": n}
        raise GGUFError(f"unknown GGUF value type {vtype}")


def parse_gguf_metadata(prefix: bytes) -> GGUFMetadata:
    """Key/values from the first bytes of a GGUF file (versions 2 and 3)."""
    r = _Reader(prefix)
    try:
        if r.take(4) != GGUF_MAGIC:
            raise GGUFError("not a GGUF file (bad magic)")
        version = r.unpack("<I")
        if version not in (2, 3):
            raise GGUFError(f"unsupported GGUF version {version}")
        tensor_count = r.unpack("<Q")
        kv_count = r.unpack("<Q")
    except EOFError:
        raise GGUFError("file shorter than a GGUF header") from None
    if kv_count > _MAX_KV:
        raise GGUFError(f"{kv_count} metadata entries exceeds the bound of {_MAX_KV}")
    meta = GGUFMetadata(version=version, tensor_count=tensor_count, kv_count=kv_count)
    for _ in range(kv_count):
        try:
            key = r.string()
            vtype = r.unpack("<I")
            meta.values[key] = r.value(vtype)
        except EOFError:
            meta.truncated = True
            break
    return meta
