"""The registry of implemented checks, and which check ids the control library names but nobody has written yet."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence

from workbench.catalog import Catalog
from workbench.collectors.base import Check
from workbench.errors import InputError


def implemented_checks() -> Mapping[str, type[Check]]:
    """Every implemented check by id (the AWS checks are imported on first use)."""
    from workbench.collectors.aws.checks import all_checks

    return {check.id: check for check in all_checks()}


def check_state(check_id: str, implemented: Mapping[str, type[Check]] | None = None) -> str:
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


def select_checks(selectors: Sequence[str] | None) -> list[type[Check]]:
    """Choose checks by id (``aws.s3.bucket_versioning``), by service (``s3``) or by pattern (``aws.iam.*``).

    Raises:
        InputError: a selector matches no check.
    """
    checks = list(implemented_checks().values())
    if not selectors:
        return checks
    chosen: dict[str, type[Check]] = {}
    for raw in selectors:
        for selector in (part.strip() for part in raw.split(",")):
            if not selector:
                continue
            matched = [
                check
                for check in checks
                if check.id == selector
                or check.service == selector
                or check.id.split(".")[1] == selector
                or fnmatch.fnmatchcase(check.id, selector)
            ]
            if not matched:
                raise InputError(
                    f"--checks: {selector!r} matches no check; 'workbench collect aws --list-checks' lists them"
                )
            for check in matched:
                chosen[check.id] = check
    return [check for check in checks if check.id in chosen]
