"""Loading packs: every shipped pack is valid; a malformed pack names file, line and what was
expected; the published JSON Schemas are themselves valid and agree with the shipped files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from scanner.data import data_dir
from scanner.rules import RuleError, available_packs, load_pack

HEAD = "id: broken\nversion: '1'\ntitle: Broken pack\nrules:\n"
RULE = (
    "  - id: r1\n"
    "    criterion: technical\n"
    "    severity: {severity}\n"
    "    when:\n"
    "{when}"
    "    message: \"{message}\"\n"
    "    remediation: fix it\n"
    "    source: test\n"
)


def _pack(tmp_path: Path, *, severity: str = "fail", when: str = "      kind: model\n",
          message: str = "{{ node.name }}", head: str = HEAD) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(head + RULE.format(severity=severity, when=when, message=message), encoding="utf-8")
    return path


def _error(path: Path) -> RuleError:
    with pytest.raises(RuleError) as exc:
        load_pack(path)
    assert exc.value.file == str(path), "the error must name the file"
    return exc.value


def test_shipped_packs_load() -> None:
    names = available_packs()
    assert {"kr-sovereign-2026", "permissive-only", "commercial-use"} <= set(names)
    for name in names:
        pack = load_pack(name)
        assert pack.rules and pack.version
        ids = [r.id for r in pack.rules]
        assert len(ids) == len(set(ids))
        for rule in pack.rules:
            assert rule.source and rule.remediation and rule.message and rule.line


def test_kr_pack_covers_the_three_criteria() -> None:
    pack = load_pack("kr-sovereign-2026")
    assert pack.home_country == "KR"
    assert pack.parameters["min_fail_confidence"] == 0.8
    criteria = {str(r.criterion) for r in pack.rules if str(r.severity) == "fail"}
    assert criteria == {"technical", "policy", "ethics"}


def test_bad_enum_names_line_and_choices(tmp_path: Path) -> None:
    err = _error(_pack(tmp_path, severity="fatal"))
    assert err.line == 7
    assert "rules[0].severity" in str(err) and "expected one of fail, review, info" in str(err) and "'fatal'" in str(err)


def test_unknown_condition_names_line_and_suggests(tmp_path: Path) -> None:
    when = "      all:\n        - kind: model\n        - licence.facts: terminate_at_will\n"
    err = _error(_pack(tmp_path, when=when))
    assert err.line == 11
    assert "rules[0].when.all[1].licence.facts" in str(err)
    assert "did you mean 'licence.fact'" in str(err)


def test_unknown_licence_fact_is_rejected(tmp_path: Path) -> None:
    err = _error(_pack(tmp_path, when="      licence.fact: terminate_whenever\n"))
    assert err.line == 9 and "terminate_at_will" in str(err) and "did you mean" in str(err)


def test_condition_value_shapes_are_checked(tmp_path: Path) -> None:
    err = _error(_pack(tmp_path, when="      attr: {name: weights_origin, equal: inherited}\n"))
    assert err.line == 9 and "unknown test 'equal'" in str(err) and "equals" in str(err)
    err = _error(_pack(tmp_path, when="      is_target: yes please\n"))
    assert "expected true or false" in str(err)
    err = _error(_pack(tmp_path, when="      relation: [finetune_of, copies_weights_of]\n"))
    assert "unknown value 'copies_weights_of'" in str(err)
    err = _error(_pack(tmp_path, when="      attr: {name: x, matches: '('}\n"))
    assert "invalid regular expression" in str(err)
    err = _error(_pack(tmp_path, when="      not: []\n"))
    assert "expected a condition" in str(err)


def test_edge_tests_need_an_edge_subject(tmp_path: Path) -> None:
    err = _error(_pack(tmp_path, when="      kind: model\n      relation: finetune_of\n"))
    assert err.line == 10 and "'relation' tests an edge" in str(err) and "for: edge" in str(err)
    # inside a path test an edge is in focus, so the same test is fine there
    path = _pack(tmp_path, when="      reachable: {via: [inheritance], where: {relation: finetune_of}}\n")
    assert load_pack(path).rules[0].id == "r1"


def test_template_errors_are_caught_on_load(tmp_path: Path) -> None:
    err = _error(_pack(tmp_path, message="{{ nod.name }}"))
    assert "unknown template variable(s) nod" in str(err) and err.line == 10
    err = _error(_pack(tmp_path, message="{{ node.name "))
    assert "template syntax error" in str(err)


def test_undefined_parameter_and_missing_home_country(tmp_path: Path) -> None:
    err = _error(_pack(tmp_path, when="      attr: {name: param_count, gte: $threshold}\n"))
    assert "$threshold" in str(err) and "min_fail_confidence" in str(err)
    err = _error(_pack(tmp_path, when="      licensor.foreign: true\n"))
    assert "home_country" in str(err)


def test_yaml_syntax_duplicate_keys_and_missing_keys(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text(HEAD + "  - id: r1\n    when: {kind: model\n", encoding="utf-8")
    err = _error(path)
    assert "not valid YAML" in str(err) and err.line is not None
    path.write_text(HEAD + "  - id: r1\n    id: r2\n", encoding="utf-8")
    err = _error(path)
    assert err.line == 6 and "duplicate key 'id'" in str(err)
    path.write_text(HEAD + RULE.format(severity="fail", when="      kind: model\n", message="m").replace(
        "    source: test\n", ""), encoding="utf-8")
    err = _error(path)
    assert "missing required key 'source'" in str(err) and err.line == 5
    path.write_text("id: x\nversion: '1'\ntitle: t\nrule: []\n", encoding="utf-8")
    err = _error(path)
    assert "unknown key 'rule'" in str(err) and "did you mean 'rules'" in str(err) and err.line == 4
    path.write_text("", encoding="utf-8")
    assert "empty file" in str(_error(path))


def test_unknown_pack_name_lists_shipped_packs() -> None:
    with pytest.raises(RuleError) as exc:
        load_pack("kr-sovereign-2025")
    assert "kr-sovereign-2026" in str(exc.value)


def test_published_schemas_are_valid_and_accept_the_shipped_files() -> None:
    schema_dir = data_dir("schema")
    pack_schema = json.loads((schema_dir / "rule-pack.schema.json").read_text(encoding="utf-8"))
    waiver_schema = json.loads((schema_dir / "waivers.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(pack_schema)
    jsonschema.Draft202012Validator.check_schema(waiver_schema)
    for path in sorted(data_dir("rules").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), pack_schema)
    jsonschema.validate([{"rule": "r", "node": "n", "reason": "x", "approver": "a", "expires": "2026-01-01"}],
                        waiver_schema)
