"""Catalog entries as stored in a workspace: the JSON bodies of frameworks, controls and mappings it adds."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from workbench.catalog.loader import extend_catalog
from workbench.catalog.model import Catalog
from workbench.catalog.schema import ControlSpec, FrameworkFile
from workbench.errors import CatalogError

KINDS = ("framework", "control", "mapping")


def mapping_key(control_id: str, framework_id: str, requirement_id: str) -> str:
    """The key a mapping entry is stored under (one per control and requirement)."""
    return f"{control_id}>{framework_id}:{requirement_id}"


def mapping_body(control_id: str, framework_id: str, requirement_id: str) -> dict[str, str]:
    """The JSON body of a mapping entry."""
    return {"control": control_id, "framework": framework_id, "requirement": requirement_id}


def apply_entries(base: Catalog, rows: Iterable[tuple[str, str, str]]) -> Catalog:
    """Return ``base`` extended with stored entries, given as (id, kind, body JSON) in the order they were added.

    Raises:
        CatalogError: an entry does not parse, or no longer fits the library (naming the entry).
    """
    frameworks: list[FrameworkFile] = []
    controls: list[ControlSpec] = []
    mappings: list[tuple[str, str, str]] = []
    for entry_id, kind, body in rows:
        try:
            data: Any = json.loads(body)
            if kind == "framework":
                frameworks.append(FrameworkFile.model_validate(data))
            elif kind == "control":
                controls.append(ControlSpec.model_validate(data))
            elif kind == "mapping":
                mappings.append((str(data["control"]), str(data["framework"]), str(data["requirement"])))
            else:
                raise CatalogError(f"workspace catalog entry {entry_id}: unknown kind {kind!r}")
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            raise CatalogError(f"workspace catalog entry {entry_id}: cannot be read ({type(exc).__name__})") from None
    return extend_catalog(
        base, frameworks=frameworks, controls=controls, mappings=mappings, where="workspace catalog entries"
    )
