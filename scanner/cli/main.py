"""The `sovscan` command: parses arguments and wires stages together, nothing more.

Each command group lives in its own module of this package and is registered in `_COMMANDS`.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click

from scanner import __version__
from scanner.cli.exit_codes import ExitCode

# module path -> name of the click command/group object in it
_COMMANDS: list[tuple[str, str]] = [
    ("scanner.cli.scan", "scan"),
    ("scanner.cli.graph", "graph"),
    ("scanner.cli.rules", "rules"),
    ("scanner.cli.explain", "explain"),
    ("scanner.cli.fingerprint", "fingerprint"),
    ("scanner.cli.licences", "licences"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="sovscan", message="%(prog)s %(version)s")
def cli() -> None:
    """sovscan: licence, lineage and weight-provenance compliance scanner for AI models.

    Scans a model repository and judges it against a policy pack (by default the Korean
    independent-foundation-model criteria: technical, policy, ethics), with the evidence for
    every finding.
    """


for _module, _attr in _COMMANDS:
    cli.add_command(getattr(import_module(_module), _attr))


def main(argv: list[str] | None = None) -> None:
    """Entry point: click usage errors exit 2; an unexpected crash exits 4, never 0."""
    try:
        rv = cli.main(args=argv, prog_name="sovscan", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.SCAN_ERROR)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(ExitCode.SCAN_ERROR)
    except Exception as exc:  # a crash must never look like a pass
        click.echo(f"sovscan: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(ExitCode.SCAN_ERROR)
    sys.exit(rv if isinstance(rv, int) else 0)
