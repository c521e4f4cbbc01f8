"""Small helpers for the words the tool prints, shared by the CLI and the report templates."""

from __future__ import annotations


def counted(value: int, noun: str, plural: str | None = None) -> str:
    """``1 record``, ``1,204 records``: a count with its noun in the right number."""
    return f"{value:,} {noun}" if value == 1 else f"{value:,} {plural or noun + 's'}"
