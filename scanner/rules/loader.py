"""Reading policy packs: YAML with line numbers, schema and language checks, `extends`.

Every error names the file, the line and what was expected, because packs are edited by
reviewers, not by us. Validation happens in three layers: YAML syntax (with the parser's mark),
the pack's shape (`schema/rule-pack.schema.json`), then our own checks (conditions, templates,
parameters, duplicate ids, overrides of inherited rules).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from scanner.data import data_dir
from scanner.model import Criterion, Severity
from scanner.rules.conditions import Compiled, Where, compile_condition, dotted, expand_relations
from scanner.rules.schema import ConfidenceSpec, PolicyPack, Rule, RuleError, Subject
from scanner.rules.templates import check_template

#: libyaml's composer when installed (ten times faster); both keep line marks.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Parameters every pack has unless it sets them.
DEFAULT_PARAMETERS: dict[str, Any] = {"min_fail_confidence": 0.8, "max_hops": 8}


# -- YAML with positions -----------------------------------------------------------------------


def parse_located(text: str, file: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML into plain data plus a map from data path (tuple of keys and indexes) to the
    1-based line where that value starts. Duplicate keys are an error (YAML would silently keep
    the last one and a reviewer would not see their rule vanish)."""
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        raise RuleError(f"not valid YAML: {problem}", file=file, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"not valid YAML: {exc}", file=file) from None
    lines: dict[tuple, int] = {}
    constructor = yaml.SafeLoader("")

    def convert(node: yaml.Node, path: tuple) -> Any:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = convert(key_node, path + ("<key>",))
                if not isinstance(key, (str, int, float, bool)):
                    raise RuleError(f"{dotted(path)}: a mapping key must be text", file=file,
                                    line=key_node.start_mark.line + 1)
                if key in out:
                    raise RuleError(f"{dotted(path + (key,))}: duplicate key '{key}'", file=file,
                                    line=key_node.start_mark.line + 1)
                out[key] = convert(value_node, path + (key,))
            lines.pop(path + ("<key>",), None)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, path + (i,)) for i, item in enumerate(node.value)]
        try:
            return constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise RuleError(f"{dotted(path)}: cannot read value: {exc}", file=file,
                            line=node.start_mark.line + 1) from None

    data = convert(root, ()) if root is not None else None
    return data, lines


def read_located(path: Path) -> tuple[Any, dict[tuple, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"cannot read file: {exc}", file=str(path)) from None
    return parse_located(text, str(path))


# -- schema validation ----------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _schema(name: str) -> dict[str, Any]:
    return json.loads((data_dir("schema") / name).read_text(encoding="utf-8"))


def schema_check(data: Any, schema_name: str, file: str, lines: dict[tuple, int], what: str) -> None:
    """Validate `data` against a shipped JSON Schema; raise RuleError for the first problem
    (in document order) phrased as 'at <path>: expected ...; got ...'."""
    validator = jsonschema.Draft202012Validator(_schema(schema_name))
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    def location(err: jsonschema.ValidationError) -> tuple:
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set((err.schema.get("properties") or {}).keys())
            extra = sorted(set(err.instance) - allowed, key=str)
            if extra:
                path = path + (extra[0],)  # point at the unknown key itself
        return path

    def order(err: jsonschema.ValidationError) -> tuple:
        return (Where(file, lines, location(err)).line() or 0, len(err.absolute_path))

    err = min(errors, key=order)
    if err.validator == "required":
        # an unknown key in the same mapping usually explains the "missing" one (a typo)
        typo = [e for e in errors if e.validator == "additionalProperties" and e.absolute_path == err.absolute_path]
        err = typo[0] if typo else err
    path = location(err)
    raise RuleError(f"{dotted(path)}: {_phrase(err, what)}", file=file, line=Where(file, lines, path).line())


def _phrase(err: jsonschema.ValidationError, what: str) -> str:
    v = err.validator
    got = _got(err.instance)
    if v == "required":
        missing = [m for m in err.validator_value if isinstance(err.instance, dict) and m not in err.instance]
        return f"missing required key '{missing[0] if missing else err.validator_value[0]}' in {what}"
    if v == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        hint = difflib.get_close_matches(str(extra[0]), allowed, n=1) if extra else []
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown key '{extra[0] if extra else '?'}'{suggestion}; expected keys: {', '.join(allowed)}"
    if v == "enum":
        return f"expected one of {', '.join(str(x) for x in err.validator_value)}; got {got}"
    if v == "type":
        want = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
        return f"expected {_article(want)}; got {got}"
    if v == "pattern":
        return f"expected text matching {err.validator_value}; got {got}"
    if v in ("minimum", "maximum"):
        return f"expected a value {'>=' if v == 'minimum' else '<='} {err.validator_value}; got {got}"
    if v in ("minLength", "minProperties", "minItems"):
        return f"must not be empty; got {got}"
    if v == "oneOf":
        return f"expected a number between 0 and 1, 'path', 'edge' or {{attribute: <name>, default: <n>}}; got {got}"
    return err.message


def _article(kind: str) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
             "integer": "a whole number", "boolean": "true or false"}
    return " or ".join(names.get(k.strip(), k) for k in kind.split(" or "))


