"""Where the Python code of a model repository came from: headers, SPDX tags, copy comments,
and `auto_map` entries that run another repository's code.

Why: remote code ships with the weights and carries its own licence and notices. A modeling
file "Copied from transformers.models.llama…" or "Adapted from" a Qwen file owes that project's
notice (ethics criterion), and an `auto_map` entry `org/repo--module.Class` makes loading the
model run code from another repository (policy criterion: a dependency the other party
controls). Pure functions over file text; the resolver turns results into `code:` nodes and
`copies_code_from` / `runs_remote_code_of` edges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.extractors.interface import excerpt
from scanner.model import Evidence

#: Python files of a repository larger than this are not scanned for headers.
MAX_CODE_BYTES = 2 * 1024 * 1024
#: How many lines of a file are searched for copyright and licence headers.
HEADER_LINES = 60


@dataclass(frozen=True)
class CodeOrigin:
    """One statement of origin in a code file. `origin_project` is where the code came from
    (`transformers`, `github.com/org/repo`...) or None for the file's own header; `holder` the
    copyright holder; `licence` an SPDX id when stated."""

    origin_project: str | None
    holder: str | None
    licence: str | None
    path: str
    line: int
    excerpt: str
    kind: str  # copyright | spdx | licence_header | copied_from | adapted_from
    target: str | None = None  # the copied object (`transformers.models.llama.modeling_llama.LlamaRMSNorm`)

    def evidence(self) -> Evidence:
        detail = {k: v for k, v in (("origin_project", self.origin_project), ("holder", self.holder),
                                    ("licence", self.licence), ("target", self.target)) if v}
        return Evidence(path=self.path, line=self.line, key=self.kind, excerpt=self.excerpt, detail=detail)


@dataclass(frozen=True)
class RemoteCodeClaim:
    """`auto_map[key]` names code in another repository: loading the model runs `repo_id`'s code."""

    repo_id: str
    module: str
    class_name: str
    key: str
    evidence: Evidence


_COPYRIGHT = re.compile(
    r"copyright\s*(?:\(c\)|©)?\s*(?:(?:\d{4})(?:\s*[-–,]\s*(?:\d{4}|present))*)?[\s,]*(?:by\s+)?(?P<holder>[^\n]*)",
    re.IGNORECASE,
)
_SPDX = re.compile(r"SPDX-License-Identifier:\s*(?P<id>[A-Za-z0-9.+\-() ]+?)\s*(?:\*/|-->|$)")
_COPIED = re.compile(r"#\s*Copied from\s+(?P<target>[\w.]+)(?P<rest>[^\n]*)", re.IGNORECASE)
_ADAPTED = re.compile(
    r"#\s*(?:This (?:code|file) (?:is|was) )?(?P<verb>adapted|modified|borrowed|taken|ported|derived)\s+from[:\s]+(?P<what>[^\n]+)",
    re.IGNORECASE,
)
_URL_PROJECT = re.compile(r"https?://(?:www\.)?(github\.com|gitlab\.com|huggingface\.co)/([\w.-]+)/([\w.-]+)")
_LICENCE_HEADERS = (
    (re.compile(r"Licensed under the Apache License,? Version 2\.0", re.IGNORECASE), "Apache-2.0"),
    (re.compile(r"\bMIT License\b|Permission is hereby granted, free of charge", re.IGNORECASE), "MIT"),
    (re.compile(r"GNU General Public License", re.IGNORECASE), "GPL"),
    (re.compile(r"GNU Lesser General Public License", re.IGNORECASE), "LGPL"),
    (re.compile(r"BSD[- ]3[- ]Clause|Redistribution and use in source and binary forms", re.IGNORECASE), "BSD-3-Clause"),
)
_HOLDER_TRIM = re.compile(r"\s*(?:all rights reserved\.?|\.$|,$)\s*$", re.IGNORECASE)


