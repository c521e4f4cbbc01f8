"""Importing an existing responsibility matrix: a preview of how each row maps to a control, then one transaction.

A row whose area confidently matches an existing control (or an srm area only one control meets) updates that
control's owner; a row that matches nothing becomes a new control; anything in between, or a row that cannot be
read, is flagged for the user to decide. Every row also becomes a requirement of a framework built from the
matrix itself (categories and areas), which is how a re-import finds the controls an earlier import made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.catalog import Owner
from workbench.catalog.schema import ControlSpec, FrameworkFile, FrameworkMeta, RequirementSpec
from workbench.errors import InputError
from workbench.exchange.matrix_layout import find_layout, other_matrix_tables, read_rows
from workbench.exchange.matrix_match import IMPORTED_PREFIX, Matcher
from workbench.exchange.matrix_plan import (
    EXISTING,
    FLAGGED,
    NEW,
    SKIP,
    MatrixPreview,
    Placement,
    parse_decisions,
    plan_rows,
    side_part,
)
from workbench.exchange.tables import TableSource, file_sha256, read_tables
from workbench.services.catalog_entries import add_catalog_entries, next_control_ids
from workbench.services.ownership import responsibilities, set_owner
from workbench.wording import counted
from workbench.workspace import Workspace, default_actor

__all__ = [
    "EXISTING",
    "FLAGGED",
    "NEW",
    "SKIP",
    "MatrixImportResult",
    "MatrixPreview",
    "Placement",
    "apply_matrix",
    "parse_decisions",
    "preview_matrix",
    "side_part",
]

NEW_CONTROL_PREFIX = "SRM"
SOURCE = "srm-import"


def preview_matrix(
    workspace: Workspace,
    path: Path,
    *,
    source: TableSource | None = None,
    decisions: Mapping[int, str] | None = None,
    accept_flagged: bool = False,
) -> MatrixPreview:
    """Read a matrix file and work out what each row becomes; writes nothing.

    Args:
        workspace: the workspace whose controls rows are matched against.
        path: a CSV, XLSX or Markdown/text file holding the matrix.
        source: the file's tables when already read.
        decisions: source row number -> ``new``, ``skip`` or a control id, for flagged (or any) rows.
        accept_flagged: take the suggestion for every flagged row nobody decided.

    Raises:
        InputError: the file cannot be read, has no recognisable matrix, or a decision names an unknown row or
            control.
    """
    source = source or read_tables(path)
    layout = find_layout(source.tables, path.name)
    rows = read_rows(layout)
    if not rows:
        raise InputError(f"{path.name}: the table has a header but no rows")
    sha = file_sha256(path)
    framework_id = f"{IMPORTED_PREFIX}{sha[:12]}"
    catalog = workspace.catalog
    already = framework_id in catalog.frameworks
    matcher = Matcher(catalog, exclude_frameworks=frozenset({framework_id}))
    current = responsibilities(workspace)
    placements = plan_rows(
        rows, matcher, current, decisions=decisions or {}, accept_flagged=accept_flagged, name=path.name
    )
    new_rows = [p for p in placements if p.action == NEW]
    new_ids = next_control_ids(workspace, NEW_CONTROL_PREFIX, len(new_rows)) if new_rows else []
    for placement, control_id in zip(new_rows, new_ids, strict=True):
        placement.control_id = control_id
    notes = list(source.notes)
    others = other_matrix_tables(source.tables, layout.table)
    if others:
        notes.append(
            f"{path.name} holds {counted(len(others), 'more table')} with a matrix header, which were not read "
            f"({', '.join(t.name for t in others[:3])}): an import reads the first; put each other one in a file "
            "of its own to import it"
        )
    if already:
        notes.append(f"{path.name} was already imported (framework {framework_id}); applying it again is refused")
    return MatrixPreview(path, sha, source, layout, placements, framework_id, already, notes)


@dataclass
class MatrixImportResult:
    """What one import wrote."""

    framework_id: str
    requirements: int
    new_controls: list[str]
    owner_changes: list[str]
    skipped: list[int]

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "framework": self.framework_id,
            "requirements": self.requirements,
            "new_controls": self.new_controls,
            "owner_changes": self.owner_changes,
            "skipped_rows": self.skipped,
        }


def apply_matrix(workspace: Workspace, preview: MatrixPreview, *, actor: str | None = None) -> MatrixImportResult:
    """Write a previewed import in one transaction: the matrix's framework, new controls, owner changes.

    Raises:
        InputError: the file was already imported, or rows are still flagged; nothing is written.
    """
    name = preview.path.name
    if preview.already_imported:
        raise InputError(f"{name} was already imported (framework {preview.framework_id}); nothing written")
    flagged = [p.row.source_row for p in preview.placements if p.action == FLAGGED]
    if flagged:
        shown = ", ".join(str(n) for n in flagged[:8]) + (" ..." if len(flagged) > 8 else "")
        raise InputError(
            f"{name}: {len(flagged)} flagged rows ({shown}) need a decision: --decide ROW=new|CONTROL-ID|skip, or "
            "--accept-flagged to take the suggestions; nothing written"
        )
    kept = [p for p in preview.placements if p.action in (EXISTING, NEW)]
    if not kept:
        raise InputError(f"{name}: every row is skipped; nothing to import")
    new_rows = [p for p in kept if p.action == NEW]
    new_ids = [p.control_id for p in new_rows]
    try:
        framework, area_ids = _framework(preview, kept)
        controls = [_control_spec(p, p.control_id, preview, area_ids[id(p)]) for p in new_rows]
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"])
        raise InputError(f"{name}: cannot import: {where}: {error['msg']}; nothing written") from None
    existing = [p for p in kept if p.action == EXISTING]
    mappings = [(p.control_id, preview.framework_id, area_ids[id(p)]) for p in existing]
    who = actor or default_actor()
    with workspace.store.transaction(who) as writer:
        for placement in existing:
            if placement.unchanged:
                continue
            set_owner(
                workspace,
                placement.control_id,
                owner=placement.row.owner.value if placement.row.owner else "",
                vendor_part=placement.vendor_part,
                customer_part=placement.customer_part,
                note=f"srm import of {name}, row {placement.row.source_row}",
                actor=who,
                writer=writer,
            )
        add_catalog_entries(
            workspace,
            frameworks=[framework],
            controls=controls,
            mappings=mappings,
            source=SOURCE,
            origin=f"{name} sha256:{preview.sha256}",
            actor=who,
            writer=writer,
        )
    return MatrixImportResult(
        preview.framework_id,
        len(framework.requirements),
        new_ids,
        [p.control_id for p in existing if not p.unchanged],
        [p.row.source_row for p in preview.placements if p.action == SKIP],
    )


def _framework(preview: MatrixPreview, kept: list[Placement]) -> tuple[FrameworkFile, dict[int, str]]:
    requirements: list[RequirementSpec] = []
    categories: dict[str, str] = {}
    counters: dict[str, int] = {}
    area_ids: dict[int, str] = {}
    for placement in kept:
        row = placement.row
        parent: str | None = None
        if row.category:
            key = row.category.lower()
            if key not in categories:
                categories[key] = f"C{len(categories) + 1}"
                requirements.append(RequirementSpec(id=categories[key], title=row.category, kind="category"))
            parent = categories[key]
        prefix = parent or "A"
        counters[prefix] = counters.get(prefix, 0) + 1
        area_id = f"{parent}.{counters[prefix]}" if parent else f"A{counters[prefix]}"
        area_ids[id(placement)] = area_id
        attributes = {
            "default_owner": row.owner.value if row.owner else "",
            "vendor_part": placement.vendor_part,
            "customer_part": placement.customer_part,
            "source_row": str(row.source_row),
        }
        attributes.update({f"{kind}_mark": mark.text for kind, mark in row.marks.items() if mark.text})
        if row.ref:
            attributes["ref"] = row.ref
        requirements.append(
            RequirementSpec(
                id=area_id, title=row.area, kind="area", parent=parent, text=row.notes, attributes=attributes
            )
        )
    name = preview.path.name
    meta = FrameworkMeta(
        id=preview.framework_id,
        title=f"Shared-responsibility matrix {name}"[:200],
        version=preview.sha256[:12],
        source=f"Imported from {name} (sha256 {preview.sha256})",
        notice="Imported by this workspace from its own file; the wording is the file's.",
    )
    return FrameworkFile(framework=meta, requirements=requirements), area_ids


def _control_spec(placement: Placement, control_id: str, preview: MatrixPreview, area_id: str) -> ControlSpec:
    row = placement.row
    owner = row.owner or Owner.SHARED
    where = f"{row.category}: {row.area}" if row.category else row.area
    description = f"{where}. Imported from {preview.path.name}, row {row.source_row}."
    if row.notes:
        description += f" {row.notes}"
    maps = {preview.framework_id: [area_id]}
    if placement.srm_area:
        maps["srm"] = [placement.srm_area]
    title = row.area if len(row.area) <= 120 else row.area[:119] + "…"
    return ControlSpec(
        id=control_id,
        title=title,
        domain=row.category or "Shared responsibility",
        description=description,
        owner=owner,
        vendor_part=placement.vendor_part,
        customer_part=placement.customer_part,
        cadence="annual",
        maps=maps,
    )
