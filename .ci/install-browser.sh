#!/bin/sh
# Install headless Chromium and a Korean font for tests/test_browser_html.py and
# docs/make_screenshot.py (Debian packages `chromium`, `fonts-noto-cjk`).
# Idempotent: does nothing when both are already there.
set -eu
if [ -x /usr/bin/chromium ] && fc-list :lang=ko 2>/dev/null | grep -q .; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk
