"""Small helpers for the words the tool prints, shared by the CLI and the report templates."""

from __future__ import annotations


def counted(value: int, noun: str, plural: str | None = None) -> str:
    """``1 record``, ``1,204 records``: a count with its noun in the right number."""
    return f"{value:,} {noun}" if value == 1 else f"{value:,} {plural or noun + 's'}"


#: short words for statuses and owners, so tables fit an 80-column terminal (CLI and TUI)
STATUS_LABEL = {
    "passing": "passing",
    "failing": "failing",
    "stale": "stale",
    "missing": "missing",
    "excepted": "excepted",
    "not_applicable": "n/a",
    "other_party": "other",
}
OWNER_LABEL = {
    "vendor": "vendor",
    "customer": "customer",
    "shared": "shared",
    "third_party": "3rd party",
    "shared_vendor_third_party": "vendor+3rd",
    "not_applicable": "n/a",
}
