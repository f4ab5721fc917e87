"""Benchmark: resolve a generated 1,000-repository lineage graph offline, from a Hugging Face cache.

    python bench/resolve.py [--nodes 1000] [--repeat 3] [--keep DIR]

Writes a cache in the layout `huggingface_hub` uses (`models--org--name/{blobs,refs,snapshots}`,
snapshot files as symlinks to blobs), where one target model reaches every other repository
through `base_model` declarations (fine-tunes, merges with several parents, quantizations) within
six levels, then times, in this same process:

- **sovscan**: `open_source(target)` + `build_graph(...)` with `HF_HUB_OFFLINE=1`: every
  repository described (card, config, lineage claims), deduplicated, the graph built;
- **peer**: `huggingface_hub.scan_cache_dir()` and then reading every cached card's front matter
  with PyYAML, sequentially (what a script would do to list lineage from a cache, with no graph).

The goal is under 2 s for sovscan on 1,000 repositories.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORG = "bench-org"


def _write_blob(repo: Path, snapshot: Path, name: str, data: bytes) -> None:
    blob_id = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    blob = repo / "blobs" / blob_id
    blob.parent.mkdir(parents=True, exist_ok=True)
    if not blob.exists():
        blob.write_bytes(data)
    link = snapshot / name
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(blob, link.parent), link)


def build_cache(cache: Path, nodes: int, seed: int = 7) -> str:
    """A lineage DAG of `nodes` repositories; returns the target's id."""
    rng = random.Random(seed)
    levels: list[list[int]] = []
    count, width = 0, 1
    while count < nodes:
        take = min(width, nodes - count)
        levels.append(list(range(count, count + take)))
        count += take
        width *= 3
    parents: dict[int, list[int]] = {i: [] for i in range(nodes)}
    for depth in range(len(levels) - 1):
        upper, lower = levels[depth], levels[depth + 1]
        for j, child in enumerate(lower):  # every repository of a level is someone's base
            parents[upper[j % len(upper)]].append(child)
        for node in upper:  # and some extra shared ancestors (deduplication)
            if rng.random() < 0.3:
                parents[node].append(rng.choice(lower))
    relations = ["finetune", "quantized", "merge", None]
    for i in range(nodes):
        repo_id = f"{ORG}/model-{i:04d}"
        sha = hashlib.sha1(repo_id.encode()).hexdigest()
        repo = cache / f"models--{ORG}--model-{i:04d}"
        snap = repo / "snapshots" / sha
        snap.mkdir(parents=True)
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text(sha)
        bases = sorted(set(parents[i]))
        rel = "merge" if len(bases) > 1 else rng.choice(relations)
        fm = ["---", f"license: {rng.choice(['apache-2.0', 'mit', 'llama3.1', 'other'])}", "library_name: transformers"]
        if bases:
            fm.append("base_model:")
            fm += [f"- {ORG}/model-{b:04d}" for b in bases]
            if rel and len(bases) == 1:
                fm.append(f"base_model_relation: {rel}")
        fm.append("---")
        body = f"\n# model-{i:04d}\n\nA generated repository for the resolver benchmark.\n"
        _write_blob(repo, snap, "README.md", ("\n".join(fm) + body).encode())
        config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000, "hidden_size": 64}
        _write_blob(repo, snap, "config.json", json.dumps(config, indent=2).encode())
    return f"{ORG}/model-0000"


def run_sovscan(target: str) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds of this process, model nodes resolved, edges)."""
    from scanner.resolver.build import build_graph
    from scanner.sources.open import open_source

    start, cpu = time.perf_counter(), time.process_time()
    source = open_source(target)
    build = build_graph(source, source.repo_id, depth=8)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    resolved = sum(1 for n in build.graph.nodes() if n.kind == "model" and n.resolved)
    return elapsed, cpu, resolved, sum(1 for _ in build.graph.edges())


def run_peer(cache: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, base_model entries read)."""
    import yaml
    from huggingface_hub import scan_cache_dir

    start, cpu = time.perf_counter(), time.process_time()
    info = scan_cache_dir(cache)
    bases = 0
    for repo in info.repos:
        for rev in repo.revisions:
            for f in rev.files:
                if f.file_name == "README.md":
                    text = Path(f.file_path).read_text(encoding="utf-8")
                    front = text.split("---", 2)[1] if text.startswith("---") else ""
                    data = yaml.safe_load(front) or {}
                    bases += len(data.get("base_model") or [])
    return time.perf_counter() - start, time.process_time() - cpu, bases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--keep", help="build the cache in this directory and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each contender (the best is reported)")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sovscan-bench-"))
    cache = work / "hub"
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    t0 = time.perf_counter()
    target = build_cache(cache, args.nodes)
    print(f"built a cache of {args.nodes} repositories in {time.perf_counter() - t0:.2f} s at {cache}")
    os.environ["HF_HUB_CACHE"] = str(cache)
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        # Warm-up, not timed: imports, the licence knowledge base and licensors table (loaded
        # once per process), and the file-system cache, for both contenders alike.
        from scanner.licences.knowledge import knowledge, licensors

        knowledge(), licensors()
        run_peer(cache)
        runs = [run_sovscan(target) for _ in range(args.repeat)]
        peers = [run_peer(cache) for _ in range(args.repeat)]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    best = min(runs, key=lambda r: r[0])
    peer = min(peers, key=lambda r: r[0])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall time grows with load; CPU time does not)")
    print(f"sovscan build_graph (offline, depth 8), best of {args.repeat}: {best[0]:.2f} s wall, {best[1]:.2f} s CPU — "
          f"{best[2]} model nodes resolved, {best[3]} edges")
    print(f"peer scan_cache_dir + PyYAML front matter, sequential, best of {args.repeat}: {peer[0]:.2f} s wall, "
          f"{peer[1]:.2f} s CPU — {peer[2]} base_model entries read, no graph")
    print(f"goal < 2 s wall: {'met' if best[0] < 2 else 'NOT met'}")
    elapsed, resolved = best[0], best[2]
    return 0 if resolved == args.nodes else 1


if __name__ == "__main__":
    sys.exit(main())
