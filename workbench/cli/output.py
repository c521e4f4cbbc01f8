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
