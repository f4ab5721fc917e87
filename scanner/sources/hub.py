"""A repository on the Hugging Face Hub, read through `huggingface_hub` without downloading weights.

Why this shape: the Hub is slow, rate-limited and sometimes gated, and a scan must still finish.
Every call goes through one retry policy (exponential backoff on 429/5xx/timeouts, `Retry-After`
honoured), one per-request timeout, and one process-wide concurrency limit. Small files are
fetched with `hf_hub_download` into the normal Hugging Face cache, pinned to the commit sha the
Hub resolved, and the repository listing and safetensors headers are saved beside them
(`<repo cache>/sovscan-info/<sha>.json`), so `HFCacheSource` can repeat the scan offline and see
the same files. The library's own environment variables (`HF_TOKEN`, `HF_ENDPOINT`,
`HF_HUB_OFFLINE`, `HF_HOME`, `HF_HUB_CACHE`) are honoured by the library; nothing is overridden.
"""

from __future__ import annotations

import email.utils
import functools
import json
import os
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from scanner.sources.interface import (
    MAX_METADATA_BYTES,
    FileTooLarge,
    RepoFile,
    Source,
    SourceError,
    TargetNotFound,
)

T = TypeVar("T")

#: Folder beside `snapshots/` where the listing and safetensors headers of each commit are kept.
SIDECAR_DIR = "sovscan-info"
#: At most this many safetensors shards get their header fetched per repository.
MAX_SAFETENSORS_SHARDS = 256

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


# -- errors -------------------------------------------------------------------------------------
class HubError(SourceError):
    """The Hub could not provide a repository or file. `reason` is a short machine-readable word
    (`gated`, `unauthorized`, `not_found`, `network`, `rate_limited`, `server_error`,
    `malformed`, `offline`) that the resolver records with the unresolved node."""

    reason = "error"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason


class HubAccessDenied(HubError):
    """Gated or private repository, or a token without access (HTTP 401/403)."""

    reason = "gated"


class HubRepoNotFound(HubError, TargetNotFound):
    """The repository or revision does not exist on the Hub (or is private and hidden)."""

    reason = "not_found"


class HubUnavailable(HubError):
    """Network fault, timeout, rate limit or server error that outlasted the retries."""

    reason = "network"


class HubOffline(HubUnavailable):
    """`HF_HUB_OFFLINE` is set: the Hub is not to be contacted."""

    reason = "offline"


class HubResponseError(HubError):
    """The Hub answered, but the body was truncated or not what the protocol promises."""

    reason = "malformed"


# -- settings and the process-wide limit -----------------------------------------------------
def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class HubSettings:
    """Timeouts, retries and concurrency, from the environment so a CLI or a test can set them.

    `SOVSCAN_HUB_TIMEOUT` (seconds per request; default `HF_HUB_ETAG_TIMEOUT` or 10),
    `SOVSCAN_HUB_RETRIES` (default 4), `SOVSCAN_HUB_BACKOFF` (first wait, default 1 s, doubled each
    retry up to `SOVSCAN_HUB_MAX_WAIT`, default 30 s), `SOVSCAN_HUB_CONCURRENCY` (default 4)."""

    timeout: float = 10.0
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 30.0
    concurrency: int = 4

    @classmethod
    def from_env(cls) -> HubSettings:
        timeout = _env_float("SOVSCAN_HUB_TIMEOUT", _env_float("HF_HUB_ETAG_TIMEOUT", 10.0))
        return cls(
            timeout=max(0.1, timeout),
            retries=max(0, int(_env_float("SOVSCAN_HUB_RETRIES", 4))),
            backoff=max(0.0, _env_float("SOVSCAN_HUB_BACKOFF", 1.0)),
            max_wait=max(0.0, _env_float("SOVSCAN_HUB_MAX_WAIT", 30.0)),
            concurrency=max(1, int(_env_float("SOVSCAN_HUB_CONCURRENCY", 4))),
        )


