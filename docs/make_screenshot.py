"""Make `docs/report-ko.png`: the Korean HTML report of the disqualified-model example, as a
reviewer sees it in a browser (the verdict banner and the dependency graph).

    python docs/make_screenshot.py            # needs chromium (.ci/install-browser.sh)

It scans `examples/naver-hyperclovax__HyperCLOVAX-SEED-Think-32B` offline with a fixed
SOURCE_DATE_EPOCH, renders `report.html` in headless Chromium (the DevTools driver of the tests)
and keeps the top of the page at 80% scale so the picture stays small.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "naver-hyperclovax__HyperCLOVAX-SEED-Think-32B"
OUTPUT = ROOT / "docs" / "report-ko.png"


def main() -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from headless_chromium import Chromium, find_chromium

    chromium = find_chromium()
    if chromium is None:
        print("chromium not found: run .ci/install-browser.sh", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SOURCE_DATE_EPOCH="1790000000")
        run = subprocess.run(
            [sys.executable, "-m", "scanner", "scan", str(EXAMPLE.relative_to(ROOT)), "--offline", "--lang", "ko",
             "--format", "html", "--output-dir", tmp],
            env=env, cwd=str(ROOT), capture_output=True, text=True,
        )
        page = Path(tmp) / "report.html"
        if not page.is_file():
            print(run.stdout + run.stderr, file=sys.stderr)
            return 1
        with Chromium(chromium, width=1240, height=1300) as browser:
            browser.open(page)
            problems = browser.console_problems()
            if problems or browser.dialogs:
                print(f"browser reported problems: {problems} {browser.dialogs}", file=sys.stderr)
                return 1
            height = browser.evaluate(
                "Math.ceil(document.querySelector('#graph').getBoundingClientRect().bottom + 12)"
            )
            browser.screenshot(OUTPUT, scale=0.8, max_height=min(int(height), 1300))
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
