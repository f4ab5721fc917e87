"""`sovscan fingerprint`: manage the reference store of weight fingerprints.

Reviewers fingerprint the models a target could have inherited from; `sovscan scan` then looks
the target's tensors up in the store. Exports are JSON Lines of hashes and sketches, so packs
can be shared without sharing weights.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Callable, Iterator

import click

from scanner.weights.fingerprint import fingerprint_checkpoint
from scanner.weights.safetensors_reader import SafetensorsError, open_checkpoint
from scanner.weights.store import ReferenceStore, StoreError
from scanner.weights.training_log import vocab_size_from_config

_db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Reference store (SQLite). Default: the sovscan user data directory "
    "(or $SOVSCAN_REFERENCE_DB).",
)


@contextlib.contextmanager
def byte_progress(total: int, description: str, quiet: bool = False) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar with bytes and throughput on stderr, only when stderr is a terminal
    and not quiet; yields the callback to report hashed bytes (thread-safe enough: rich locks)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def _open_store(db_path: Path | None) -> ReferenceStore:
    try:
        return ReferenceStore(db_path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("fingerprint")
def fingerprint() -> None:
    """Manage reference weight fingerprints (add, list, remove, export, import)."""


@fingerprint.command("add")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--id", "ref_id", required=True, help="Reference id, e.g. Qwen/Qwen2.5-VL-7B-Instruct.")
@click.option("--revision", default=None, help="Commit or tag the weights come from.")
@_db_option
@click.option("--keep-path/--no-keep-path", default=True, show_default=True,
              help="Remember the local path so scans can compare against the full weights.")
@click.option("--licence", "licence", default=None,
              help="The reference's licence (SPDX or Hub id, name or link); shown on the reference node in scans.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def add(source: Path, ref_id: str, revision: str | None, db_path: Path | None, keep_path: bool,
        licence: str | None, quiet: bool) -> None:
    """Fingerprint the safetensors weights in SOURCE (a model directory, a Hugging Face cache
    snapshot directory or repository folder `models--ORG--NAME`, or one .safetensors file) and
    store them as reference ID."""
    source, cached_revision = _resolve_cache_repo(source)
    revision = revision or cached_revision
    try:
        ckpt = open_checkpoint(source)
    except SafetensorsError as exc:
        raise click.ClickException(str(exc)) from exc
    if not ckpt.files:
        raise click.ClickException(f"{source}: no .safetensors files found (pickle weights are never read)")
    vocab = None
    config = (source if source.is_dir() else source.parent) / "config.json"
    if config.is_file():
        try:
            vocab = vocab_size_from_config(json.loads(config.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, AttributeError):
            vocab = None
    with ckpt, byte_progress(ckpt.total_bytes, f"hashing {ref_id}", quiet) as progress:
        fps = fingerprint_checkpoint(ckpt, progress=progress)
    with _open_store(db_path) as store:
        info = store.add(ref_id, fps, revision=revision, local_path=str(source.resolve()) if keep_path else None, vocab_size=vocab,
                         licence=licence)
        where = store.path
    excluded = len(fps) - info.tensor_count
    click.echo(f"added {ref_id}: {info.tensor_count} tensors indexed ({excluded} constant, tiny or buffer tensors left out) in {where}")


def _resolve_cache_repo(source: Path) -> tuple[Path, str | None]:
    """A Hugging Face cache repository folder (`models--org--name`) stands for the snapshot its
    `refs/main` points at (else its only snapshot); the commit is the revision."""
    snapshots = source / "snapshots"
    if not source.is_dir() or not snapshots.is_dir():
        return source, None
    ref = source / "refs" / "main"
    if ref.is_file():
        commit = ref.read_text(encoding="utf-8").strip()
        if (snapshots / commit).is_dir():
            return snapshots / commit, commit
    found = sorted(p for p in snapshots.iterdir() if p.is_dir())
    if len(found) == 1:
        return found[0], found[0].name
    raise click.ClickException(
        f"{source}: {len(found)} snapshots and no usable refs/main; give the snapshot directory itself"
    )


@fingerprint.command("list")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_(db_path: Path | None, as_json: bool) -> None:
    """List the references in the store."""
    with _open_store(db_path) as store:
        refs = store.references()
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in refs], indent=2))
        return
    if not refs:
        click.echo("no references")
        return
    for r in refs:
        click.echo(f"{r.id}\t{r.revision or '-'}\t{r.tensor_count} tensors\t{r.param_count} params\tadded {r.added}")


@fingerprint.command("remove")
@click.argument("ref_id", metavar="ID")
@_db_option
def remove(ref_id: str, db_path: Path | None) -> None:
    """Remove reference ID from the store."""
    with _open_store(db_path) as store:
        if not store.remove(ref_id):
            raise click.ClickException(f"no reference {ref_id!r} in {store.path}")
    click.echo(f"removed {ref_id}")


@fingerprint.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--id", "ref_ids", multiple=True, help="Export only these references (repeatable).")
@_db_option
def export(output: Path | None, ref_ids: tuple[str, ...], db_path: Path | None) -> None:
    """Export fingerprints as JSON Lines (hashes and sketches, no weights)."""
    with _open_store(db_path) as store:
        if output is None:
            n = store.export(sys.stdout, ref_ids or None)
        else:
            with open(output, "w", encoding="utf-8") as fh:
                n = store.export(fh, ref_ids or None)
    click.echo(f"exported {n} references", err=True)


@fingerprint.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_db_option
def import_(file: Path, db_path: Path | None) -> None:
    """Import fingerprints from a JSON Lines FILE written by `export`."""
    with _open_store(db_path) as store:
        try:
            with open(file, encoding="utf-8") as fh:
                ids = store.import_(fh, str(file))
        except (StoreError, UnicodeDecodeError) as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {len(ids)} references: {', '.join(ids)}")

