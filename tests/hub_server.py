"""A loopback Hugging Face Hub for tests: recorded repositories served in the Hub's wire format.

Why: the real `huggingface_hub` client must be exercised end to end (model info, HEAD + GET on
`/resolve/`, Range requests for safetensors headers, tree listing, error headers), and faults
(429 with Retry-After, 500, slow answers, truncated bodies, gated or private repositories) must
be reproducible, without any network.

Layout served: `<root>/<org>/<name>/_info.json` plus the repository files beside it; datasets under
`<root>/datasets/<org>/<name>/`. `_info.json` holds what `/api/models/{id}` returns (id, sha,
cardData, config, tags, gated, private...); `siblings` are computed from the files present.
Faults are injected at run time with `HubServer.inject(repo_id, fault, path=...)`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

#: Files served as LFS objects (ETag = sha256, X-Linked-* headers), like the Hub's defaults.
LFS_PATTERNS = ("*.safetensors", "*.gguf", "*.bin", "*.pt", "*.pth", "*.onnx", "*.parquet", "*.h5")


@dataclass
class Fault:
    """One injected fault. `kind`: `status` (answer `status` with `error_code`/`retry_after`),
    `slow` (sleep `delay` seconds first), `truncate` (announce the full length, send half, close).
    `path` is a glob over repository paths, or `_info` for the info endpoint, `_tree` for the
    tree listing, `*` for everything. `times`: apply to the first N matching requests only."""

    kind: str
    status: int = 500
    error_code: str | None = None
    retry_after: float | None = None
    delay: float = 0.0
    path: str = "*"
    times: int | None = None
    method: str | None = None


class _Repo:
    def __init__(self, root: Path, repo_id: str, repo_type: str) -> None:
        self.root = root
        self.repo_id = repo_id
        self.repo_type = repo_type
        self.info: dict[str, Any] = json.loads((root / "_info.json").read_text(encoding="utf-8"))
        self.sha: str = self.info["sha"]
        self.files: dict[str, Path] = {}
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if p.is_file() and not rel.startswith("_info") and rel != "_faults.json":
                self.files[rel] = p

    def blob(self, path: str) -> bytes:
        return self.files[path].read_bytes()

    def is_lfs(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pat) for pat in LFS_PATTERNS)

    def etag(self, path: str) -> tuple[str, str | None]:
        """(git blob sha1, sha256 for LFS files)."""
        data = self.blob(path)
        git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        return git, hashlib.sha256(data).hexdigest() if self.is_lfs(path) else None


class HubServer:
    """Serve `root` on 127.0.0.1 at a random port. Use as a context manager or start()/stop()."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.faults: dict[str, list[Fault]] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self._lock = threading.Lock()
        self._repos: dict[tuple[str, str], _Repo] = {}
        handler = type("Handler", (_Handler,), {"hub": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, repo_id: str, fault: Fault) -> None:
        with self._lock:
            self.faults.setdefault(repo_id, []).append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def count(self, fragment: str, method: str | None = None) -> int:
        """How many requests had `fragment` in their path (and `method`, if given)."""
        with self._lock:
            return sum(1 for m, p in self.requests if fragment in p and (method is None or m == method))

    def info_requests(self, repo_id: str, repo_type: str = "model") -> int:
        """How many times the info endpoint of `repo_id` (any revision) was asked."""
        base = f"/api/{repo_type}s/{repo_id}"
        with self._lock:
            return sum(1 for _m, p in self.requests if p == base or p.startswith(base + "/revision/"))

    def repo(self, repo_id: str, repo_type: str) -> _Repo | None:
        key = (repo_type, repo_id)
        if key not in self._repos:
            base = self.root / "datasets" / repo_id if repo_type == "dataset" else self.root / repo_id
            if not (base / "_info.json").is_file():
                return None
            self._repos[key] = _Repo(base, repo_id, repo_type)
        return self._repos[key]

    def take_fault(self, repo_id: str, path: str, method: str) -> Fault | None:
        with self._lock:
            for fault in self.faults.get(repo_id, []):
                if fault.method and fault.method != method:
                    continue
                if fault.path != "*" and not fnmatch.fnmatch(path, fault.path):
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    # -- plumbing ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, method: str = "GET") -> None:
        self.send_response(status)
        hdrs = {"Content-Length": str(len(body))}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        if method != "HEAD" and body:
            self.wfile.write(body)

    def _json(self, status: int, data: Any, method: str, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        self._send(status, body, {"Content-Type": "application/json", **(headers or {})}, method)

    def _error(self, status: int, code: str | None, message: str, method: str, extra: dict[str, str] | None = None) -> None:
        headers = {"X-Error-Message": message, **(extra or {})}
        if code:
            headers["X-Error-Code"] = code
        self._json(status, {"error": message}, method, headers)

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        with self.hub._lock:
            self.hub.requests.append((method, path))
        try:
            segs = [s for s in path.split("/") if s]
            if len(segs) >= 4 and segs[0] == "api" and segs[1] in ("models", "datasets"):
                repo_type = "model" if segs[1] == "models" else "dataset"
                self._api(method, repo_type, f"{segs[2]}/{segs[3]}", segs[4:], query)
                return
            repo_type = "model"
            if segs and segs[0] == "datasets":
                repo_type, segs = "dataset", segs[1:]
            if len(segs) >= 5 and segs[2] == "resolve":
                self._resolve(method, repo_type, f"{segs[0]}/{segs[1]}", segs[3], "/".join(segs[4:]))
                return
            self._error(404, None, "Not Found", method)
        except (BrokenPipeError, ConnectionResetError):
            return

    # -- faults -----------------------------------------------------------------------------
    def _fault(self, repo_id: str, path: str, method: str) -> Fault | None:
        """Apply a fault; return it when it already answered (status/truncate), None otherwise."""
        fault = self.hub.take_fault(repo_id, path, method)
        if fault is None:
            return None
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return None
        if fault.kind == "status":
            extra = {}
            if fault.retry_after is not None:
                extra["Retry-After"] = str(fault.retry_after)
            self._error(fault.status, fault.error_code, f"injected {fault.status}", method, extra)
            return fault
        return fault if fault.kind == "truncate" else None

    # -- endpoints --------------------------------------------------------------------------
    def _gate(self, repo: _Repo, method: str, for_files: bool) -> bool:
        """Private repos hide everything (401 RepoNotFound); gated repos hide files (401 GatedRepo)
        unless the request carries the token `hf_granted`."""
        granted = self.headers.get("authorization", "") == "Bearer hf_granted"
        if repo.info.get("private") and not granted:
            self._error(401, "RepoNotFound", "Repository not found", method)
            return True
        if for_files and repo.info.get("gated") and not granted:
            self._error(401, "GatedRepo", "Access to this repository is restricted", method)
            return True
        return False

    def _api(self, method: str, repo_type: str, repo_id: str, rest: list[str], query: dict[str, list[str]]) -> None:
        repo = self.hub.repo(repo_id, repo_type)
        if repo is None:
            self._error(401, "RepoNotFound", "Repository not found", method)
            return
        if rest and rest[0] == "tree":
            if self._fault(repo_id, "_tree", method):
                return
            if self._gate(repo, method, for_files=False):
                return
            rev = rest[1] if len(rest) > 1 else "main"
            if rev not in ("main", repo.sha):
                self._error(404, "RevisionNotFound", "Invalid rev id", method)
                return
            self._json(200, self._tree("/".join(rest[2:]), repo, "recursive" in query and query["recursive"][0] in ("1", "true", "True")), method)
            return
        if rest and rest[0] != "revision":
            self._error(404, None, "Not Found", method)
            return
        rev = rest[1] if len(rest) > 1 else "main"
        fault = self._fault(repo_id, "_info", method)
        if fault is not None:
            if fault.kind == "truncate":
                self._truncated(json.dumps(repo.info).encode(), {"Content-Type": "application/json"})
            return
        if self._gate(repo, method, for_files=False):
            return
        if rev not in ("main", repo.sha):
            self._error(404, "RevisionNotFound", "Invalid rev id", method)
            return
        info = dict(repo.info)
        blobs = query.get("blobs", ["False"])[0].lower() == "true"
        siblings = []
        for rel in repo.files:
            entry: dict[str, Any] = {"rfilename": rel}
            if blobs:
                git, lfs = repo.etag(rel)
                size = repo.files[rel].stat().st_size
                entry.update({"size": size, "blobId": git})
                if lfs:
                    entry["lfs"] = {"size": size, "sha256": lfs, "pointerSize": 134}
            siblings.append(entry)
        info["siblings"] = siblings
        info.setdefault("modelId" if repo_type == "model" else "_id", repo.repo_id)
        self._json(200, info, method)

    def _tree(self, prefix: str, repo: _Repo, recursive: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen_dirs: set[str] = set()
        base = prefix.rstrip("/") + "/" if prefix else ""
        for rel in repo.files:
            if not rel.startswith(base):
                continue
            rest = rel[len(base):]
            if "/" in rest and not recursive:
                d = base + rest.split("/")[0]
                if d not in seen_dirs:
                    seen_dirs.add(d)
                    out.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "path": d})
                continue
            git, lfs = repo.etag(rel)
            size = repo.files[rel].stat().st_size
            entry: dict[str, Any] = {"type": "file", "oid": git, "size": size, "path": rel}
            if lfs:
                entry["lfs"] = {"oid": lfs, "size": size, "pointerSize": 134}
            out.append(entry)
        return out

    def _resolve(self, method: str, repo_type: str, repo_id: str, rev: str, path: str) -> None:
        repo = self.hub.repo(repo_id, repo_type)
        if repo is None:
            self._error(401, "RepoNotFound", "Repository not found", method)
            return
        fault = self._fault(repo_id, path, method)
        if fault is not None and fault.kind != "truncate":
            return
        if self._gate(repo, method, for_files=True):
            return
        commit = {"X-Repo-Commit": repo.sha}
        if rev not in ("main", repo.sha):
            self._error(404, "RevisionNotFound", "Invalid rev id", method)
            return
        if path not in repo.files:
            self._error(404, "EntryNotFound", "Entry not found", method, commit)
            return
        data = repo.blob(path)
        git, lfs = repo.etag(path)
        headers = {**commit, "ETag": f'"{lfs or git}"', "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        if lfs:
            headers["X-Linked-Etag"] = f'"{lfs}"'
            headers["X-Linked-Size"] = str(len(data))
        rng = self.headers.get("range")
        status = 200
        if rng and rng.startswith("bytes="):
            start_s, _, end_s = rng[6:].partition("-")
            try:
                start = int(start_s) if start_s else 0
                end = min(int(end_s), len(data) - 1) if end_s else len(data) - 1
            except ValueError:
                start, end = 0, len(data) - 1
            if start >= len(data):
                self._send(416, b"", {**headers, "Content-Range": f"bytes */{len(data)}"}, method)
                return
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            data = data[start : end + 1]
            status = 206
        if fault is not None and fault.kind == "truncate" and method == "GET":
            self._truncated(data, headers, status)
            return
        self._send(status, data, headers, method)

    def _truncated(self, data: bytes, headers: dict[str, str], status: int = 200) -> None:
        """Promise the whole body, send half of it, and drop the connection."""
        self.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data[: max(1, len(data) // 2)])
        self.wfile.flush()
        self.close_connection = True
