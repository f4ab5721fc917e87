"""The condition language of policy rules: data, composable, never `eval`.

A condition is a YAML mapping. Several keys in one mapping must all hold; `all`, `any` and
`not` combine conditions. Tests look at the node in focus (the rule's subject, or the node a
scope key moved the focus to), the edge in focus, the node's licence facts from the knowledge
base, countries relative to the pack's `home_country`, and paths through the graph. A matching
condition returns a `Match` that carries what it found (clause facts, the path to an ancestor,
a duty's status) so the finding can cite it. The reference is `rules/README.md`.
"""

from __future__ import annotations

import difflib
import re
from abc import ABC, abstractmethod
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from scanner.graph import Edge, ModelGraph, Node, NodeKind, Relation
from scanner.model import Evidence
from scanner.licences.knowledge import FACT_NAMES as FACT_VOCABULARY
from scanner.rules.licensing import LicenceResolver, LicenceView
from scanner.rules.schema import RELATION_SETS, RuleError

# --------------------------------------------------------------------------------------------
# Evaluation context and match
# --------------------------------------------------------------------------------------------


@dataclass
class Scan:
    """What stays the same for every rule of one evaluation."""

    graph: ModelGraph
    target: Node
    parameters: dict[str, Any]
    licences: LicenceResolver
    _views: dict[str, LicenceView] = field(default_factory=dict)

    @property
    def home_country(self) -> str | None:
        value = self.parameters.get("home_country")
        return str(value).upper() if value else None

    def param(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("$"):
            return self.parameters.get(value[1:])
        return value

    def licence(self, node: Node) -> LicenceView:
        if node.id not in self._views:
            self._views[node.id] = self.licences.view(node)
        return self._views[node.id]

    def country_of(self, node: Node) -> str | None:
        if node.country:
            return node.country.upper()
        return self.licences.organisation(org_of(node))[1]

    def same_org(self, a: str | None, b: str | None) -> bool:
        """Two organisation names denote the same supplier: equal ignoring case, or the
        licensors table maps both to the same legal entity (or parent)."""
        if not a or not b:
            return False
        if _norm_org(a) == _norm_org(b):
            return True
        ea, _ = self.licences.organisation(a)
        eb, _ = self.licences.organisation(b)
        return ea is not None and ea == eb


@dataclass
class Context:
    """The focus of a condition: a node, maybe an edge, and the path that led from the target."""

    scan: Scan
    node: Node
    edge: Edge | None = None
    path: tuple[Edge, ...] = ()

    def focus(self, node: Node) -> Context:
        return Context(self.scan, node, self.edge, self.path)


@dataclass
class Match:
    """What a condition found: extra path edges (to an ancestor), evidence and template values."""

    edges: list[Edge] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    bindings: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: Match) -> Match:
        self.edges.extend(e for e in other.edges if e not in self.edges)
        self.evidence.extend(e for e in other.evidence if e not in self.evidence)
        for key, value in other.bindings.items():
            if key == "facts":
                self.bindings.setdefault("facts", [])
                self.bindings["facts"].extend(v for v in value if v not in self.bindings["facts"])
            else:
                self.bindings.setdefault(key, value)
        return self


class Condition(ABC):
    """A compiled condition. `match` returns a Match when it holds, else None; `data` is the
    condition as the reviewer wrote it."""

    data: Any = None

    @abstractmethod
    def match(self, ctx: Context) -> Match | None:
        """Test the condition in `ctx`."""


# --------------------------------------------------------------------------------------------
# Compilation: from YAML data to Condition objects, with precise errors
# --------------------------------------------------------------------------------------------


@dataclass
class Where:
    """Where in a file the condition being compiled sits (for error messages)."""

    file: str | None
    lines: dict[tuple, int]
    path: tuple

    def at(self, *more: Any) -> Where:
        return Where(self.file, self.lines, self.path + more)

    def line(self) -> int | None:
        p = self.path
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get(())

    def error(self, message: str) -> RuleError:
        return RuleError(f"{dotted(self.path)}: {message}", file=self.file, line=self.line())


def dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@dataclass
class Compiled:
    """Facts about a compiled condition the loader checks: parameters used, country tests."""

    params: set[str] = field(default_factory=set)
    uses_home_country: bool = False
    in_path: bool = False  # compiling inside `reachable.where`, where an edge is in focus
    edge_test: Where | None = None  # first edge test outside a path (needs `for: edge`)

    def note_edge_test(self, where: Where) -> None:
        if not self.in_path and self.edge_test is None:
            self.edge_test = where


def compile_condition(data: Any, where: Where, info: Compiled | None = None) -> Condition:
    """Compile `data` (a parsed YAML mapping) into a Condition, or raise RuleError."""
    info = info if info is not None else Compiled()
    if not isinstance(data, dict) or not data:
        raise where.error(
            f"expected a condition: a mapping with one or more of {_key_list()}; got {_describe(data)}"
        )
    parts: list[Condition] = []
    for key, value in data.items():
        builder = _BUILDERS.get(key)
        if builder is None:
            hint = difflib.get_close_matches(str(key), list(_BUILDERS), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise where.at(key).error(
                f"unknown condition '{key}'{suggestion}; expected one of {_key_list()}"
            )
        parts.append(builder(value, where.at(key), info))
    cond = parts[0] if len(parts) == 1 else AllOf(parts)
    cond.data = data
    return cond


def _key_list() -> str:
    return ", ".join(sorted(_BUILDERS))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    if isinstance(value, list):
        return f"a list ({len(value)} items)"
    return f"{type(value).__name__} {value!r}"


def _expect_bool(value: Any, where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.error(f"expected true or false; got {_describe(value)}")
    return value


def _expect_str_list(value: Any, where: Where, allowed: list[str] | None = None) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise where.error(f"expected a name or a list of names; got {_describe(value)}")
    if allowed is not None:
        for i, item in enumerate(items):
            if item not in allowed:
                hint = difflib.get_close_matches(item, allowed, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                at = where.at(i) if isinstance(value, list) else where
                raise at.error(f"unknown value '{item}'{suggestion}; expected one of {', '.join(allowed)}")
    return items


def expand_relations(value: Any, where: Where) -> frozenset[Relation]:
    names = [str(r) for r in Relation] + sorted(RELATION_SETS)
    out: set[Relation] = set()
    for item in _expect_str_list(value, where, names):
        if item in RELATION_SETS:
            out |= RELATION_SETS[item]
        else:
            out.add(Relation(item))
    return frozenset(out)


def _number_or_param(value: Any, where: Where, info: Compiled) -> float | str:
    if isinstance(value, bool):
        raise where.error(f"expected a number or a $parameter; got {_describe(value)}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", value):
        info.params.add(value[1:])
        return value
    raise where.error(f"expected a number or a $parameter; got {_describe(value)}")


# -- combinators -------------------------------------------------------------------------------


class AllOf(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts

    def match(self, ctx: Context) -> Match | None:
        found = Match()
        for part in self.parts:
            m = part.match(ctx)
            if m is None:
                return None
            found.merge(m)
        return found


class AnyOf(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts

    def match(self, ctx: Context) -> Match | None:
        for part in self.parts:
            m = part.match(ctx)
            if m is not None:
                return m
        return None


class Not(Condition):
    def __init__(self, inner: Condition) -> None:
        self.inner = inner

    def match(self, ctx: Context) -> Match | None:
        return Match() if self.inner.match(ctx) is None else None


def _build_list(cls: type) -> Callable[[Any, Where, Compiled], Condition]:
    def build(value: Any, where: Where, info: Compiled) -> Condition:
        if not isinstance(value, list) or not value:
            raise where.error(f"expected a non-empty list of conditions; got {_describe(value)}")
        return cls([compile_condition(v, where.at(i), info) for i, v in enumerate(value)])

    return build


def _build_not(value: Any, where: Where, info: Compiled) -> Condition:
    return Not(compile_condition(value, where, info))


class Predicate(Condition):
    """A test that holds or not, with optional evidence; `fn(ctx) -> Match | None`."""

    def __init__(self, fn: Callable[[Context], Match | None]) -> None:
        self.fn = fn

    def match(self, ctx: Context) -> Match | None:
        return self.fn(ctx)


def _holds(flag: bool) -> Match | None:
    return Match() if flag else None


# -- node tests ----------------------------------------------------------------------------------

_NODE_FIELDS = ("id", "name", "kind", "supplier", "country", "licence", "resolved")


def node_value(node: Node, name: str) -> tuple[bool, Any]:
    """(present, value) of a node field or a dotted attribute path (`training_log.verdict`)."""
    if name in _NODE_FIELDS:
        value = getattr(node, name)
        return value is not None, (str(value) if isinstance(value, NodeKind) else value)
    current: Any = node.attributes
    for part in name.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return False, None
    return current is not None, current


def org_of(node: Node) -> str | None:
    """The supplier organisation of a node: `supplier`, else the org part of a Hub id."""
    if node.supplier:
        return node.supplier
    ident = node.id.split(":", 1)[-1].split("#", 1)[0]
    if "/" in ident and not ident.startswith(("/", ".")):
        return ident.split("/", 1)[0]
    return None


def _norm_org(org: str) -> str:
    return re.sub(r"[\s_\-.]+", "", org.casefold())


def _build_kind(value: Any, where: Where, info: Compiled) -> Condition:
    kinds = set(_expect_str_list(value, where, [str(k) for k in NodeKind]))
    return Predicate(lambda ctx: _holds(str(ctx.node.kind) in kinds))


def _build_is_target(value: Any, where: Where, info: Compiled) -> Condition:
    want = _expect_bool(value, where)
    return Predicate(lambda ctx: _holds((ctx.node.id == ctx.scan.target.id) == want))


def _build_resolved(value: Any, where: Where, info: Compiled) -> Condition:
    want = _expect_bool(value, where)
    return Predicate(lambda ctx: _holds(bool(ctx.node.resolved) == want))


def _build_same_supplier(value: Any, where: Where, info: Compiled) -> Condition:
    want = _expect_bool(value, where)

    def test(ctx: Context) -> Match | None:
        same = ctx.scan.same_org(org_of(ctx.node), org_of(ctx.scan.target))
        return _holds(same == want)

    return Predicate(test)


_VALUE_OPS = ("equals", "not_equals", "in", "exists", "matches", "contains", "gte", "gt", "lte", "lt",
              "foreign", "same_org_as_target", "truthy")


def _compile_value_test(spec: Any, where: Where, info: Compiled, what: str) -> tuple[str, Callable[[Scan, bool, Any], bool]]:
    """`{name: <field>, <op>: <value>}` → (field name, test(scan, present, value))."""
    if not isinstance(spec, dict) or "name" not in spec:
        raise where.error(
            f"expected a mapping {{name: <{what}>, <test>: <value>}} with one test of "
            f"{', '.join(_VALUE_OPS)}; got {_describe(spec)}"
        )
    name = spec["name"]
    if not isinstance(name, str) or not name:
        raise where.at("name").error(f"expected the {what} name as text; got {_describe(name)}")
    ops = [k for k in spec if k != "name"]
    if len(ops) != 1 or ops[0] not in _VALUE_OPS:
        bad = [k for k in ops if k not in _VALUE_OPS]
        detail = f"unknown test '{bad[0]}'" if bad else f"{len(ops)} tests given"
        raise where.error(f"{detail}; expected exactly one of {', '.join(_VALUE_OPS)}")
    op = ops[0]
    arg = spec[op]
    at = where.at(op)
    if op in ("exists", "foreign", "same_org_as_target", "truthy"):
        want = _expect_bool(arg, at)
        if op == "foreign":
            info.uses_home_country = True
    if op in ("gte", "gt", "lte", "lt"):
        arg = _number_or_param(arg, at, info)
    if op == "in" and not isinstance(arg, list):
        raise at.error(f"expected a list of values; got {_describe(arg)}")
    if op == "matches":
        if not isinstance(arg, str):
            raise at.error(f"expected a regular expression as text; got {_describe(arg)}")
        try:
            pattern = re.compile(arg, re.IGNORECASE)
        except re.error as exc:
            raise at.error(f"invalid regular expression: {exc}") from None

    def test(scan: Scan, present: bool, value: Any) -> bool:
        if op == "exists":
            return present == want
        if op == "truthy":
            return bool(value) == want
        if not present:
            return False
        if op == "equals":
            return _eq(value, arg)
        if op == "not_equals":
            return not _eq(value, arg)
        if op == "in":
            return any(_eq(value, a) for a in arg)
        if op == "contains":
            if isinstance(value, (list, tuple, set)):
                return any(_eq(v, arg) for v in value)
            return isinstance(value, str) and str(arg).casefold() in value.casefold()
        if op == "matches":
            items = value if isinstance(value, (list, tuple)) else [value]
            return any(pattern.search(str(v)) for v in items)
        if op in ("gte", "gt", "lte", "lt"):
            limit = scan.param(arg)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or limit is None:
                return False
            return {"gte": value >= limit, "gt": value > limit, "lte": value <= limit, "lt": value < limit}[op]
        if op == "foreign":
            home = scan.home_country
            known = isinstance(value, str) and bool(value) and home is not None
            return known and ((value.upper() != home) == want)
        if op == "same_org_as_target":
            return scan.same_org(str(value), org_of(scan.target)) == want
        return False

    return name, test


def _eq(value: Any, arg: Any) -> bool:
    if isinstance(value, str) and isinstance(arg, str):
        return value.casefold() == arg.casefold()
    return value == arg


def _build_attr(value: Any, where: Where, info: Compiled) -> Condition:
    name, test = _compile_value_test(value, where, info, "attribute")

    def run(ctx: Context) -> Match | None:
        present, got = node_value(ctx.node, name)
        if not test(ctx.scan, present, got):
            return None
        m = Match()
        if present and name not in _NODE_FIELDS:
            m.evidence.extend(_attribute_evidence(ctx.node, name, got))
        return m

    return Predicate(run)


def _attribute_evidence(node: Node, name: str, value: Any) -> list[Evidence]:
    """Evidence the resolver attached to this attribute, else the node's own evidence that
    mentions the key, so a finding cites where the value came from."""
    top = name.split(".", 1)[0]
    cited = [e for e in node.evidence if e.key and (e.key == top or e.key.endswith(top) or top in e.key)]
    if cited:
        return cited
    record = node.attributes.get(top)
    if isinstance(record, dict) and isinstance(record.get("path"), str):
        # an analyser's record that names its input file (e.g. training_log from a loss log)
        scalars = {k: v for k, v in record.items() if isinstance(v, (str, int, float, bool)) and k != "path"}
        return [Evidence(path=record["path"], key=name, excerpt=_short(record.get("reason") or value), detail=scalars)]
    return [Evidence(path=f"graph:{node.id}", key=name, excerpt=_short(value))]


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


# -- country tests -------------------------------------------------------------------------------


def _country_test(getter: Callable[[Context], str | None], mode: str) -> Callable[[Any, Where, Compiled], Condition]:
    def build(value: Any, where: Where, info: Compiled) -> Condition:
        want = _expect_bool(value, where)
        info.uses_home_country = True

        def run(ctx: Context) -> Match | None:
            country = getter(ctx)
            home = ctx.scan.home_country
            if mode == "known":
                return _holds((country is not None) == want)
            if country is None or home is None:
                return None  # unknown is neither foreign nor domestic
            foreign = country != home
            return _holds(foreign == want if mode == "foreign" else (not foreign) == want)

        return Predicate(run)

    return build


def _supplier_country(ctx: Context) -> str | None:
    return ctx.scan.country_of(ctx.node)


def _licensor_country(ctx: Context) -> str | None:
    view = ctx.scan.licence(ctx.node)
    if not view.known:
        return None
    if view.licensor_country:
        return view.licensor_country
    if view.licensor_is_releaser:
        return ctx.scan.country_of(ctx.node)
    return None


def _law_country(ctx: Context) -> str | None:
    view = ctx.scan.licence(ctx.node)
    return view.law_country if view.known else None


# -- licence tests -------------------------------------------------------------------------------


def _build_licence_declared(value: Any, where: Where, info: Compiled) -> Condition:
    want = _expect_bool(value, where)
    return Predicate(lambda ctx: _holds((ctx.node.licence is not None) == want))


def _build_licence_known(value: Any, where: Where, info: Compiled) -> Condition:
    """`licence.known: false` holds for a declared licence the knowledge base does not know
    (a node with no licence at all is `licence.declared: false`, not unknown)."""
    want = _expect_bool(value, where)

    def run(ctx: Context) -> Match | None:
        if ctx.node.licence is None:
            return None
        view = ctx.scan.licence(ctx.node)
        if view.known != want:
            return None
        ev = [Evidence(path=f"graph:{ctx.node.id}", key="licence", excerpt=str(ctx.node.licence))]
        return Match(evidence=ev)

    return Predicate(run)


def _build_licence_fact(value: Any, where: Where, info: Compiled, *, any_of: bool) -> Condition:
    if any_of:
        facts = _expect_str_list(value, where, list(FACT_VOCABULARY))
    else:
        if not isinstance(value, str) or not value:
            raise where.error(f"expected one fact name; got {_describe(value)}")
        facts = _expect_str_list(value, where, list(FACT_VOCABULARY))

    def run(ctx: Context) -> Match | None:
        view = ctx.scan.licence(ctx.node)
        held = view.facts(facts)
        if not held:
            return None
        m = Match(evidence=[view.evidence(f) for f in held])
        clause = view.clause(held[0])
        m.bindings["fact"] = clause.as_template() if clause else {"name": held[0]}
        m.bindings["facts"] = list(held)
        return m

    return Predicate(run)


def _build_licensor_control(value: Any, where: Where, info: Compiled) -> Condition:
    """`licence.licensor_control: true`: the licensor can terminate (by its own decision), revoke,
    amend, update an incorporated policy or restrict remotely. Binds every such fact."""
    want = _expect_bool(value, where)

    def run(ctx: Context) -> Match | None:
        view = ctx.scan.licence(ctx.node)
        if not view.known:
            return None
        held = view.control_facts()
        if bool(held) != want:
            return None
        if not held:
            return Match()
        m = Match(evidence=[view.evidence(f) for f in held])
        clause = view.clause(held[0])
        m.bindings["fact"] = clause.as_template() if clause else {"name": held[0]}
        m.bindings["facts"] = list(held)
        return m

    return Predicate(run)


def _build_licence_clause(value: Any, where: Where, info: Compiled) -> Condition:
    """`licence.clause: {fact: <f or list>, detail: <name>, <test>: <value>}`: the licence has
    the clause and the clause's detail passes the test (e.g. `{fact: commercial_gate, detail:
    discretion, equals: true}`). Without `detail`, it is `licence.any_fact`."""
    if not isinstance(value, dict) or "fact" not in value:
        raise where.error(
            "expected {fact: <fact or list>, detail: <detail name>, <test>: <value>}; "
            f"got {_describe(value)}"
        )
    facts = _expect_str_list(value["fact"], where.at("fact"), list(FACT_VOCABULARY))
    test = None
    if "detail" in value:
        spec = {k: v for k, v in value.items() if k != "fact"}
        spec["name"] = spec.pop("detail")
        _name, test = _compile_value_test(spec, where, info, "clause detail")
    elif set(value) != {"fact"}:
        raise where.error("a clause test needs 'detail' naming the clause detail it tests")
    detail_name = value.get("detail")

    def run(ctx: Context) -> Match | None:
        view = ctx.scan.licence(ctx.node)
        held = []
        for fact in view.facts(facts):
            clause = view.clause(fact)
            if test is not None:
                details = clause.details if clause else {}
                present = detail_name in details and details[detail_name] is not None
                if not test(ctx.scan, present, details.get(detail_name)):
                    continue
            held.append(fact)
        if not held:
            return None
        m = Match(evidence=[view.evidence(f) for f in held])
        clause = view.clause(held[0])
        m.bindings["fact"] = clause.as_template() if clause else {"name": held[0]}
        m.bindings["facts"] = held
        return m

    return Predicate(run)


def _build_licensor_is_target_supplier(value: Any, where: Where, info: Compiled) -> Condition:
    """`licensor.is_target_supplier`: the licence is granted by the scanned model's own supplier
    (its own licence binds nobody else). The licensor is the knowledge base's licensor entity,
    or the node's supplier for licences whose licensor is whoever releases the work. An
    unknown licensor is not the target's supplier."""
    want = _expect_bool(value, where)

    def run(ctx: Context) -> Match | None:
        view = ctx.scan.licence(ctx.node)
        if not view.known:
            return None
        licensor = org_of(ctx.node) if view.licensor_is_releaser else view.licensor_entity
        own = ctx.scan.same_org(licensor, org_of(ctx.scan.target))
        return _holds(own == want)

    return Predicate(run)


def _build_licence_category(value: Any, where: Where, info: Compiled) -> Condition:
    cats = {c.casefold() for c in _expect_str_list(value, where)}

    def run(ctx: Context) -> Match | None:
        view = ctx.scan.licence(ctx.node)
        return _holds(view.known and str(view.category or "").casefold() in cats)

    return Predicate(run)


def _build_licence_osi(value: Any, where: Where, info: Compiled) -> Condition:
    want = _expect_bool(value, where)

    def run(ctx: Context) -> Match | None:
        view = ctx.scan.licence(ctx.node)
        return _holds(view.known and view.osi_approved is not None and bool(view.osi_approved) == want)

    return Predicate(run)


def _build_facts_status(value: Any, where: Where, info: Compiled) -> Condition:
    states = set(_expect_str_list(value, where, ["complete", "partial", "unverified"]))

    def run(ctx: Context) -> Match | None:
        view = ctx.scan.licence(ctx.node)
        return _holds(view.known and view.facts_status in states)

    return Predicate(run)


def _build_differs_from_target(value: Any, where: Where, info: Compiled) -> Condition:
    want = _expect_bool(value, where)

    def run(ctx: Context) -> Match | None:
        mine = ctx.scan.licence(ctx.node)
        theirs = ctx.scan.licence(ctx.scan.target)
        a = mine.key or mine.declared
        b = theirs.key or theirs.declared
        if a is None or b is None:
            return None
        return _holds((str(a).casefold() != str(b).casefold()) == want)

    return Predicate(run)


# -- duties --------------------------------------------------------------------------------------

_DUTY_CHECKS = ("licence_copy", "attribution_notice", "built_with", "name_prefix")


def duty_status(scan: Scan, licensor_side: Node, fact: str) -> tuple[str, dict[str, Any], list[Evidence]]:
    """Whether the target honours `fact` of `licensor_side`'s licence.

    Returns (`met` | `unmet` | `unknown` | `none`, template values, evidence). `none`: the
    licence has no such duty, the duty binds the target's own licence, or the knowledge base
    gives nothing specific to check (e.g. a notice duty without a notice text). `unknown`: the
    resolver did not give the target attribute the check needs.
    """
    target = scan.target
    view = scan.licence(licensor_side)
    if licensor_side.id == target.id or not view.has(fact):
        return "none", {}, []
    clause = view.clause(fact)
    details = clause.details if clause else {}
    values: dict[str, Any] = {"fact": fact, "licence": view.key}
    evidence = [view.evidence(fact)]
    attrs = target.attributes
    if fact == "licence_copy":
        detected = attrs.get("detected_licences")
        if detected is None:
            return "unknown", {**values, "needs": "detected_licences"}, evidence
        keys = {str(k).casefold() for k in detected}
        wanted = {str(k).casefold() for k in (view.key, view.declared) if k}
        values["shipped"] = list(detected)
        return ("met" if keys & wanted else "unmet"), values, evidence
    if fact == "name_prefix":
        prefix = details.get("prefix")
        if not prefix:
            return "none", values, evidence
        name = target.name.split("/")[-1]
        values.update(text=prefix, name=name)
        return ("met" if name.casefold().startswith(str(prefix).casefold()) else "unmet"), values, evidence
    if fact in ("built_with", "attribution_notice"):
        text = details.get("text")
        if not text:
            return "none", values, evidence
        values["text"] = text
        sources = ["card_text"] if fact == "built_with" else ["notice_text", "card_text"]
        haystacks = [attrs[s] for s in sources if isinstance(attrs.get(s), str)]
        if not haystacks:
            return "unknown", {**values, "needs": " or ".join(sources)}, evidence
        if any(_contains_text(h, str(text)) for h in haystacks):
            return "met", values, evidence
        if any(h.rstrip().endswith("…") for h in haystacks) or attrs.get("card_text_truncated"):
            # the text we hold is cut short: not finding the statement proves nothing
            return "unknown", {**values, "needs": "the full " + " or ".join(sources)}, evidence
        return "unmet", values, evidence
    return "none", values, evidence


def _normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\"'“”‘’`*_]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _contains_text(haystack: str, needle: str) -> bool:
    """Every literal fragment of `needle` (split at `[placeholders]`) appears in `haystack`."""
    hay = _normalise_text(haystack)
    fragments = [f for f in (_normalise_text(p) for p in re.split(r"\[[^\]]*\]", needle)) if f]
    return bool(fragments) and all(f in hay for f in fragments)


def _build_duty(value: Any, where: Where, info: Compiled) -> Condition:
    if not isinstance(value, dict) or set(value) - {"fact", "status"} or "fact" not in value:
        raise where.error(
            "expected {fact: <licence_copy|attribution_notice|built_with|name_prefix>, "
            f"status: <unmet|unknown|met>}}; got {_describe(value)}"
        )
    facts = _expect_str_list(value["fact"], where.at("fact"), list(_DUTY_CHECKS))
    statuses = set(_expect_str_list(value.get("status", "unmet"), where.at("status"), ["met", "unmet", "unknown"]))

    def run(ctx: Context) -> Match | None:
        m: Match | None = None
        for fact in facts:
            status, values, evidence = duty_status(ctx.scan, ctx.node, fact)
            if status not in statuses:
                continue
            if m is None:
                m = Match()
                m.bindings["duty"] = {**values, "status": status, "all": []}
                clause = ctx.scan.licence(ctx.node).clause(fact)
                if clause is not None:
                    m.bindings["fact"] = clause.as_template()
            m.bindings["duty"]["all"].append(fact)
            m.evidence.extend(e for e in evidence if e not in m.evidence)
        return m

    return Predicate(run)


# -- edge tests ----------------------------------------------------------------------------------


def _needs_edge(ctx: Context) -> Edge | None:
    return ctx.edge


def _build_relation(value: Any, where: Where, info: Compiled) -> Condition:
    info.note_edge_test(where)
    relations = expand_relations(value, where)

    def run(ctx: Context) -> Match | None:
        edge = _needs_edge(ctx)
        return _holds(edge is not None and edge.relation in relations)

    return Predicate(run)


def _build_confidence(value: Any, where: Where, info: Compiled) -> Condition:
    ops = ("gte", "gt", "lte", "lt")
    if not isinstance(value, dict) or not value or set(value) - set(ops):
        raise where.error(f"expected a mapping of {', '.join(ops)} to a number or $parameter; got {_describe(value)}")
    limits = {op: _number_or_param(v, where.at(op), info) for op, v in value.items()}
    info.note_edge_test(where)

    def run(ctx: Context) -> Match | None:
        edge = _needs_edge(ctx)
        if edge is None:
            return None
        c = edge.confidence
        for op, raw in limits.items():
            limit = ctx.scan.param(raw)
            if limit is None:
                return None
            ok = {"gte": c >= limit, "gt": c > limit, "lte": c <= limit, "lt": c < limit}[op]
            if not ok:
                return None
        return Match()

    return Predicate(run)


def _build_edge_attr(value: Any, where: Where, info: Compiled) -> Condition:
    name, test = _compile_value_test(value, where, info, "edge attribute")
    info.note_edge_test(where)

    def run(ctx: Context) -> Match | None:
        edge = _needs_edge(ctx)
        if edge is None:
            return None
        current: Any = edge.attributes
        present = True
        for part in name.split("."):
            if isinstance(current, dict) and part in current:
                current = current[part]
            else:
                present, current = False, None
                break
        return _holds(test(ctx.scan, present and current is not None, current))

    return Predicate(run)


# -- scope and path tests ------------------------------------------------------------------------


def _build_scope(which: str) -> Callable[[Any, Where, Compiled], Condition]:
    def build(value: Any, where: Where, info: Compiled) -> Condition:
        if which != "target":
            info.note_edge_test(where)
        inner = compile_condition(value, where, info)

        def run(ctx: Context) -> Match | None:
            if which == "target":
                node = ctx.scan.target
            elif ctx.edge is None:
                return None
            else:
                node = ctx.scan.graph.node(ctx.edge.source if which == "source" else ctx.edge.target)
            return inner.match(ctx.focus(node))

        return Predicate(run)

    return build


def _build_reachable(value: Any, where: Where, info: Compiled) -> Condition:
    """Some node reachable from the focus through `via` within `max_hops` matches `where`."""
    allowed = {"via", "max_hops", "where"}
    if not isinstance(value, dict) or "where" not in value or set(value) - allowed:
        raise where.error(
            f"expected {{via: [relations], max_hops: <n or $param>, where: <condition>}}; got {_describe(value)}"
        )
    via = expand_relations(value.get("via", "dependency"), where.at("via"))
    hops: Any = value.get("max_hops", "$max_hops")
    if isinstance(hops, bool) or not (isinstance(hops, int) or isinstance(hops, str)):
        raise where.at("max_hops").error(f"expected a whole number or $parameter; got {_describe(hops)}")
    if isinstance(hops, str):
        _number_or_param(hops, where.at("max_hops"), info)
    outer, info.in_path = info.in_path, True
    try:
        inner = compile_condition(value["where"], where.at("where"), info)
    finally:
        info.in_path = outer

    def run(ctx: Context) -> Match | None:
        limit = int(ctx.scan.param(hops) or 8)
        reached = reachable(ctx.scan.graph, ctx.node.id, via, limit)
        for nid, edges in sorted(reached.items(), key=lambda kv: (len(kv[1]), kv[0])):
            node = ctx.scan.graph.node(nid)
            sub = Context(ctx.scan, node, edges[-1] if edges else None, ctx.path + tuple(edges))
            m = inner.match(sub)
            if m is not None:
                found = Match(edges=list(edges))
                found.bindings["ancestor"] = node
                return found.merge(m)
        return None

    return Predicate(run)


def reachable(graph: ModelGraph, start: str, relations: frozenset[Relation], max_hops: int) -> dict[str, list[Edge]]:
    """Nodes reachable from `start` through `relations` within `max_hops`, with the shortest
    edge path to each. Edges marked `norm_only` (similarity of normalisation weights alone) are
    never followed: they are not evidence that anything was taken over."""
    return graph.paths_from(start, relations, max_hops, follow=lambda e: e.attributes.get("norm_only") is not True)


_BUILDERS: dict[str, Callable[[Any, Where, Compiled], Condition]] = {
    "all": _build_list(AllOf),
    "any": _build_list(AnyOf),
    "not": _build_not,
    "kind": _build_kind,
    "is_target": _build_is_target,
    "resolved": _build_resolved,
    "same_supplier": _build_same_supplier,
    "attr": _build_attr,
    "supplier.foreign": _country_test(_supplier_country, "foreign"),
    "supplier.domestic": _country_test(_supplier_country, "domestic"),
    "supplier.known": _country_test(_supplier_country, "known"),
    "licensor.foreign": _country_test(_licensor_country, "foreign"),
    "licensor.domestic": _country_test(_licensor_country, "domestic"),
    "licensor.known": _country_test(_licensor_country, "known"),
    "licensor.is_target_supplier": _build_licensor_is_target_supplier,
    "governing_law.foreign": _country_test(_law_country, "foreign"),
    "licence.declared": _build_licence_declared,
    "licence.known": _build_licence_known,
    "licence.fact": lambda v, w, i: _build_licence_fact(v, w, i, any_of=False),
    "licence.any_fact": lambda v, w, i: _build_licence_fact(v, w, i, any_of=True),
    "licence.clause": _build_licence_clause,
    "licence.licensor_control": _build_licensor_control,
    "licence.category": _build_licence_category,
    "licence.osi_approved": _build_licence_osi,
    "licence.facts_status": _build_facts_status,
    "licence.differs_from_target": _build_differs_from_target,
    "duty": _build_duty,
    "relation": _build_relation,
    "confidence": _build_confidence,
    "edge_attr": _build_edge_attr,
    "source": _build_scope("source"),
    "upstream": _build_scope("upstream"),
    "target": _build_scope("target"),
    "reachable": _build_reachable,
}

CONDITION_KEYS = tuple(sorted(_BUILDERS))
