"""Small helpers for tests that need a control of a certain kind from the shipped library."""

from __future__ import annotations

from workbench.catalog import Catalog, load_catalog


def control_owned_by(owner: str, catalog: Catalog | None = None, *, skip: int = 0) -> str:
    """Return the id of a control whose library owner is ``owner`` (the ``skip``-th one)."""
    found = [c.id for c in (catalog or load_catalog()).controls.values() if c.owner.value == owner]
    return found[skip]


def control_with_cadence(cadence: str) -> str:
    """Return the id of a vendor-owned control with this review cadence."""
    return next(c.id for c in load_catalog().controls.values() if c.cadence == cadence and c.owner.value == "vendor")
