"""Exit codes of `sovscan` (documented in the README)."""

from enum import IntEnum


class ExitCode(IntEnum):
    PASS = 0  # every criterion passes
    FAIL = 1  # some criterion fails
    USAGE = 2  # usage error (bad option, unknown policy, malformed waiver/rule file)
    REVIEW = 3  # nothing fails but something needs review
    SCAN_ERROR = 4  # the scan itself could not run (target missing or unreadable, internal error)
