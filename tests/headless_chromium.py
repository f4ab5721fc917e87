"""A small Chrome DevTools Protocol driver for headless Chromium (no Playwright, no network).

Used by the browser test and by `docs/make_screenshot.py`: open a local file, collect console
messages, exceptions and JavaScript dialogs (an `alert` from an injected payload would show up
as a dialog), evaluate expressions and take screenshots.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-allow-origins=*",
]


def find_chromium() -> str | None:
    env = os.environ.get("SOVSCAN_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for path in CHROMIUM_CANDIDATES:
        if Path(path).is_file():
            return path
    return shutil.which("chromium")


class BrowserError(Exception):
    pass


class Chromium:
    """One headless Chromium with one page, driven over its DevTools websocket."""

    def __init__(self, executable: str, width: int = 1280, height: int = 2000, timeout: float = 30.0) -> None:
        import websocket  # websocket-client (test dependency)

        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="sovscan-chromium-")
        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.events: list[dict[str, Any]] = []
        self.dialogs: list[str] = []
        self._next_id = 0
        try:
            port = self._devtools_port()
            page_ws = self._page_websocket(port)
            self.ws = websocket.create_connection(page_ws, timeout=timeout, suppress_origin=True)
            for domain in ("Page", "Runtime", "Log"):
                self.send(f"{domain}.enable")
            self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        except Exception:
            self.close()
            raise

    # -- process and connection -----------------------------------------------------------
    def _devtools_port(self) -> int:
        """Read chromium's stderr until it announces its DevTools port (select() keeps a silent
        or hung browser from blocking the test past the timeout)."""
        deadline = time.monotonic() + self.timeout
        assert self.proc.stderr is not None
        seen: list[str] = []
        buffer = ""
        fd = self.proc.stderr.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 4096).decode("utf-8", "replace")
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split("\n")
            for line in lines:
                seen.append(line)
                match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
                if match:
                    # keep draining stderr so a chatty browser never blocks on a full pipe
                    threading.Thread(target=self._drain, args=(fd,), daemon=True).start()
                    return int(match.group(1))
        raise BrowserError("chromium did not start its DevTools endpoint:\n" + "\n".join(seen[-20:]))

    @staticmethod
    def _drain(fd: int) -> None:
        try:
            while os.read(fd, 65536):
                pass
        except OSError:
            pass

    def _page_websocket(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
                targets = json.load(resp)
            pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise BrowserError("chromium has no page target")

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- protocol ---------------------------------------------------------------------------
    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        msg_id = self._next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == msg_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)
        raise BrowserError(f"{method}: no answer within {self.timeout}s")

    def _event(self, message: dict[str, Any]) -> None:
        if "method" not in message:
            return
        self.events.append(message)
        if message["method"] == "Page.javascriptDialogOpening":
            self.dialogs.append(message["params"].get("message", ""))
            self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog", "params": {"accept": True}}))

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event["method"] == method:
                return event
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            self._event(message)
            if message.get("method") == method:
                return message
        raise BrowserError(f"no {method} within {self.timeout}s")

    # -- page -------------------------------------------------------------------------------
    def open(self, path: Path) -> None:
        self.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.evaluate("document.fonts.ready.then(() => true)", await_promise=True)
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))", await_promise=True)

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def console_problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and failed loads seen since `open`."""
        problems = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                problems.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                problems.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        return problems

    def screenshot(self, path: Path, full_page: bool = False, scale: float = 1.0, max_height: int | None = None) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page or scale != 1.0 or max_height:
            size = self.evaluate("({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})")
            height = size["h"] if full_page else self.evaluate("window.innerHeight")
            if max_height:
                height = min(height, max_height)
            params["clip"] = {"x": 0, "y": 0, "width": size["w"], "height": height, "scale": scale}
            params["captureBeyondViewport"] = bool(full_page)
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path
