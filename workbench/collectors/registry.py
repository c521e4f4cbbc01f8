"""The registry of implemented checks, and which check ids the control library names but nobody has written yet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workbench.catalog import Catalog


@dataclass(frozen=True)
class CheckInfo:
    """What the registry knows of one implemented check."""

    id: str
    service: str
    title: str
    severity: str


def implemented_checks() -> Mapping[str, CheckInfo]:
    """Return every implemented check by id.

    The AWS checks arrive with the collection issue ("AWS evidence collection: 40+ checks ..."); until then the
    registry is empty and every check the library names is reported as pending.
    """
    return {}


def check_state(check_id: str, implemented: Mapping[str, CheckInfo] | None = None) -> str:
    """Return ``implemented`` or ``pending`` for a check id."""
    known = implemented_checks() if implemented is None else implemented
    return "implemented" if check_id in known else "pending"


def referenced_checks(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Return every check id the control library names, with the controls that name it."""
    named: dict[str, list[str]] = {}
    for control in catalog.controls.values():
        for check_id in control.checks:
            named.setdefault(check_id, []).append(control.id)
    return {check_id: tuple(ids) for check_id, ids in sorted(named.items())}


def pending_checks(catalog: Catalog, implemented: Iterable[str] | None = None) -> tuple[str, ...]:
    """Return the check ids the library names that no implemented check provides."""
    known = set(implemented_checks() if implemented is None else implemented)
    return tuple(check_id for check_id in referenced_checks(catalog) if check_id not in known)
