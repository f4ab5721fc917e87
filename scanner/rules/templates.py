"""Finding messages: rule text with `{{ node.name }}`-style placeholders, rendered in a sandbox.

Rule files are data written by reviewers, so their templates run in jinja2's
`SandboxedEnvironment` (no attribute access to Python internals, no `eval`). Templates are
checked when the pack loads: syntax, and only the documented variables.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

#: Variables a message or remediation may use (documented in rules/README.md).
TEMPLATE_VARIABLES = frozenset(
    {
        "node",  # the finding's node (for `for: edge`, the edge's source)
        "edge",  # the subject edge (for: edge) or the last edge of the path
        "source",
        "upstream",  # the edge's target: what the node depends on
        "target",  # the scanned model
        "licence",  # the node's licence view
        "fact",  # the clause fact a licence test or duty matched
        "facts",  # names of all matched facts
        "ancestor",  # the node a `reachable` test found
        "duty",  # {fact, status, text, licence, ...} of a duty test
        "params",  # the pack's parameters
        "path",  # names of the nodes on the path from the target
        "confidence",
        "rule",
    }
)

_ENV = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=2048)
def check_template(text: str) -> str | None:
    """Return a problem with `text` as a message template, or None when it is fine."""
    try:
        parsed = _ENV.parse(text)
    except TemplateSyntaxError as exc:
        return f"template syntax error on template line {exc.lineno}: {exc.message}"
    unknown = sorted(meta.find_undeclared_variables(parsed) - TEMPLATE_VARIABLES)
    if unknown:
        return (
            f"unknown template variable(s) {', '.join(unknown)}; "
            f"expected among {', '.join(sorted(TEMPLATE_VARIABLES))}"
        )
    return None


@lru_cache(maxsize=2048)
def _compiled(text: str):
    return _ENV.from_string(text)


def render(text: str, values: dict[str, Any]) -> str:
    """Render a checked template; a render failure gives the raw text plus the reason, never a
    crash (the finding still stands)."""
    try:
        return " ".join(_compiled(text).render(**values).split())
    except Exception as exc:  # odd attribute values from a graph must not crash a scan
        return f"{text} [message could not be rendered: {type(exc).__name__}: {exc}]"
