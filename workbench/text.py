"""Text from outside (imported files, other organisations' packets, the workspace's own records) made safe to store,
print and show: no control characters (terminal escape sequences, characters XML forbids) and never markup."""

from __future__ import annotations

import re

from rich.markup import escape

#: C0 control characters but the tab and newline, DEL, and C1: what a terminal may read as an escape sequence and
#: what an XLSX file (XML) may not hold
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(value: str) -> str:
    """``value`` without control characters (for what is stored: imported cells)."""
    return CONTROL.sub("", value)


def shown(value: str) -> str:
    """``value`` with each control character replaced by '?' (for what is printed: the reader sees something was
    there)."""
    return CONTROL.sub("?", value)


def markup_safe(value: str) -> str:
    """``value`` for a rich console or table: control characters replaced and markup escaped, so '[/]' in a title
    is printed as it is instead of being read (or failing) as markup."""
    return escape(shown(value))
