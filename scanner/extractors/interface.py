"""What extractors share: their error type and helpers to cite lines and keys as evidence."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

EXCERPT_MAX = 200


class ExtractionError(Exception):
    """A file could not be parsed; the message says which file and why (becomes a ScanIssue)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def excerpt(text: str, limit: int = EXCERPT_MAX) -> str:
    """A one-line, bounded excerpt of `text` for evidence (control characters removed)."""
    flat = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", " ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that also records the line of every mapping key.

    Pure Python on purpose: libyaml's CSafeLoader is about 7x faster but a deeply nested card
    overflows the C stack and kills the process, where this one raises RecursionError."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
    # The mapping's own keys, before `<<: *anchor` merges are flattened into it (an own key may
    # override a merged one; two own keys with the same name may not).
    own = [k for k, _v in node.value if k.tag != "tag:yaml.org,2002:merge"]
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    lines: dict[Any, int] = {}
    for key_node in own:
        try:
            key = loader.construct_object(key_node, deep=True)
            duplicate = key in lines
        except TypeError:  # unhashable key: the SafeLoader already rejected it
            continue
        if duplicate:
            # PyYAML keeps the last value silently; the Hub rejects such a card. Which `license`
            # or `base_model` was meant is unknown, so the file is malformed.
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
            )
        lines[key] = key_node.start_mark.line
    return _LinedDict(mapping, lines)


class _LinedDict(dict):
    """A dict that knows the 0-based line of each key in its YAML source."""

    def __init__(self, data: dict[str, Any], lines: dict[Any, int]) -> None:
        super().__init__(data)
        self.key_lines = lines


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_with_lines(text: str, path: str, line_offset: int = 0) -> tuple[Any, dict[str, int]]:
    """Parse YAML safely; return the data and `{top-level key: 1-based line}`.

    Raises ExtractionError with the line and column of a syntax error."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1 + line_offset}, column {mark.column + 1}" if mark else "unknown position"
        raise ExtractionError(path, f"malformed YAML at {where}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ExtractionError(path, f"malformed YAML: {exc}") from None
    except RecursionError:
        raise ExtractionError(path, "YAML nested too deeply to parse") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise ExtractionError(path, f"malformed YAML: {exc}") from None
    lines: dict[str, int] = {}
    if isinstance(data, _LinedDict):
        lines = {str(k): v + 1 + line_offset for k, v in data.key_lines.items()}
    return data, lines


def json_key_line(text: str, *keys: str) -> int | None:
    """The 1-based line where the key path `keys` appears in pretty-printed JSON text.

    Finds each key after the previous one, so `("vision_config", "model_type")` cites the
    `model_type` inside `vision_config`, not the top-level one."""
    pos = 0
    for key in keys:
        idx = text.find(f'"{key}"', pos)
        if idx < 0:
            return None
        pos = idx + 1
    return text.count("\n", 0, pos) + 1


def load_json(text: str, path: str) -> Any:
    """Parse JSON; every way it can fail (syntax, huge integers, deep nesting) is an
    ExtractionError naming the file and, for syntax errors, the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractionError(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # e.g. an integer literal of thousands of digits
        raise ExtractionError(path, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ExtractionError(path, "JSON nested too deeply to parse") from None


def line_text(text: str, line: int | None) -> str:
    if not line:
        return ""
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""
