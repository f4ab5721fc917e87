"""Translations and locale formatting for the human-readable reports (HTML, Markdown).

Why gettext `.po` catalogues read by Babel: translators edit the standard format with standard
tools, Jinja's i18n extension speaks gettext natively, and Babel also gives CLDR date and number
formats. The `.po` files are compiled in memory when first used, so a checkout and a wheel work
without a build step. Message ids are the English strings; English therefore needs no catalogue
entries, but it has one so that both languages go through the same path.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from scanner.reporters.interface import ReporterError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "sovscan"
LANGUAGES: dict[str, str] = {"en": "en_GB", "ko": "ko_KR"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here (translated where shown)."""
    return message


CRITERION_LABELS = {
    "technical": N_("Technical"),
    "policy": N_("Policy"),
    "ethics": N_("Ethics"),
}
OUTCOME_LABELS = {
    "pass": N_("Pass"),
    "fail": N_("Fail"),
    "review": N_("Needs review"),
}
SEVERITY_LABELS = {
    "fail": N_("Fail"),
    "review": N_("Review"),
    "info": N_("Info"),
}
#: The fixed clause-fact vocabulary of the licence knowledge base, as a reviewer reads it.
FACT_LABELS = {
    "terminate_on_breach": N_("Terminates on breach"),
    "terminate_on_litigation": N_("Terminates if you sue the licensor"),
    "terminate_at_will": N_("Licensor may terminate at will"),
    "revocable": N_("Revocable"),
    "unilateral_amendment": N_("Licensor may amend unilaterally"),
    "updatable_policy": N_("Incorporates a use policy the licensor can change"),
    "remote_restriction": N_("Licensor may restrict use remotely"),
    "field_of_use": N_("Field-of-use restrictions"),
    "non_commercial": N_("Non-commercial only"),
    "commercial_gate": N_("Commercial use above a threshold needs a separate licence"),
    "attribution_notice": N_("Attribution notice required"),
    "built_with": N_("\"Built with\" display required"),
    "name_prefix": N_("Derivative names must carry a prefix"),
    "licence_copy": N_("A copy of the licence must accompany distribution"),
    "propagation": N_("Restrictions flow down to derivatives"),
    "output_restriction": N_("Outputs may not train other models"),
    "geographic_exclusion": N_("Geographic exclusion"),
    "export_control": N_("Export-control clause"),
    "patent_termination": N_("Patent licence ends on patent suit"),
    "copyleft": N_("Copyleft (source disclosure)"),
}
KIND_LABELS = {
    "model": N_("Model"),
    "weights": N_("Weights component"),
    "tokenizer": N_("Tokenizer"),
    "code": N_("Code"),
    "dataset": N_("Dataset"),
    "package": N_("Package"),
}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ReporterError(f"unsupported report language {lang!r}; choose from {', '.join(sorted(LANGUAGES))}")
    return lang


@lru_cache(maxsize=None)
def translations(lang: str) -> Translations:
    """The compiled catalogue of `lang` (read from its `.po`, compiled to `.mo` in memory)."""
    check_language(lang)
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=LANGUAGES[lang], domain=DOMAIN)
    except (OSError, ValueError) as exc:
        raise ReporterError(f"cannot read message catalogue {po_path}: {exc}") from exc
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


class Localiser:
    """Everything locale-dependent a template needs: gettext, labels, dates and numbers."""

    def __init__(self, lang: str) -> None:
        self.lang = check_language(lang)
        self.locale = Locale.parse(LANGUAGES[lang])
        self.translations = translations(lang)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def label(self, table: dict[str, str], value: Any) -> str:
        key = str(value)
        return self.gettext(table[key]) if key in table else key

    def reason(self, verdict: Any) -> str:
        """The one-line reason of a criterion's outcome, in this language: the engine's own reason
        is English, so other languages phrase it from the deciding findings."""
        if self.lang == "en" and verdict.reason:
            return verdict.reason
        values = {"n": self.number(verdict.deciding), "rule": verdict.example_rule, "node": verdict.example_node}
        if verdict.outcome == "fail" and verdict.deciding:
            return self.gettext("%(n)s failing finding(s), first %(rule)s on %(node)s") % values
        if verdict.outcome == "review" and verdict.deciding:
            return self.gettext("%(n)s finding(s) to review, first %(rule)s on %(node)s") % values
        if verdict.outcome == "pass":
            return self.gettext("No rule failed and nothing is left to review.")
        return verdict.reason or self.gettext("No reason recorded.")

    def criterion(self, value: Any) -> str:
        return self.label(CRITERION_LABELS, value)

    def outcome(self, value: Any) -> str:
        return self.label(OUTCOME_LABELS, value)

    def severity(self, value: Any) -> str:
        return self.label(SEVERITY_LABELS, value)

    def fact(self, value: Any) -> str:
        return self.label(FACT_LABELS, value)

    def kind(self, value: Any) -> str:
        return self.label(KIND_LABELS, value)

    def datetime(self, iso: str) -> str:
        """An ISO timestamp as the locale's long date and a 24-hour UTC time; unparsable text is shown as is."""
        try:
            moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        except (TypeError, ValueError):
            return str(iso)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc)
        day = format_date(moment, format="long", locale=self.locale)
        return f"{day} {format_time(moment, 'HH:mm', tzinfo=timezone.utc, locale=self.locale)} UTC"

    def number(self, value: Any) -> str:
        try:
            return format_decimal(value, locale=self.locale)
        except (TypeError, ValueError, ArithmeticError):
            return str(value)

    def percent(self, value: Any) -> str:
        try:
            return format_percent(float(value), locale=self.locale)
        except (TypeError, ValueError):
            return str(value)
