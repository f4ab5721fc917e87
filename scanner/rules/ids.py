"""Stable finding ids, so `sovscan explain REPORT FINDING-ID` finds the same finding in every
run of the same scan: the rule id plus a short hash of what the finding is about."""

from __future__ import annotations

import hashlib


def finding_id(rule: str, node: str, about: str = "") -> str:
    digest = hashlib.sha256(f"{rule}\x00{node}\x00{about}".encode("utf-8")).hexdigest()[:8]
    return f"{rule}#{digest}"