def _got(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


# -- packs -------------------------------------------------------------------------------------


def available_packs() -> list[str]:
    """Names of the packs shipped in `rules/`."""
    try:
        folder = data_dir("rules")
    except FileNotFoundError:
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def resolve_pack_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A path to an existing file (absolute, or relative to the extending pack or the working
    directory), else the shipped pack of that name."""
    candidate = Path(name_or_path).expanduser()
    looks_like_path = candidate.suffix in (".yaml", ".yml") or "/" in name_or_path or "\\" in name_or_path
    bases = [relative_to] if relative_to is not None and not candidate.is_absolute() else []
    for base in bases:
        if (base / candidate).is_file():
            return (base / candidate).resolve()
    if candidate.is_file():
        return candidate.resolve()
    if not looks_like_path:
        try:
            shipped = data_dir("rules") / f"{name_or_path}.yaml"
        except FileNotFoundError:
            shipped = None
        if shipped is not None and shipped.is_file():
            return shipped
    known = ", ".join(available_packs()) or "none"
    raise RuleError(f"no policy pack '{name_or_path}' (not a file; shipped packs: {known})")


@dataclass
class _RawPack:
    file: str
    data: dict[str, Any]
    lines: dict[tuple, int]
    parent: _RawPack | None


def _read_raw(path: Path, chain: tuple[str, ...]) -> _RawPack:
    file = str(path)
    if file in chain:
        cycle = " -> ".join(list(chain) + [file])
        raise RuleError(f"'extends' forms a cycle: {cycle}", file=chain[-1])
    data, lines = read_located(path)
    if data is None:
        raise RuleError("empty file; expected a policy pack mapping with id, version, title and rules", file=file)
    schema_check(data, "rule-pack.schema.json", file, lines, "a policy pack")
    parent = None
    if "extends" in data:
        try:
            parent_path = resolve_pack_path(data["extends"], path.parent)
        except RuleError as exc:
            raise RuleError(f"extends: {exc.detail}", file=file, line=lines.get(("extends",))) from None
        parent = _read_raw(parent_path, chain + (file,))
    return _RawPack(file, data, lines, parent)


def load_pack(name_or_path: str | Path) -> PolicyPack:
    """Load and validate a pack by shipped name or path, applying `extends` (parameters and
    rules of the child override the parent's; `disable` and `disabled: true` switch rules off)."""
    path = resolve_pack_path(str(name_or_path))
    raw = _read_raw(path, ())
    chain: list[_RawPack] = []
    node: _RawPack | None = raw
    while node is not None:
        chain.append(node)
        node = node.parent
    chain.reverse()  # ancestors first

    parameters = dict(DEFAULT_PARAMETERS)
    entries: dict[str, tuple[dict[str, Any], Where, str]] = {}
    disabled: list[str] = []
    for pack in chain:
        pack_id = str(pack.data["id"])
        parameters.update(pack.data.get("parameters") or {})
        seen_here: set[str] = set()
        for i, entry in enumerate(pack.data.get("rules") or []):
            where = Where(pack.file, pack.lines, ("rules", i))
            rid = entry["id"]
            if rid in seen_here:
                raise where.at("id").error(f"duplicate rule id '{rid}' in this pack")
            seen_here.add(rid)
            if entry.get("disabled") is True:
                if rid not in entries:
                    raise where.at("id").error(_no_such_rule(rid, entries, "disable"))
                del entries[rid]
                disabled.append(rid)
                continue
            if "when" in entry:
                entries[rid] = (dict(entry), where, pack_id)
            else:
                if rid not in entries:
                    raise where.error(
                        "a rule without 'when' overrides an inherited rule, but "
                        + _no_such_rule(rid, entries, "override")
                        + "; a new rule needs criterion, severity, when, message, remediation and source"
                    )
                entries[rid] = (_override(entries[rid][0], entry), where, pack_id)
        for j, rid in enumerate(pack.data.get("disable") or []):
            if rid not in entries:
                raise Where(pack.file, pack.lines, ("disable", j)).error(_no_such_rule(rid, entries, "disable"))
            del entries[rid]
            disabled.append(rid)

    if parameters.get("home_country"):
        parameters["home_country"] = str(parameters["home_country"]).upper()
    rules = [compile_rule(data, where, pack_id, parameters) for data, where, pack_id in entries.values()]
    top = raw.data
    return PolicyPack(
        id=str(top["id"]),
        version=str(top["version"]),
        title=str(top["title"]),
        description=str(top.get("description", "")).strip(),
        parameters=parameters,
        rules=tuple(rules),
        file=raw.file,
        extends=top.get("extends"),
        lineage=tuple(str(p.data["id"]) for p in reversed(chain)),
        disabled=tuple(disabled),
    )


def _override(inherited: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """An inherited rule with a child's override applied. `translations` merge per language and
    per text; an inherited translation of a text the child rewrites in English (message or
    remediation) is dropped unless the child translates it too, so a report never shows a
    translation of words the rule no longer says (it falls back to the English text)."""
    merged = {**inherited, **entry}
    translations: dict[str, dict[str, Any]] = {}
    for lang, texts in (inherited.get("translations") or {}).items():
        kept = {k: v for k, v in texts.items() if k not in entry}
        if kept:
            translations[lang] = kept
    for lang, texts in (entry.get("translations") or {}).items():
        translations[lang] = {**translations.get(lang, {}), **texts}
    if translations:
        merged["translations"] = translations
    else:
        merged.pop("translations", None)
    return merged


def _no_such_rule(rid: str, entries: dict[str, Any], verb: str) -> str:
    hint = difflib.get_close_matches(rid, list(entries), n=1)
    suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
    return f"cannot {verb} rule '{rid}': no inherited rule has that id{suggestion}"


def compile_rule(data: dict[str, Any], where: Where, pack_id: str, parameters: dict[str, Any]) -> Rule:
    """Compile one rule mapping (already schema-checked) and run the language checks."""
    info = Compiled()
    for key in ("criterion", "severity", "message", "remediation", "source"):
        if key not in data:
            raise where.error(f"missing required key '{key}' in a rule")
    kind = data.get("for", "node")
    via = expand_relations(data["via"], where.at("via")) if "via" in data else Subject().via
    hops = data.get("max_hops", "$max_hops")
    if isinstance(hops, str):
        if not hops.startswith("$"):
            raise where.at("max_hops").error(f"expected a whole number or $parameter; got {hops!r}")
        info.params.add(hops[1:])
    when = compile_condition(data["when"], where.at("when"), info)
    if kind != "edge" and info.edge_test is not None:
        key = info.edge_test.path[-1]
        raise info.edge_test.error(
            f"'{key}' tests an edge, but the rule runs on {kind}s; use `for: edge`, or put the "
            "test inside `reachable: {where: ...}`"
        )
    for key in ("message", "remediation"):
        problem = check_template(str(data[key]))
        if problem:
            raise where.at(key).error(problem)
    translations: dict[str, dict[str, str]] = {}
    for lang, texts in (data.get("translations") or {}).items():
        for key, text in texts.items():
            problem = check_template(str(text))
            if problem:
                raise where.at("translations").at(lang).at(key).error(problem)
        translations[str(lang)] = {k: str(v).strip() for k, v in texts.items()}
    confidence = _confidence(data.get("confidence", "path"))
    for name in sorted(info.params):
        if name not in parameters:
            known = ", ".join(sorted(parameters))
            raise where.error(f"uses parameter ${name}, which no pack defines (parameters: {known})")
    if info.uses_home_country and not parameters.get("home_country"):
        raise where.error("tests foreign/domestic countries but the pack has no parameters.home_country")
    return Rule(
        id=str(data["id"]),
        criterion=Criterion(data["criterion"]),
        severity=Severity(data["severity"]),
        when=when,
        message=str(data["message"]).strip(),
        remediation=str(data["remediation"]).strip(),
        source=str(data["source"]).strip(),
        subject=Subject(kind=kind, via=via, max_hops=hops),
        confidence=confidence,
        title=str(data.get("title", "")),
        pack=pack_id,
        file=where.file,
        line=where.line(),
        data={k: v for k, v in data.items()},
        translations=translations,
    )


def _confidence(value: Any) -> ConfidenceSpec:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ConfidenceSpec(mode="fixed", value=float(value))
    if isinstance(value, dict):
        return ConfidenceSpec(mode="attribute", attribute=str(value["attribute"]),
                              value=float(value.get("default", 1.0)))
    return ConfidenceSpec(mode=str(value))
