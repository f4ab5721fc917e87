"""The Jinja environments of the human-readable reports.

HTML autoescapes everything (scan data is untrusted: model cards are written by anyone); the
Markdown environment does not autoescape HTML-style but every value from the scan goes through the
`md` filter (inline text) or `fence` (a code block), which neutralise both Markdown and HTML.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from scanner.reporters.i18n import translations

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~<>])")
#: Characters that only start a block (heading, list, quote, image) at the beginning of a value.
_MD_LEADING = re.compile(r"^([#+!-])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md_inline(value: object) -> str:
    """Text safe inside a Markdown paragraph, list item or table cell.

    HTML metacharacters become entities (GitHub would otherwise render `<img onerror=...>`),
    Markdown punctuation is backslash-escaped, and line breaks are folded so a value can neither
    end a table row nor start a heading or list."""
    text = " ".join(("" if value is None else str(value)).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_LEADING.sub(r"\\\1", text)
    text = _MD_ORDERED.sub(r"\1\\\2", text)
    return text.replace("&", "&amp;").replace("\\<", "&lt;").replace("\\>", "&gt;")


def md_fence(value: object, info: str = "text") -> str:
    """A fenced code block holding `value` verbatim (its fence is longer than any backtick run in it)."""
    text = "" if value is None else str(value)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def md_code(value: object) -> str:
    """An inline code span for identifiers (ids, paths, keys)."""
    text = " ".join(("" if value is None else str(value)).split())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    text = text.replace("|", "\\|")  # GFM tables split cells on `|` even inside code spans
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


@lru_cache(maxsize=None)
def environment(kind: str, lang: str) -> Environment:
    """`kind` is "html" (autoescaped) or "md"; gettext of `lang` is installed (new style, so
    `_("... %(n)s", n=1)` formats and, in HTML, escapes its arguments)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=kind == "html",
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["md"] = md_inline
    env.filters["fence"] = md_fence
    env.filters["code"] = md_code
    return env
