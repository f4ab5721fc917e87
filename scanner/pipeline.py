"""One scan, end to end: source → extractors → resolver → analysers → rules → result.

The CLI calls `run_scan`; tests and other tools can too. Everything that can go wrong with the
*target as a whole* raises `ScanError` (exit code 4); everything that goes wrong with one file or
one upstream becomes a `ScanIssue` in the result and the scan goes on.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from scanner import __version__
from scanner.graph import Relation
from scanner.model import ScanIssue, ScanResult, Target
from scanner.sources.interface import SourceError, TargetNotFound


class ScanError(Exception):
    """The scan could not run at all (target missing, unreadable, empty)."""


class PolicyError(Exception):
    """The policy pack or waiver file is unusable (a usage error: exit code 2)."""


@dataclass(frozen=True)
class ScanOptions:
    target: str
    policy: str = "kr-sovereign-2026"
    revision: str | None = None
    repo_id: str | None = None
    depth: int = 8
    offline: bool | None = None
    reference_db: str | None = None
    training_log: str | None = None
    waivers: str | None = None
    today: date | None = None
    quiet: bool = True
    extra: dict = field(default_factory=dict)


def generated_timestamp() -> str:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible reports). A malformed value is an error,
    as the reproducible-builds specification asks: a report silently dated "now" is not reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        moment = datetime.now(tz=timezone.utc).replace(microsecond=0)
        return moment.isoformat().replace("+00:00", "Z")
    try:
        if not (epoch.isascii() and epoch.isdigit()):
            raise ValueError
        moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise ScanError(f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a Unix time in whole seconds") from None
    return moment.isoformat().replace("+00:00", "Z")


def repo_id_for_directory(path: Path) -> str:
    """Name a local repository: `org__name` and HF-cache `models--org--name` folders give the Hub
    id they mirror; any other folder is named after itself."""
    parts = [path.name] + [p.name for p in path.parents]
    for part in parts[:4]:
        if part.startswith(("models--", "datasets--")):
            pieces = part.split("--")
            if len(pieces) >= 3:
                return f"{pieces[1]}/{'--'.join(pieces[2:])}"
    if "__" in path.name:
        org, name = path.name.split("__", 1)
        if org and name:
            return f"{org}/{name}"
    return path.name


def printable(text: str) -> str:
    """`text` as valid Unicode: a path whose bytes are not UTF-8 reaches Python with surrogate
    escapes, which no report can encode; those bytes are shown as `\\xNN` instead."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")


def open_target(options: ScanOptions):
    """The source for the target (a local directory, a cache snapshot, or a Hub id)."""
    from scanner.sources.open import open_source

    try:
        source = open_source(options.target, revision=options.revision, offline=options.offline)
    except TargetNotFound as exc:
        raise ScanError(str(exc)) from None
    except SourceError as exc:
        raise ScanError(f"cannot open {options.target!r}: {exc}") from None
    except OSError as exc:  # e.g. a directory the user may not read (probed before any source check)
        raise ScanError(f"target {printable(options.target)!r} is not readable: {exc.strerror or exc}") from None
    if options.revision and source.kind == "local" and source.revision is None:
        # a plain folder has one state only: scanning it "at" a revision would report what was not asked for
        raise ScanError(f"--revision {options.revision!r} needs a Hub id, a cache folder or a git checkout; "
                        f"{printable(options.target)!r} is a plain directory")
    return source


def run_scan(options: ScanOptions) -> ScanResult:
    from scanner.analysers.gaps import gap_findings
    from scanner.analysers.weights_step import check_weights
    from scanner.resolver.build import build_graph, unresolved_nodes
    from scanner.rules import evaluate, load_pack, load_waivers
    from scanner.rules.verdict import decide

    try:
        pack = load_pack(options.policy)
        waivers = load_waivers(options.waivers) if options.waivers else None
    except Exception as exc:  # a bad pack or waiver file is the user's input: a usage error
        raise PolicyError(str(exc)) from exc

    generated = generated_timestamp()
    source = open_target(options)
    files = source.list_files()
    if not files:
        raise ScanError(f"target {options.target!r} contains no files to scan")
    repo_id = printable(options.repo_id or source.repo_id or repo_id_for_directory(Path(options.target)))

    build = build_graph(source, repo_id, depth=options.depth, offline=options.offline, quiet=options.quiet)
    graph, issues = build.graph, list(build.issues)

    issues.extend(check_weights(graph, source, options.reference_db, options.training_log, quiet=options.quiet))
    for path, problem in getattr(source, "undecodable", ()):  # text read only in part
        issues.append(ScanIssue(path=path, problem=problem, node=graph.root))
    issues.extend(_unchecked_weights(graph, [f.path for f in files]))
    for node_id in unresolved_nodes(graph):
        if all(e.relation == Relation.EVALUATED_ON for e in graph.in_edges(node_id)):
            continue  # a benchmark the model was scored on is not a dependency
        node = graph.node(node_id)
        reason = node.attributes.get("unresolved_reason", "not fetched")
        if not any(i.node == node_id for i in issues):
            issues.append(ScanIssue(path=node.name, problem=f"upstream not resolved: {reason}", node=node_id))

    evaluation = evaluate(graph, pack, waivers=waivers, today=options.today)
    issues = _dedupe(issues + list(evaluation.issues))
    findings = list(evaluation.findings)
    gaps = gap_findings(issues, graph)
    verdict = evaluation.verdict
    if gaps:  # what could not be read leaves its criteria open: never a pass
        findings.extend(gaps)
        verdict = decide(findings, float(pack.parameters["min_fail_confidence"]))
    return ScanResult(
        tool_version=__version__,
        target=Target(ref=printable(options.target), source=source.kind,
                      revision=printable(source.revision) if source.revision else source.revision),
        policy_id=pack.id,
        policy_version=str(pack.version),
        verdict=verdict,
        graph=graph.to_dict(),
        findings=findings,
        scan_issues=issues,
        generated=generated,
    )


#: weight formats the weights analyser does not fingerprint (pickles are reported by the resolver)
_UNCHECKED_WEIGHT_FORMATS = {
    ".gguf": "GGUF",
    ".onnx": "ONNX",
    ".h5": "TensorFlow HDF5",
    ".keras": "Keras",
    ".msgpack": "Flax msgpack",
    ".tflite": "TFLite",
    ".mlmodel": "Core ML",
}


def _unchecked_weights(graph, paths: list[str]) -> list[ScanIssue]:
    """Weights the scan could not fingerprint leave the technical criterion open, like pickles:
    a target with no weight file at all, and every weight file in a format that is not read."""
    root = graph.get(graph.root) if graph.root else None
    if root is None:
        return []
    out = []
    for path in paths:
        fmt = _UNCHECKED_WEIGHT_FORMATS.get(os.path.splitext(path)[1].lower())
        if fmt:
            out.append(ScanIssue(path=path, node=root.id, criteria=("technical",),
                                 problem=f"{fmt} weights are not fingerprinted: provenance of these weights is unchecked"))
    openness = root.attributes.get("openness")
    if not out and not (isinstance(openness, dict) and openness.get("weights")):
        out.append(ScanIssue(path=".", node=root.id, criteria=("technical",),
                             problem="no weight files (safetensors, PyTorch or GGUF) in the target, so its weights "
                                     "could not be checked for inherited parts"))
    return out


def _dedupe(issues: list[ScanIssue]) -> list[ScanIssue]:
    seen: set[tuple] = set()
    out: list[ScanIssue] = []
    for issue in issues:
        if printable(issue.path) != issue.path or printable(issue.problem) != issue.problem:
            issue = dataclasses.replace(issue, path=printable(issue.path), problem=printable(issue.problem))
        key = (issue.path, issue.problem, issue.node)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out