def _project_of(text: str) -> str | None:
    m = _URL_PROJECT.search(text)
    if m:
        return f"{m.group(1)}/{m.group(2)}/{m.group(3).removesuffix('.git')}"
    m = re.match(r"\s*`?([A-Za-z_][\w]*)(?:\.[\w.]+)?", text)
    return m.group(1) if m else None


def code_origins(text: str, path: str) -> list[CodeOrigin]:
    """Copyright lines, SPDX tags and licence headers (first HEADER_LINES lines), and every
    "Copied from" / "Adapted from" / "Modified from" / "Borrowed from" comment in the file."""
    out: list[CodeOrigin] = []
    lines = text.splitlines()
    header_licence: str | None = None
    for no, line in enumerate(lines[:HEADER_LINES], 1):
        m = _SPDX.search(line)
        if m:
            header_licence = m.group("id").strip()
            out.append(CodeOrigin(None, None, header_licence, path, no, excerpt(line), "spdx"))
            continue
        for pattern, lic in _LICENCE_HEADERS:
            if pattern.search(line):
                header_licence = header_licence or lic
                out.append(CodeOrigin(None, None, lic, path, no, excerpt(line), "licence_header"))
                break
    for no, line in enumerate(lines[:HEADER_LINES], 1):
        stripped = line.strip().lstrip("#/*\"' ").strip()
        if not stripped.lower().startswith("copyright"):
            continue
        m = _COPYRIGHT.match(stripped)
        holder = m.group("holder").strip() if m else ""
        while holder and _HOLDER_TRIM.search(holder) and _HOLDER_TRIM.sub("", holder) != holder:
            holder = _HOLDER_TRIM.sub("", holder).strip()
        if holder and not holder.lower().startswith(("notice", "holder", "and license")):
            out.append(CodeOrigin(None, holder, header_licence, path, no, excerpt(line), "copyright"))
    for no, line in enumerate(lines, 1):
        m = _COPIED.search(line)
        if m:
            target = m.group("target").rstrip(".")
            out.append(CodeOrigin(target.split(".")[0], None, None, path, no, excerpt(line), "copied_from", target))
            continue
        m = _ADAPTED.search(line)
        if m:
            what = m.group("what").strip()
            out.append(CodeOrigin(_project_of(what), None, None, path, no, excerpt(line), "adapted_from", excerpt(what, 160)))
    return out


_AUTO_MAP_REMOTE = re.compile(r"^(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+)--(?P<module>[\w.]+)\.(?P<cls>\w+)$")


def auto_map_claims(auto_map: dict[str, object], own_id: str | None = None, path: str = "config.json",
                    line: int | None = None) -> list[RemoteCodeClaim]:
    """`auto_map` values of the form `org/repo--module.Class` (a list value: tokenizer pairs)."""
    out: list[RemoteCodeClaim] = []
    for key, value in sorted(auto_map.items()):
        for ref in value if isinstance(value, list) else [value]:
            if not isinstance(ref, str):
                continue
            m = _AUTO_MAP_REMOTE.match(ref.strip())
            if not m or (own_id and m.group("repo").lower() == own_id.lower()):
                continue
            ev = Evidence(path=path, line=line, key=f"auto_map.{key}", excerpt=excerpt(f'"{key}": "{ref}"'))
            out.append(RemoteCodeClaim(m.group("repo"), m.group("module"), m.group("cls"), key, ev))
    return out


def local_auto_map_modules(auto_map: dict[str, object]) -> list[str]:
    """Modules of this repository that `auto_map` loads (`modeling_x.Class` → `modeling_x.py`)."""
    mods: list[str] = []
    for value in auto_map.values():
        for ref in value if isinstance(value, list) else [value]:
            if isinstance(ref, str) and "--" not in ref and "." in ref:
                mods.append(ref.rsplit(".", 1)[0].replace(".", "/") + ".py")
    return sorted(set(mods))
