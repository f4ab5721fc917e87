"""Licence-identification benchmark: sovscan against ScanCode on the shared bench corpus.

    .venv/bin/python bench/licence_id.py --corpus ../shared/bench-corpus

Scores, per slice (category, kind) of `manifest.json`: *exact* (every expected slot found and
nothing else), *all found* (every slot found, extras allowed) and, on `none` files, *clean*
(nothing reported). A reported licence counts for a slot when its id, one of its identical-text
alternatives, or (for AI licences) its ScanCode key is in the slot; ids compare
case-insensitively without a `LicenseRef-scancode-` / `LicenseRef-` prefix.

Speed and memory are measured on worker subprocesses (`--jobs`, default 2 like ScanCode's
`-n 2`) with the index already cached: files/s over wall time, peak RSS from the operating
system (`getrusage(RUSAGE_CHILDREN)`), and start-up = wall time of identifying one small file
in a fresh interpreter (median of 5). ScanCode (scancode-toolkit from PyPI) is installed into
`bench/_work/scancode-venv` on first use and run with `-n 2` on every 10th file, in the same
run; if it cannot be installed the script says so and prints sovscan's figures alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / "_work"


def _norm(identifier: str) -> str:
    i = identifier.strip().lower()
    for prefix in ("licenseref-scancode-", "licenseref-"):
        if i.startswith(prefix):
            i = i[len(prefix) :]
    return i


# --- worker: runs inside a subprocess ------------------------------------------------------------


def worker(list_file: str, out_file: str) -> None:
    sys.path.insert(0, str(REPO))
    from scanner.licences.identify import identify_text

    paths = json.loads(Path(list_file).read_text())
    results: dict[str, list[list[str]]] = {}
    for root, rel in paths:
        text = (Path(root) / rel).read_text(encoding="utf-8", errors="replace")
        groups = []
        for m in identify_text(text):
            ids = [m.id, *m.alternatives]
            if m.scancode_key:
                ids.append(m.scancode_key)
            groups.append(ids)
        results[rel] = groups
    Path(out_file).write_text(json.dumps(results))


# --- scoring ---------------------------------------------------------------------------------------


def score_file(expected: dict[str, Any], groups: list[list[str]]) -> tuple[bool, bool]:
    """(all found, exact) for one file; groups = reported licences, each a list of synonyms."""
    got = [{_norm(i) for i in g} for g in groups]
    if not expected["expected"]:
        return (not got, not got)
    options = [expected["expected"], *expected.get("alt_expected", [])]
    all_found = exact = False
    for slots in options:
        sl = [{_norm(i) for i in s} for s in slots]
        found = all(any(g & s for g in got) for s in sl)
        clean = all(any(g & s for s in sl) for g in got)
        all_found |= found
        exact |= found and clean
    return all_found, exact


def table(manifest: dict[str, Any], results: dict[str, list[list[str]]]) -> dict[tuple[str, str], list[int]]:
    stats: dict[tuple[str, str], list[int]] = {}
    for rel, exp in manifest["files"].items():
        if rel not in results:
            continue
        found, exact = score_file(exp, results[rel])
        key = (exp["category"], exp["kind"])
        s = stats.setdefault(key, [0, 0, 0])
        s[0] += 1
        s[1] += found
        s[2] += exact
    return stats


# --- runners ---------------------------------------------------------------------------------------


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _peak_children_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return kb / 1024.0


def run_sovscan(corpus: Path, rels: list[str], jobs: int) -> tuple[dict[str, list[list[str]]], float, float, float]:
    tmp = Path(tempfile.mkdtemp(prefix="licid-", dir=WORK))
    cpu0 = _children_cpu()
    chunks = [rels[i::jobs] for i in range(jobs)]
    procs = []
    t0 = time.perf_counter()
    for n, chunk in enumerate(chunks):
        lf, of = tmp / f"list{n}.json", tmp / f"out{n}.json"
        lf.write_text(json.dumps([[str(corpus), r] for r in chunk]))
        procs.append((subprocess.Popen([sys.executable, __file__, "--worker", str(lf), str(of)]), of))
    results: dict[str, list[list[str]]] = {}
    for p, of in procs:
        if p.wait() != 0:
            raise SystemExit(f"sovscan worker failed (exit {p.returncode})")
        results.update(json.loads(of.read_text()))
    wall = time.perf_counter() - t0
    shutil.rmtree(tmp, ignore_errors=True)
    return results, wall, _peak_children_mb(), _children_cpu() - cpu0


def startup_seconds(sample: Path) -> tuple[float, float]:
    code = (
        "import sys; sys.path.insert(0, %r); from scanner.licences.identify import identify_text; "
        "identify_text(open(%r, encoding='utf-8').read())" % (str(REPO), str(sample))
    )
    times, cpus = [], []
    for _ in range(5):
        c0 = _children_cpu()
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
        cpus.append(_children_cpu() - c0)
    return statistics.median(times), statistics.median(cpus)


def cli_startup_seconds(sample: Path) -> float | None:
    exe = Path(sys.executable).with_name("sovscan")
    if not exe.exists():
        return None
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        r = subprocess.run([str(exe), "licences", "identify", str(sample)], capture_output=True)
        times.append(time.perf_counter() - t0)
        if r.returncode not in (0,):
            return None
    return statistics.median(times)


def _scancode_works(exe: Path) -> bool:
    try:
        return subprocess.run([str(exe), "--version"], capture_output=True, timeout=300).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_scancode() -> Path | None:
    """ScanCode in its own venv; pluggy is held below 1.6, whose hook checks break plugincode."""
    venv = WORK / "scancode-venv"
    exe = venv / "bin" / "scancode"
    if exe.exists() and _scancode_works(exe):
        return exe
    print("installing scancode-toolkit into bench/_work/scancode-venv (one time) ...", file=sys.stderr)
    try:
        if not (venv / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "scancode-toolkit", "pluggy<1.6"], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"ScanCode could not be installed ({exc}); printing sovscan figures alone.", file=sys.stderr)
        return None
    return exe if exe.exists() and _scancode_works(exe) else None


def _scancode_groups(file_rec: dict[str, Any]) -> list[list[str]]:
    from license_expression import Licensing

    licensing = Licensing()
    groups: list[list[str]] = []
    for det in file_rec.get("license_detections") or []:
        for m in det.get("matches") or []:
            keys = []
            for field_name in ("license_expression", "license_expression_spdx", "spdx_license_expression"):
                expr = m.get(field_name)
                if not expr:
                    continue
                try:
                    keys.append([str(k) for k in licensing.license_keys(licensing.parse(expr))])
                except Exception:
                    keys.append([expr])
            # pair the n-th ScanCode key with the n-th SPDX key of the same match
            if keys:
                width = max(len(k) for k in keys)
                for n in range(width):
                    groups.append([k[n] for k in keys if n < len(k)])
    # one group per distinct licence
    seen: dict[frozenset[str], list[str]] = {}
    for g in groups:
        seen.setdefault(frozenset(_norm(i) for i in g), g)
    return list(seen.values())


def run_scancode(exe: Path, corpus: Path, rels: list[str]) -> tuple[dict[str, list[list[str]]], float, float] | None:
    tmp = Path(tempfile.mkdtemp(prefix="scancode-", dir=WORK))
    src = tmp / "in"
    for rel in rels:
        dest = src / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / rel, dest)
    out = tmp / "out.json"
    before = _peak_children_mb()
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "--license", "-n", "2", "--quiet", "--json", str(out), str(src)],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    peak = _peak_children_mb()
    if proc.returncode != 0 or not out.exists():
        print(f"ScanCode failed (exit {proc.returncode}): {proc.stderr[-500:]}", file=sys.stderr)
        return None
    shutil.copyfile(out, WORK / "scancode-last.json")
    (WORK / "scancode-last.timing.json").write_text(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": max(peak, before), "files": len(rels)}))
    results = _parse_scancode(json.loads(out.read_text()))
    shutil.rmtree(tmp, ignore_errors=True)
    return results, wall, max(peak, before), cpu


def _parse_scancode(data: dict[str, Any]) -> dict[str, list[list[str]]]:
    results: dict[str, list[list[str]]] = {}
    for rec in data.get("files", []):
        if rec.get("type") != "file":
            continue
        rel = rec["path"].split("/", 1)[1] if "/" in rec["path"] else rec["path"]
        results[rel] = _scancode_groups(rec)
    return results


# --- report ------------------------------------------------------------------------------------------


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "-"


def markdown(ours: dict, theirs: dict | None, ours_sub: dict) -> str:
    rows = ["| slice | files | sovscan exact | sovscan all found | sovscan on ScanCode's files (exact) | ScanCode exact | ScanCode all found |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    keys = sorted(ours)
    for key in keys:
        n, f, e = ours[key]
        sub = ours_sub.get(key, [0, 0, 0])
        sc = theirs.get(key) if theirs else None
        label = f"{key[0]} / {key[1]}"
        what = "clean" if key[0] == "none" else "exact"
        rows.append(
            f"| {label} | {n} | {_pct(e, n)} | {_pct(f, n)} | {_pct(sub[2], sub[0])} ({sub[0]}) | "
            + (f"{_pct(sc[2], sc[0])} ({sc[0]}) | {_pct(sc[1], sc[0])} |" if sc else "- | - |")
            + ("" if what == "exact" else " ← none: exact = clean")
        )
    def total(stats: dict | None, category: str | None = None) -> list[int]:
        out = [0, 0, 0]
        for key, (n, f, e) in (stats or {}).items():
            if category is None or key[0] == category:
                out = [out[0] + n, out[1] + f, out[2] + e]
        return out

    for label, cat in (("all variants", "variant"), ("**all**", None)):
        o, sub, sc = total(ours, cat), total(ours_sub, cat), total(theirs, cat)
        rows.append(
            f"| {label} | {o[0]} | {_pct(o[2], o[0])} | {_pct(o[1], o[0])} | {_pct(sub[2], sub[0])} ({sub[0]}) | "
            + (f"{_pct(sc[2], sc[0])} ({sc[0]}) | {_pct(sc[1], sc[0])} |" if theirs else "- | - |")
        )
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(REPO.parent / "shared" / "bench-corpus"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-scancode", action="store_true")
    ap.add_argument("--scancode-every", type=int, default=10)
    ap.add_argument("--reuse-scancode", action="store_true",
                    help="re-score ScanCode's saved output of the previous run instead of running it again")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    corpus = Path(args.corpus).resolve()
    manifest_path = corpus / "manifest.json"
    if not manifest_path.is_file():
        raise SystemExit(f"no manifest.json under {corpus}")
    manifest = json.loads(manifest_path.read_text())
    rels = sorted(manifest["files"])
    WORK.mkdir(parents=True, exist_ok=True)

    # warm the index cache so timings measure identification, not the one-off build
    sys.path.insert(0, str(REPO))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                    "from scanner.licences.spdx_corpus import spdx_index; spdx_index()"], check=True)
    warm = time.perf_counter() - t0

    results, wall, peak, cpu = run_sovscan(corpus, rels, args.jobs)
    sample = corpus / "spdx" / "MIT.txt"
    start, start_cpu = startup_seconds(sample)
    cli_start = cli_startup_seconds(sample)
    ours = table(manifest, results)
    sub_rels = rels[:: args.scancode_every]
    ours_sub = table(manifest, {r: results[r] for r in sub_rels})

    theirs = None
    sc_line = "ScanCode: not run (--no-scancode)."
    if not args.no_scancode:
        exe = ensure_scancode()
        if exe is None:
            sc_line = "ScanCode: could not be installed; sovscan figures only."
        else:
            ver_out = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout.strip()
            ver = ver_out.splitlines()[0] if ver_out else "scancode-toolkit"
            last = WORK / "scancode-last.json"
            if args.reuse_scancode and last.is_file():
                timing = json.loads((WORK / "scancode-last.timing.json").read_text())
                sc = (_parse_scancode(json.loads(last.read_text())), timing["wall"], timing["peak_mb"], timing.get("cpu", 0.0))
                ver += " (results of the previous run, --reuse-scancode)"
            else:
                sc = run_scancode(exe, corpus, sub_rels)
            if sc is None:
                sc_line = "ScanCode: run failed; sovscan figures only."
            else:
                sc_results, sc_wall, sc_peak, sc_cpu = sc
                theirs = table(manifest, sc_results)
                sc_rate = len(sub_rels) / sc_wall
                sc_cpu_rate = len(sub_rels) / sc_cpu if sc_cpu else 0.0
                sc_line = (f"ScanCode ({ver}, -n 2) on every "
                           f"{args.scancode_every}th file ({len(sub_rels)} files): {sc_rate:.2f} files/s wall, "
                           f"{sc_cpu_rate:.2f} files per CPU-second, peak RSS {sc_peak:.0f} MB per process. "
                           f"sovscan/ScanCode speed: {len(rels) / wall / sc_rate:.0f}x (wall), "
                           + (f"{len(rels) / cpu / sc_cpu_rate:.0f}x (CPU)" if sc_cpu_rate else "CPU n/a"))
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print()
    print(markdown(ours, theirs, ours_sub))
    print()
    print(f"sovscan ({args.jobs} worker processes, {len(rels)} files): {len(rels) / wall:.1f} files/s wall, "
          f"{len(rels) / cpu:.1f} files per CPU-second, peak RSS {peak:.0f} MB per process; "
          f"start-up (import + index load + one file) {start * 1000:.0f} ms wall, {start_cpu * 1000:.0f} ms CPU"
          + (f"; `sovscan licences identify` CLI {cli_start * 1000:.0f} ms" if cli_start else "")
          + f"; index cache warm-up {warm:.1f} s; load average at end {os.getloadavg()[0]:.1f}")
    print(sc_line)


if __name__ == "__main__":
    main()
