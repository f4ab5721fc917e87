"""Python packages a code repository depends on, from `requirements*.txt` and `pyproject.toml`.

Why: remote code imports packages, and their licences join the model's dependency graph
(`package:pypi/<name>` nodes). Parsing uses `packaging` (PEP 508) so names are normalised the
way pip compares them; lines pip accepts but that are not requirements (options, includes,
local paths, URLs) are reported, not guessed at.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from scanner.extractors.interface import ExtractionError, excerpt
from scanner.model import Evidence


@dataclass(frozen=True)
class PackageRequirement:
    name: str  # canonical (PEP 503) name
    specifier: str  # "" when unpinned
    extras: tuple[str, ...]
    marker: str | None
    group: str  # "main", an optional-dependency group, "dev"...
    path: str
    line: int | None
    excerpt: str

    @property
    def node_id(self) -> str:
        return f"package:pypi/{self.name}"

    def evidence(self) -> Evidence:
        return Evidence(path=self.path, line=self.line, key=self.group, excerpt=self.excerpt,
                        detail={"specifier": self.specifier} if self.specifier else {})


def is_requirements_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return bool(re.match(r"^requirements([-_.][\w.-]*)?\.(txt|in)$", name))


def _requirement(text: str, group: str, path: str, line: int | None, raw: str) -> PackageRequirement:
    req = Requirement(text)
    return PackageRequirement(
        name=canonicalize_name(req.name),
        specifier=str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker else None,
        group=group,
        path=path,
        line=line,
        excerpt=excerpt(raw),
    )


def parse_requirements(text: str, path: str = "requirements.txt") -> tuple[list[PackageRequirement], list[tuple[int, str]]]:
    """Requirements of a pip requirements file, and `(line, problem)` for lines that are not."""
    reqs: list[PackageRequirement] = []
    skipped: list[tuple[int, str]] = []
    joined: list[tuple[int, str]] = []
    buf, start = "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = no
        if raw.rstrip().endswith("\\"):
            buf += raw.rstrip()[:-1] + " "
            continue
        joined.append((start, buf + raw))
        buf = ""
    if buf:
        joined.append((start, buf))
    for no, raw in joined:
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if line.startswith("-"):
            skipped.append((no, f"pip option not followed: {excerpt(line, 80)}"))
            continue
        if line.startswith((".", "/", "~")) or "://" in line.split(";")[0] and " @ " not in line:
            skipped.append((no, f"local path or URL, not a package index requirement: {excerpt(line, 80)}"))
            continue
        line = re.split(r"\s+--hash", line)[0]
        try:
            reqs.append(_requirement(line, "main", path, no, raw.strip()))
        except InvalidRequirement as exc:
            skipped.append((no, f"not a valid requirement ({exc})"))
    return reqs, skipped


def parse_pyproject(text: str, path: str = "pyproject.toml") -> tuple[list[PackageRequirement], list[tuple[int, str]]]:
    """`[project]` dependencies and optional dependencies, and Poetry's dependency tables."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExtractionError(path, f"invalid TOML: {exc}") from None
    lines = text.splitlines()

    def line_of(fragment: str) -> int | None:
        for no, raw in enumerate(lines, 1):
            if fragment in raw:
                return no
        return None

    reqs: list[PackageRequirement] = []
    skipped: list[tuple[int, str]] = []

    def add(spec: str, group: str) -> None:
        no = line_of(spec) or line_of(spec.split(";")[0].strip())
        try:
            reqs.append(_requirement(spec, group, path, no, spec))
        except InvalidRequirement as exc:
            skipped.append((no or 0, f"not a valid requirement ({exc})"))

    project: dict[str, Any] = data.get("project") if isinstance(data.get("project"), dict) else {}
    for spec in project.get("dependencies") or []:
        if isinstance(spec, str):
            add(spec, "main")
    for group, specs in (project.get("optional-dependencies") or {}).items():
        for spec in specs if isinstance(specs, list) else []:
            if isinstance(spec, str):
                add(spec, str(group))
    for group, specs in (data.get("dependency-groups") or {}).items():
        for spec in specs if isinstance(specs, list) else []:
            if isinstance(spec, str):
                add(spec, str(group))
    poetry = ((data.get("tool") or {}).get("poetry") or {}) if isinstance(data.get("tool"), dict) else {}
    tables = [("main", poetry.get("dependencies")), ("dev", poetry.get("dev-dependencies"))]
    tables += [(str(g), (t or {}).get("dependencies")) for g, t in (poetry.get("group") or {}).items()]
    for group, table in tables:
        for name, spec in (table or {}).items() if isinstance(table, dict) else []:
            if str(name).lower() == "python":
                continue
            version = spec if isinstance(spec, str) else (spec.get("version", "") if isinstance(spec, dict) else "")
            no = line_of(f"{name}")
            try:
                req = Requirement(str(name))
            except InvalidRequirement as exc:
                skipped.append((no or 0, f"not a valid package name ({exc})"))
                continue
            reqs.append(PackageRequirement(canonicalize_name(req.name), _poetry_specifier(version), (), None, group, path,
                                           no, excerpt(lines[no - 1] if no else f"{name} = {spec}")))
    return reqs, skipped


def _poetry_specifier(version: str) -> str:
    """Poetry's `^1.2` / `~1.2` / `*` as the nearest PEP 440 specifier text (kept verbatim when unusual)."""
    v = version.strip()
    if not v or v == "*":
        return ""
    if v.startswith("^") or (v.startswith("~") and not v.startswith("~=")):
        return f">={v.lstrip('^~')}"
    return v
