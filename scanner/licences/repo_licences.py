"""The licences a repository ships: LICENSE/NOTICE/COPYING files and the README's licence section.

The resolver calls `identify_repo_licences(source)` for every repository it visits. Licence
files are found by name (any case, with or without extension, also the names AI releases use:
`LICENSE-MODEL`, `MODEL_LICENSE`, `USE_POLICY.md`, `Tongyi Qianwen LICENSE AGREEMENT`,
`GEMMA_TERMS_OF_USE.md`), read through the source, and identified with `identify_text`.
A file that cannot be read as text (a PDF licence, a binary, an oversized file) becomes a
`ScanIssue`: the licence is then unknown and needs review, never assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from scanner.licences.identify import LicenceMatch, identify_text, spdx_tags
from scanner.licences.spdx_corpus import SpdxDataMissing
from scanner.model import Evidence, ScanIssue
from scanner.sources.interface import FileTooLarge, Source, SourceError

_LICENCE_NAME = re.compile(
    r"(licen[cs]e|copying|notice|copyright|unlicen[cs]e|use[_ -]?policy|terms[_ -]?of[_ -]?use|eula|agreement)",
    re.IGNORECASE,
)
_CODE_SUFFIXES = {".py", ".js", ".ts", ".go", ".rs", ".java", ".c", ".h", ".cpp", ".json", ".yaml", ".yml",
                  ".toml", ".cfg", ".ini", ".html", ".css", ".ipynb", ".sh", ".safetensors", ".bin", ".gguf"}
_UNREADABLE_SUFFIXES = {".pdf", ".doc", ".docx", ".odt", ".rtf", ".png", ".jpg", ".jpeg"}
_README = re.compile(r"^readme(\.(md|markdown|txt|rst))?$", re.IGNORECASE)
_MAX_DEPTH = 2  # top level and one folder down (e.g. LICENSES/, licenses/llama3/LICENSE)
_LICENCE_HEADING = re.compile(
    r"^(?P<hashes>#{1,6})[ \t]*(?:\W[ \t]*)?(?:licen[cs](?:e|es|ing)|licen[cs]e agreement|terms of use|许可|라이선스|라이센스)\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_ANY_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+\S", re.MULTILINE)
_LICENCE_UNDERLINED = re.compile(
    r"^[ \t]*(?:licen[cs](?:e|es|ing)|licen[cs]e agreement|terms of use)\b[^\n:]*\n[ \t]*(?:={3,}|-{3,}|~{3,})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FRONT_MATTER_END = re.compile(r"^---[ \t]*$", re.MULTILINE)
_ANY_UNDERLINED = re.compile(r"^[^\n\s][^\n]*\n[ \t]*(?:={3,}|-{3,}|~{3,})[ \t]*$", re.MULTILINE)
_MD_LINK = re.compile(r"\[(?P<text>[^\]\n]{1,200})\]\((?P<url>[^)\s]{1,500})\)")
_LICENSED_UNDER = re.compile(
    r"(?:licen[cs]ed|released|distributed|available)\s+under\s+(?:the\s+|an?\s+)?(?P<name>[A-Za-z0-9][\w .+\-]{1,80}?)"
    r"(?=\s*(?:\(|\[|\.\s|\.$|,|;|\n|$| and | or | for | with ))",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass
class FileLicences:
    """What one file says: its matches, or why it could not be read."""

    path: str
    matches: list[LicenceMatch] = field(default_factory=list)
    error: str | None = None
    section: tuple[int, int] | None = None  # README: the licence section's lines

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "licences": [m.to_dict() for m in self.matches]}
        if self.error:
            out["error"] = self.error
        if self.section:
            out["section"] = list(self.section)
        return out


@dataclass
class RepoLicences:
    """Licences detected in one repository, with evidence and the files it could not read."""

    files: list[FileLicences] = field(default_factory=list)
    readme: FileLicences | None = None
    evidence: list[Evidence] = field(default_factory=list)
    issues: list[ScanIssue] = field(default_factory=list)

    @property
    def licence_files(self) -> list[str]:
        return [f.path for f in self.files]

    @property
    def detected(self) -> list[str]:
        """Distinct licence ids found in licence files (full texts and tags), in file order."""
        seen: list[str] = []
        for f in self.files:
            for m in f.matches:
                if m.score > 0 and m.id not in seen:
                    seen.append(m.id)
        return seen

    @property
    def readme_declared(self) -> list[str]:
        if self.readme is None:
            return []
        out: list[str] = []
        for m in self.readme.matches:
            if m.score > 0 and m.id not in out:
                out.append(m.id)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "readme": self.readme.to_dict() if self.readme else None,
            "detected": self.detected,
            "issues": [i.to_dict() for i in self.issues],
        }


def is_licence_file(path: str) -> bool:
    """Whether a repository path names a licence, notice or use-policy document."""
    p = PurePosixPath(path)
    if len(p.parts) > _MAX_DEPTH:
        return False
    suffix = p.suffix.lower()
    if suffix in _CODE_SUFFIXES:
        return False
    parent_is_licences = len(p.parts) == 2 and re.fullmatch(r"licen[cs]es?", p.parts[0], re.IGNORECASE)
    return bool(_LICENCE_NAME.search(p.name)) or bool(parent_is_licences)


def licence_section(text: str) -> tuple[int, int, str] | None:
    """(first line, last line, text) of the README's licence section, if it has one.

    Markdown `#` headings and underlined (setext / reStructuredText) headings are understood; the
    section runs to the next heading of the same or a higher level.
    """
    body_start = 0
    if text.startswith("---"):  # YAML front matter (the model card) is not a section
        fm = _FRONT_MATTER_END.search(text, 3)
        body_start = fm.end() if fm else 0
    m = _LICENCE_HEADING.search(text, body_start)
    u = _LICENCE_UNDERLINED.search(text, body_start)
    if u is not None and (m is None or u.start() < m.start()):
        end = len(text)
        nxt = _ANY_UNDERLINED.search(text, u.end())
        hashes = _ANY_HEADING.search(text, u.end())
        candidates = [x.start() for x in (nxt, hashes) if x is not None]
        if candidates:
            end = min(candidates)
        start = u.start()
    elif m is not None:
        level = len(m.group("hashes"))
        end = len(text)
        for h in _ANY_HEADING.finditer(text, m.end()):
            if len(h.group("hashes")) <= level:
                end = h.start()
                break
        start = m.start()
    else:
        return None
    m_start = start
    first = text.count("\n", 0, m_start) + 1
    body = text[m_start:end]
    last = first + body.rstrip("\n").count("\n")
    return first, last, body


def _reference_matches(section: str, first_line: int) -> list[LicenceMatch]:
    """Licences a README section names or links to, looked up in the knowledge base."""
    try:
        from scanner.licences.knowledge import knowledge
    except ImportError:
        return []
    kb = knowledge()
    out: list[LicenceMatch] = []
    seen: set[str] = set()

    def add(value: str, start: int, end: int, how: str) -> None:
        value = value.strip().strip("*_`\"'")
        candidates = [value]
        low = value.lower()
        if low.startswith("the "):
            candidates.append(value[4:])
        if low.endswith(" license") or low.endswith(" licence"):
            candidates.append(value[: -len(" license")])
        facts = None
        for c in candidates:
            facts = kb.lookup(c) if c else None
            if facts is not None:
                break
        if facts is None or facts.key in seen:
            return
        seen.add(facts.key)
        from scanner.licences.identify import output_id

        line = first_line + section.count("\n", 0, start)
        out.append(
            LicenceMatch(
                id=output_id(facts), score=0.5, start_line=line, end_line=line, start_char=start, end_char=end,
                matcher="readme", version=getattr(facts, "version", None),
                excerpt=" ".join(section[start:end].split())[:160], name=getattr(facts, "name", ""),
                detail={"how": how, "value": value, "key": facts.key},
            )
        )

    for m in _MD_LINK.finditer(section):
        add(m.group("url"), m.start(), m.end(), "link")
        add(m.group("text"), m.start(), m.end(), "link text")
    for m in _LICENSED_UNDER.finditer(section):
        add(m.group("name"), m.start(), m.end(), "licensed under")
    return out


def _evidence(path: str, m: LicenceMatch) -> Evidence:
    detail: dict[str, Any] = {"licence": m.id, "matcher": m.matcher, "score": round(m.score, 3)}
    if m.version:
        detail["version"] = m.version
    if m.modified:
        detail["modified"] = True
        detail["extra_lines"] = [list(s) for s in m.extra]
    return Evidence(path=path, line=m.start_line or None, excerpt=m.excerpt, detail=detail)


def identify_repo_licences(source: Source) -> RepoLicences:
    """Licences shipped in `source`: per licence file and in the README licence section."""
    result = RepoLicences()
    try:
        files = source.list_files()
    except SourceError as exc:
        result.issues.append(ScanIssue(path=source.ref, problem=f"cannot list files: {exc}"))
        return result
    for f in files:
        if not is_licence_file(f.path):
            continue
        suffix = PurePosixPath(f.path).suffix.lower()
        if suffix in _UNREADABLE_SUFFIXES:
            problem = f"licence document is a {suffix[1:].upper()} file; its text cannot be read: review it by hand"
            result.files.append(FileLicences(path=f.path, error=problem))
            result.issues.append(ScanIssue(path=f.path, problem=problem))
            result.evidence.append(Evidence(path=f.path, excerpt="", detail={"unreadable": True}))
            continue
        try:
            data = source.read_bytes(f.path)
        except FileTooLarge as exc:
            problem = f"licence file too large to read: {exc}"
        except SourceError as exc:
            problem = f"licence file unreadable: {exc}"
        else:
            problem = None
            if b"\x00" in data[:4096]:
                problem = "licence file is binary, not text: review it by hand"
        if problem:
            result.files.append(FileLicences(path=f.path, error=problem))
            result.issues.append(ScanIssue(path=f.path, problem=problem))
            continue
        text = data.decode("utf-8", errors="replace")
        try:
            matches = identify_text(text) + spdx_tags(text)
        except SpdxDataMissing as exc:
            result.issues.append(ScanIssue(path=f.path, problem=f"licence texts unavailable, file not identified: {exc}"))
            result.files.append(FileLicences(path=f.path, error=str(exc)))
            continue
        result.files.append(FileLicences(path=f.path, matches=matches))
        result.evidence.extend(_evidence(f.path, m) for m in matches)
        if not matches and text.strip():
            result.issues.append(ScanIssue(path=f.path, problem="no known licence identified in this licence file: needs review"))

    readme = next((f for f in files if "/" not in f.path and _README.match(f.path)), None)
    if readme is not None:
        try:
            text = source.read_text(readme.path)
        except SourceError as exc:
            result.issues.append(ScanIssue(path=readme.path, problem=f"README unreadable: {exc}"))
        else:
            section = licence_section(text)
            if section is not None:
                first, last, body = section
                try:
                    matches = [_shift(m, first, text) for m in identify_text(body)]
                except SpdxDataMissing as exc:
                    result.issues.append(ScanIssue(path=readme.path, problem=f"licence texts unavailable: {exc}"))
                    matches = []
                matches += _reference_matches(body, first)
                result.readme = FileLicences(path=readme.path, matches=matches, section=(first, last))
                result.evidence.extend(_evidence(readme.path, m) for m in matches)
    return result


def _shift(m: LicenceMatch, first_line: int, whole: str) -> LicenceMatch:
    """A match found in a README section, re-based on the whole README's lines."""
    from dataclasses import replace

    offset = sum(len(line) for line in whole.splitlines(keepends=True)[: first_line - 1])
    return replace(
        m,
        start_line=m.start_line + first_line - 1,
        end_line=m.end_line + first_line - 1,
        start_char=m.start_char + offset,
        end_char=m.end_char + offset,
        extra=tuple((a + first_line - 1, b + first_line - 1) for a, b in m.extra),
    )
