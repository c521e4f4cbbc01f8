"""Printing results: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

F = TypeVar("F", bound=Callable[..., Any])

STATUS_STYLE = {
    "passing": "green",
    "failing": "bold red",
    "stale": "yellow",
    "missing": "magenta",
    "excepted": "cyan",
    "not_applicable": "dim",
    "other_party": "blue",
}


def json_option(function: F) -> F:
    """Add ``--json`` to a command."""
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of tables.")(
        function
    )


def emit_json(value: Any) -> None:
    """Print a value as JSON on stdout."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False))


def console() -> Console:
    """A console for human output on stdout (no colour when it is not a terminal)."""
    # No emoji codes: an ARN's ':secret:' is text, not a picture.
    return Console(highlight=False, soft_wrap=False, emoji=False, width=None if sys.stdout.isatty() else 120)


def table(*columns: str, title: str | None = None) -> Table:
    """A plain table with the given column headers."""
    result = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, header_style="bold")
    for column in columns:
        result.add_column(column, overflow="fold")
    return result


def styled_status(status: str) -> str:
    """Rich markup for a status word."""
    style = STATUS_STYLE.get(status, "")
    return f"[{style}]{status}[/]" if style else status


def print_verification(ok: bool, ok_line: str, problems: list[str], details: list[str]) -> int:
    """Print the outcome of verifying a file (a report, a packet) and return the exit code: 0 only when it holds.

    The first problem leads on standard error, then the others, then the details (signer, fingerprint, trust).
    """
    if ok:
        click.echo(ok_line)
        for line in details:
            click.echo(f"  {line}")
        return 0
    click.echo(f"FAILED: {problems[0]}", err=True)
    for problem in problems[1:]:
        click.echo(f"  also: {problem}", err=True)
    for line in details:
        click.echo(f"  {line}", err=True)
    return 1