_LIMIT_LOCK = threading.Lock()
_LIMIT: threading.BoundedSemaphore | None = None


def hub_slots() -> threading.BoundedSemaphore:
    """The semaphore every Hub request of this process acquires (size `concurrency`)."""
    global _LIMIT
    with _LIMIT_LOCK:
        if _LIMIT is None:
            _LIMIT = threading.BoundedSemaphore(HubSettings.from_env().concurrency)
        return _LIMIT


def is_offline() -> bool:
    """True when `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`) asks for no network *now*.

    Read from the environment at each call, like HF_ENDPOINT and HF_TOKEN: the library's own
    `constants.HF_HUB_OFFLINE` is frozen at import time and would keep a long-lived process (or
    a test session) offline after the variable is gone."""
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in constants.ENV_VARS_TRUE_VALUES


def hub_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The Hugging Face hub cache (`HF_HUB_CACHE`, else `$HF_HOME/hub`), read at call time."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    return _hub_cache_from_env(os.environ.get("HF_HUB_CACHE"), os.environ.get("HUGGINGFACE_HUB_CACHE"),
                               os.environ.get("HF_HOME"))


@functools.lru_cache(maxsize=8)
def _hub_cache_from_env(hf_hub_cache: str | None, legacy: str | None, hf_home: str | None) -> Path:
    if hf_hub_cache:
        return Path(os.path.expandvars(hf_hub_cache)).expanduser()
    if legacy:
        return Path(os.path.expandvars(legacy)).expanduser()
    if hf_home:
        return Path(os.path.expandvars(hf_home)).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def repo_cache_folder(repo_id: str, repo_type: str = "model", cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """`<cache>/models--org--name` (or `datasets--…`)."""
    return Path(os.path.join(hub_cache_dir(cache_dir), f"{repo_type}s--{repo_id.replace('/', '--')}"))


def prefix_cache_path(repo_folder: Path, sha: str, path: str) -> Path:
    """Where the first bytes of a large file (GGUF header, tokenizer.json) read by range request
    are kept: `<repo cache>/sovscan-info/<sha>.prefix/<path with / as %2F>`."""
    return repo_folder / SIDECAR_DIR / f"{sha}.prefix" / path.replace("%", "%25").replace("/", "%2F")


def looks_like_repo_id(text: str) -> bool:
    return bool(_REPO_ID.match(text)) and ".." not in text


# -- error translation and retries -------------------------------------------------------------
def _status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    raw = headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        when = email.utils.parsedate_to_datetime(raw) if raw else None
        if when is None:
            return None
        return max(0.0, when.timestamp() - time.time())


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes: the library wraps HEAD failures in LocalEntryNotFoundError."""
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 8:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def classify(exc: BaseException, what: str) -> HubError:
    """Turn a `huggingface_hub` / `httpx` exception into a HubError with a clear message."""
    from huggingface_hub import errors as hf_errors

    if isinstance(exc, HubError):
        return exc
    for cur in _chain(exc):
        status = _status_of(cur)
        if isinstance(cur, hf_errors.GatedRepoError):
            return HubAccessDenied(f"{what}: gated repository; accept its conditions on the Hub and set HF_TOKEN", "gated")
        if isinstance(cur, hf_errors.DisabledRepoError):
            return HubAccessDenied(f"{what}: repository disabled on the Hub", "disabled")
        if isinstance(cur, hf_errors.RevisionNotFoundError):
            return HubRepoNotFound(f"{what}: revision not found on the Hub", "not_found")
        if isinstance(cur, hf_errors.RemoteEntryNotFoundError):
            return HubRepoNotFound(f"{what}: file not found on the Hub", "not_found")
        if isinstance(cur, hf_errors.RepositoryNotFoundError):
            if status == 401:
                return HubAccessDenied(
                    f"{what}: repository not found or private (HTTP 401); set HF_TOKEN if you have access",
                    "unauthorized",
                )
            return HubRepoNotFound(f"{what}: repository not found on the Hub", "not_found")
        if isinstance(cur, hf_errors.OfflineModeIsEnabled):
            return HubOffline(f"{what}: HF_HUB_OFFLINE is set and the file is not in the local cache", "offline")
        if status in (401, 403):
            return HubAccessDenied(f"{what}: access denied (HTTP {status}); gated or private, set HF_TOKEN", "unauthorized")
        if status == 404:
            return HubRepoNotFound(f"{what}: not found (HTTP 404)", "not_found")
        if status == 429:
            return HubUnavailable(f"{what}: rate limited by the Hub (HTTP 429) after retries", "rate_limited")
        if status is not None and status >= 500:
            return HubUnavailable(f"{what}: Hub server error (HTTP {status}) after retries", "server_error")
        name = type(cur).__name__
        if "Timeout" in name:
            return HubUnavailable(f"{what}: request timed out", "timeout")
        if name in ("RemoteProtocolError", "ReadError", "IncompleteRead") or "onsistency check failed" in str(cur):
            return HubResponseError(f"{what}: truncated or broken response ({name})", "truncated")
        if isinstance(cur, (json.JSONDecodeError, UnicodeDecodeError)):
            return HubResponseError(f"{what}: malformed response body ({name})", "malformed")
        if name in ("ConnectError", "NetworkError", "ProxyError", "TooManyRedirects") or isinstance(cur, ConnectionError):
            return HubUnavailable(f"{what}: cannot reach the Hub ({name})", "network")
        if isinstance(cur, hf_errors.SafetensorsParsingError):
            return HubResponseError(f"{what}: unreadable safetensors header: {cur}", "malformed")
    return HubUnavailable(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": "), "network")


def _retryable(err: HubError) -> bool:
    """Rate limits, server errors and timeouts are transient. A refused connection or an unknown
    host means no network: fail at once so the cache can answer. Truncated downloads are not
    retried here either: `hf_hub_download` already resumes and retries them."""
    return isinstance(err, HubUnavailable) and err.reason in ("rate_limited", "server_error", "timeout")


def call_hub(what: str, fn: Callable[[], T], settings: HubSettings | None = None) -> T:
    """Run one Hub call under the process-wide limit, retrying transient faults with backoff.

    429 waits `Retry-After` when the server sends it (capped at `max_wait`), other transient
    faults wait `backoff * 2**attempt` with jitter. Non-transient faults raise at once."""
    settings = settings or HubSettings.from_env()
    attempt = 0
    while True:
        try:
            with hub_slots():
                return fn()
        except Exception as exc:  # every library/HTTP error is classified, none escapes raw
            err = classify(exc, what)
            if not _retryable(err) or attempt >= settings.retries:
                raise err from exc
            wait = None
            for cur in _chain(exc):
                if _status_of(cur) == 429:
                    wait = _retry_after(cur)
                    break
            if wait is None:
                wait = settings.backoff * (2**attempt) * (1 + random.random() * 0.1)
            time.sleep(min(wait, settings.max_wait))
            attempt += 1


# -- the source -------------------------------------------------------------------------------
class HubSource(Source):
    """One repository on the Hub at one commit (resolved at construction, then pinned)."""

    kind = "hub"

    def __init__(
        self,
        repo_id: str,
        revision: str | None = None,
        repo_type: str = "model",
        cache_dir: str | os.PathLike[str] | None = None,
        settings: HubSettings | None = None,
        token: str | bool | None = None,
    ) -> None:
        super().__init__(repo_id)
        if repo_type not in ("model", "dataset"):
            raise SourceError(f"unsupported repository type {repo_type!r}")
        if not looks_like_repo_id(repo_id):
            raise TargetNotFound(f"{repo_id!r} is not a Hub repository id (expected org/name)")
        if is_offline():
            raise HubOffline(f"{repo_id}: HF_HUB_OFFLINE is set; use the local cache", "offline")
        from huggingface_hub import HfApi

        self.settings = settings or HubSettings.from_env()
        self.repo_type = repo_type
        self.requested_revision = revision
        self._cache_dir = cache_dir
        # HF_TOKEN is read now, not when the library was imported, and sent explicitly (the
        # library's implicit-token switch would otherwise decide); None leaves the library's own
        # lookup (token file under HF_HOME) in charge.
        self._token = token if token is not None else (os.environ.get("HF_TOKEN") or None)
        # Read at call time (not at import, as the library's constants are), so a test or a
        # wrapper that sets HF_ENDPOINT after import still reaches the intended endpoint.
        self._endpoint = (os.environ.get("HF_ENDPOINT") or "").rstrip("/") or None
        self._api = HfApi(endpoint=self._endpoint, token=self._token)
        self._lock = threading.Lock()
        self._safetensors: dict[str, dict[str, tuple[str, list[int]]]] | None = None
        self._safetensors_problems: list[tuple[str, str]] = []
        info = call_hub(f"{repo_type} {repo_id}", self._fetch_info, self.settings)
        self.info = _info_dict(info, repo_type)
        sha = self.info.get("sha")
        if not isinstance(sha, str) or not _COMMIT.match(sha):
            raise HubResponseError(f"{repo_id}: the Hub did not return a commit sha for the revision", "malformed")
        self._sha = sha
        self._repo_id = str(self.info.get("id") or repo_id)
        self._files = _files_from_info(self.info)
        self._sizes = {f.path: f.size for f in self._files}
        if self.info.get("gated") and self._files:
            self._probe_access()
        self._save_sidecar()

    def _probe_access(self) -> None:
        """A gated repository answers its info to anyone but its files only to accepted users:
        find out now, so the resolver records one clear 'gated' reason instead of a failure per
        file. The Hub's description travels on the error (`info`) for the unresolved node."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        probe = "README.md" if "README.md" in self._sizes else self._files[0].path
        url = hf_hub_url(self._repo_id, probe, repo_type=self.repo_type, revision=self._sha, endpoint=self._endpoint)
        try:
            call_hub(
                f"{self._repo_id}",
                lambda: get_hf_file_metadata(url, token=self._token, timeout=self.settings.timeout, endpoint=self._endpoint),
                self.settings,
            )
        except HubAccessDenied as exc:
            exc.info = self.info  # type: ignore[attr-defined]
            raise

    def _fetch_info(self) -> Any:
        kwargs = dict(revision=self.requested_revision, files_metadata=True, timeout=self.settings.timeout)
        if self.repo_type == "dataset":
            return self._api.dataset_info(self.ref, **kwargs)
        return self._api.model_info(self.ref, **kwargs)

    # -- Source interface -------------------------------------------------------------------
    @property
    def revision(self) -> str:
        return self._sha

    @property
    def repo_id(self) -> str:
        return self._repo_id

    @property
    def hub_info(self) -> dict[str, Any]:
        """What the Hub said about the repository (id, sha, gated, tags, cardData, config,
        siblings, safetensors totals), JSON-ready; identical in `HFCacheSource` offline."""
        return self.info

    @property
    def gated(self) -> bool:
        return bool(self.info.get("gated"))

    def list_files(self) -> list[RepoFile]:
        return list(self._files)

    def exists(self, path: str) -> bool:
        return path in self._sizes

    def read_bytes(self, path: str, limit: int = MAX_METADATA_BYTES) -> bytes:
        if path not in self._sizes:
            raise SourceError(f"{path}: not in {self._repo_id}@{self._sha[:12]}")
        size = self._sizes[path]
        if size > limit:
            raise FileTooLarge(f"{path}: {size} bytes exceeds the {limit}-byte limit for metadata files")
        local = call_hub(f"{self._repo_id}/{path}", lambda: self._download(path), self.settings)
        try:
            with open(local, "rb") as fh:
                data = fh.read(limit + 1)
        except OSError as exc:
            raise SourceError(f"{path}: cannot read the downloaded copy: {exc.strerror or exc}") from exc
        if len(data) > limit:
            raise FileTooLarge(f"{path}: exceeds the {limit}-byte limit for metadata files")
        if size and len(data) != size:
            raise HubResponseError(f"{path}: got {len(data)} bytes, the Hub listed {size}", "truncated")
        return data

    def _download(self, path: str) -> str:
        from huggingface_hub import hf_hub_download

        return hf_hub_download(
            self._repo_id,
            path,
            repo_type=self.repo_type,
            revision=self._sha,
            cache_dir=str(hub_cache_dir(self._cache_dir)),
            etag_timeout=self.settings.timeout,
            token=self._token,
            endpoint=self._endpoint,
        )

    def read_prefix(self, path: str, length: int) -> bytes:
        """The first `length` bytes of a (possibly huge) file, by an HTTP Range request."""
        if path not in self._sizes:
            raise SourceError(f"{path}: not in {self._repo_id}@{self._sha[:12]}")
        from huggingface_hub import hf_hub_url
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        url = hf_hub_url(self._repo_id, path, repo_type=self.repo_type, revision=self._sha, endpoint=self._endpoint)

        def fetch() -> bytes:
            headers = {**build_hf_headers(token=self._token), "range": f"bytes=0-{max(0, length - 1)}"}
            response = get_session().get(url, headers=headers, timeout=self.settings.timeout)
            hf_raise_for_status(response)
            return response.content[:length]

        data = call_hub(f"{self._repo_id}/{path} (first {length} bytes)", fetch, self.settings)
        self._save_prefix(path, data)
        return data

    def _save_prefix(self, path: str, data: bytes) -> None:
        """Keep the first bytes of a large file beside the snapshot, for offline re-runs."""
        target = prefix_cache_path(repo_cache_folder(self._repo_id, self.repo_type, self._cache_dir), self._sha, path)
        try:
            if target.is_file() and target.stat().st_size >= len(data):
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError:
            return

    def local_path(self, path: str) -> str | None:
        """Only files already in the cache are local; weights are never downloaded here."""
        snap = repo_cache_folder(self._repo_id, self.repo_type, self._cache_dir) / "snapshots" / self._sha / path
        return str(snap) if snap.is_file() else None

    # -- safetensors headers without weights --------------------------------------------------
    def safetensors_metadata(self) -> dict[str, dict[str, tuple[str, list[int]]]]:
        """`{filename: {tensor_name: (dtype, shape)}}` for every `.safetensors` file, read with
        HTTP Range requests (the header only). Shards that fail are left out and listed in
        `safetensors_problems` as `(filename, message)`."""
        with self._lock:
            if self._safetensors is not None:
                return self._safetensors
        names = [f.path for f in self._files if f.path.endswith(".safetensors")][:MAX_SAFETENSORS_SHARDS]
        result: dict[str, dict[str, tuple[str, list[int]]]] = {}
        problems: list[tuple[str, str]] = []

        def one(name: str) -> tuple[str, dict[str, tuple[str, list[int]]] | None, str | None]:
            try:
                meta = call_hub(
                    f"{self._repo_id}/{name} (safetensors header)",
                    lambda: self._api.parse_safetensors_file_metadata(
                        self._repo_id, name, repo_type=self.repo_type, revision=self._sha, timeout=self.settings.timeout
                    ),
                    self.settings,
                )
            except HubError as exc:
                return name, None, str(exc)
            return name, {t: (info.dtype, list(info.shape)) for t, info in meta.tensors.items()}, None

        if names:
            with ThreadPoolExecutor(max_workers=min(len(names), self.settings.concurrency)) as pool:
                for name, tensors, problem in pool.map(one, names):
                    if tensors is not None:
                        result[name] = tensors
                    else:
                        problems.append((name, problem or "unreadable"))
        with self._lock:
            self._safetensors = dict(sorted(result.items()))
            self._safetensors_problems = problems
        self._save_sidecar()
        return self._safetensors

    @property
    def safetensors_problems(self) -> list[tuple[str, str]]:
        return list(self._safetensors_problems)

    # -- sidecar for offline re-runs ----------------------------------------------------------
    def _save_sidecar(self) -> None:
        """Record the listing (and headers once fetched) and the ref, so the cache alone can
        answer the same questions later. A cache that cannot be written is not a scan failure."""
        folder = repo_cache_folder(self._repo_id, self.repo_type, self._cache_dir)
        payload: dict[str, Any] = {"format": 1, "repo_id": self._repo_id, "repo_type": self.repo_type, "info": self.info}
        if self._safetensors is not None:
            payload["safetensors"] = {f: {t: [d, s] for t, (d, s) in ts.items()} for f, ts in self._safetensors.items()}
        try:
            (folder / SIDECAR_DIR).mkdir(parents=True, exist_ok=True)
            (folder / "snapshots" / self._sha).mkdir(parents=True, exist_ok=True)
            tmp = folder / SIDECAR_DIR / f".{self._sha}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_text(json.dumps(payload, sort_keys=True), encoding="utf-8")
            os.replace(tmp, folder / SIDECAR_DIR / f"{self._sha}.json")
            ref = self.requested_revision or "main"
            if ref != self._sha and ".." not in ref:
                ref_path = folder / "refs" / ref
                ref_path.parent.mkdir(parents=True, exist_ok=True)
                if not ref_path.is_file() or ref_path.read_text().strip() != self._sha:
                    ref_path.write_text(self._sha)
        except OSError:
            return


def _info_dict(info: Any, repo_type: str) -> dict[str, Any]:
    """The parts of ModelInfo/DatasetInfo the scanner uses, as plain JSON."""
    card = getattr(info, "card_data", None)
    card_dict = card.to_dict() if hasattr(card, "to_dict") else (dict(card) if isinstance(card, dict) else None)
    siblings = []
    for s in getattr(info, "siblings", None) or []:
        entry: dict[str, Any] = {"rfilename": s.rfilename}
        size = s.size if s.size is not None else (s.lfs.size if getattr(s, "lfs", None) else None)
        if size is not None:
            entry["size"] = int(size)
        if getattr(s, "lfs", None) is not None and getattr(s.lfs, "sha256", None):
            entry["lfs_sha256"] = s.lfs.sha256
        siblings.append(entry)
    st = getattr(info, "safetensors", None)
    safetensors = {"parameters": dict(st.parameters), "total": st.total} if st is not None else None
    gated = getattr(info, "gated", None)
    return {
        "id": getattr(info, "id", None),
        "repo_type": repo_type,
        "sha": getattr(info, "sha", None),
        "author": getattr(info, "author", None),
        "private": getattr(info, "private", None),
        "gated": gated if gated in ("auto", "manual") else bool(gated),
        "disabled": getattr(info, "disabled", None),
        "tags": list(getattr(info, "tags", None) or []),
        "library_name": getattr(info, "library_name", None),
        "pipeline_tag": getattr(info, "pipeline_tag", None),
        "cardData": card_dict,
        "config": getattr(info, "config", None),
        "siblings": sorted(siblings, key=lambda e: e["rfilename"]),
        "safetensors": safetensors,
    }


def _files_from_info(info: dict[str, Any]) -> list[RepoFile]:
    out = []
    for s in info.get("siblings") or []:
        path = s.get("rfilename")
        if isinstance(path, str) and path and not path.startswith("/") and ".." not in path.split("/"):
            out.append(RepoFile(path, int(s.get("size") or 0)))
    return sorted(out, key=lambda f: f.path)
