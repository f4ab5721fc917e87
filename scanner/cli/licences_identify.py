"""`sovscan licences identify FILE...`: which licences do these files contain?

Full licence texts (SPDX and AI-model licences) and `SPDX-License-Identifier:` tags are
reported with a score and the matched lines. A file that is missing or unreadable is named in
the output (JSON: an `error` field, `licences` empty) and the command exits 4 after reporting
every file, so one bad path never hides the results for the others.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from scanner.cli.exit_codes import ExitCode

#: Same ceiling as repository metadata: bigger files are not licence texts.
_MAX_BYTES = 16 * 1024 * 1024


def _read(path: Path) -> str:
    size = path.stat().st_size
    if size > _MAX_BYTES:
        raise OSError(f"file too large to be a licence text ({size} bytes)")
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise OSError("binary file (a PDF or other non-text document cannot be read as a licence)")
    return data.decode("utf-8", errors="replace")


def identify_file(path: Path) -> dict[str, Any]:
    """One output record: {"path", "licences": [...]} or with an "error"."""
    from scanner.licences.identify import identify_text, spdx_tags

    try:
        text = _read(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return {"path": str(path), "licences": [], "error": reason}
    matches = identify_text(text)
    tags = spdx_tags(text)
    return {"path": str(path), "licences": [m.to_dict() for m in [*matches, *tags]]}


def _table(records: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for rec in records:
        lines.append(rec["path"])
        if rec.get("error"):
            lines.append(f"  error: {rec['error']}")
            continue
        if not rec["licences"]:
            lines.append("  no licence identified (unknown: needs review)")
            continue
        lines.append(f"  {'licence':<34} {'score':>5}  {'lines':<11} {'matcher':<11} note")
        for m in rec["licences"]:
            notes = []
            if m.get("version"):
                notes.append(f"version {m['version']}")
            if m.get("modified"):
                extra = ", ".join(f"{a}-{b}" for a, b in m.get("extra", []))
                notes.append(f"MODIFIED from {m.get('base') or m['id']}" + (f" (added text at lines {extra})" if extra else ""))
            if m.get("alternatives"):
                notes.append("same text as " + ", ".join(m["alternatives"]))
            if m.get("includes"):
                notes.append("includes " + ", ".join(m["includes"]))
            if m.get("detail", {}).get("unknown_id"):
                notes.append("not an SPDX id")
            span = f"{m['span'][0]}-{m['span'][1]}"
            lines.append(f"  {m['id']:<34} {m['score']:>5.2f}  {span:<11} {m['matcher']:<11} {'; '.join(notes)}")
    return "\n".join(lines)


@click.command("identify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def identify(files: tuple[Path, ...], fmt: str) -> None:
    """Identify the licences in FILES (licence texts, notices, code with SPDX tags).

    Exit status 0 when every file was read, 4 when a file is missing or unreadable (it is
    still listed, with an error). A file with no recognisable licence is listed with an empty
    list: unknown, to be reviewed, never assumed permissive.
    """
    from scanner.licences.spdx_corpus import SpdxDataMissing

    try:
        records = [identify_file(p) for p in files]
    except SpdxDataMissing as exc:
        click.echo(f"sovscan: cannot identify licences: {exc} (reinstall sovscan with its dependencies)", err=True)
        raise click.exceptions.Exit(ExitCode.SCAN_ERROR) from None
    if fmt == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        click.echo(_table(records))
    failed = [r for r in records if r.get("error")]
    if failed:
        for r in failed:
            click.echo(f"sovscan: cannot read {r['path']}: {r['error']}", err=True)
        raise click.exceptions.Exit(ExitCode.SCAN_ERROR)
