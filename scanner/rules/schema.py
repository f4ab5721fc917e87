"""What a policy pack is once loaded: rules with compiled conditions, parameters, provenance.

A pack is data a reviewer edits (`rules/*.yaml`); these frozen dataclasses are its validated,
compiled form. Nothing here reads files (that is `loader.py`) or walks graphs (`engine.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.graph import WEIGHT_INHERITANCE, Relation
from scanner.model import Criterion, Severity


class RuleError(Exception):
    """A pack, rule or waiver file is malformed. The message names file, line and what was
    expected, so a reviewer can fix it without reading our code."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.detail = message
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        super().__init__(f"{where}{message}")


#: Named relation sets a rule may use in any relation list (`via:`, `relation:`).
RELATION_SETS: dict[str, frozenset[Relation]] = {
    "declared_derivation": frozenset(
        {
            Relation.FINETUNE_OF,
            Relation.ADAPTER_OF,
            Relation.MERGE_OF,
            Relation.QUANTIZED_OF,
            Relation.DISTILLED_FROM,
            Relation.DERIVED_FROM,
        }
    ),
    "inheritance": WEIGHT_INHERITANCE,
    "containment": frozenset({Relation.CONTAINS}),
    "code": frozenset({Relation.COPIES_CODE_FROM, Relation.RUNS_REMOTE_CODE_OF}),
    # Everything the model needs; evaluation datasets are not something it depends on.
    "dependency": frozenset(r for r in Relation if r is not Relation.EVALUATED_ON),
}


@dataclass(frozen=True)
class ConfidenceSpec:
    """How a finding's confidence is computed.

    `mode`: `path` (minimum over the edges of the finding's path, 1.0 when there are none),
    `edge` (the subject edge), `fixed` (`value`), `attribute` (a node attribute, else `value`).
    """

    mode: str = "path"
    value: float = 1.0
    attribute: str | None = None

    def to_data(self) -> Any:
        if self.mode == "fixed":
            return self.value
        if self.mode == "attribute":
            return {"attribute": self.attribute, "default": self.value}
        return self.mode


@dataclass(frozen=True)
class Subject:
    """What a rule iterates over.

    `kind`: `target` (the scanned model only), `node` (every node reachable from the target
    through `via`, the target included) or `edge` (every edge of `relations` whose source is so
    reachable). `via` defaults to every dependency relation.
    """

    kind: str = "node"
    via: frozenset[Relation] = RELATION_SETS["dependency"]
    max_hops: int | str = "$max_hops"

    def to_data(self) -> dict[str, Any]:
        return {"for": self.kind, "via": sorted(str(r) for r in self.via), "max_hops": self.max_hops}


@dataclass(frozen=True)
class Rule:
    """One rule of a pack. `when` is the compiled condition (see `conditions.py`); `data` keeps
    the rule as written so `sovscan rules show` prints what the reviewer wrote."""

    id: str
    criterion: Criterion
    severity: Severity
    when: Any  # conditions.Condition
    message: str
    remediation: str
    source: str
    subject: Subject = Subject()
    confidence: ConfidenceSpec = ConfidenceSpec()
    title: str = ""
    pack: str = ""  # id of the pack that defined (or last overrode) the rule
    file: str | None = None
    line: int | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False)
    #: message/remediation templates in other report languages: lang -> {message, remediation}
    translations: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class PolicyPack:
    """A validated pack with `extends` already applied: the rules that will run, in order."""

    id: str
    version: str
    title: str
    description: str
    parameters: dict[str, Any]
    rules: tuple[Rule, ...]
    file: str | None = None
    extends: str | None = None
    lineage: tuple[str, ...] = ()  # this pack's id, then the ids of the packs it extends
    disabled: tuple[str, ...] = ()

    @property
    def home_country(self) -> str | None:
        value = self.parameters.get("home_country")
        return str(value).upper() if value else None

    def rule(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def param(self, value: Any) -> Any:
        """Resolve a `$name` reference to a pack parameter; other values pass through."""
        if isinstance(value, str) and value.startswith("$"):
            return self.parameters[value[1:]]
        return value
