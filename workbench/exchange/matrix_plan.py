"""Planning a matrix import: what each row becomes (an existing control, a new one, flagged or skipped), the
user's decisions, and each side's part in words. Nothing here writes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog import Owner
from workbench.errors import InputError
from workbench.exchange.matrix_layout import CUSTOMER, VENDOR, Layout, Mark, MatrixRow
from workbench.exchange.matrix_match import CONFIDENT, MARGIN, POSSIBLE, Matcher, best_by_control, best_srm_area
from workbench.exchange.tables import TableSource
from workbench.services.ownership import Responsibility
from workbench.wording import OWNER_LABEL

_VERBS = {
    "provides", "applies", "manages", "implements", "configures", "owns", "operates", "maintains", "enforces",
    "assists", "reviews", "monitors", "supports", "performs", "defines", "grants", "approves", "delivers", "hosts",
    "runs", "secures", "patches", "encrypts", "rotates", "notifies", "documents", "tests", "deploys", "builds",
    "designs", "audits", "trains", "investigates", "controls", "governs", "allows", "enables", "sets",
}  # fmt: skip
_DECISION = re.compile(r"^\s*(\d+)\s*=\s*(\S+)\s*$")

EXISTING, NEW, FLAGGED, SKIP = "existing", "new", "flagged", "skip"


@dataclass
class Placement:
    """What one row becomes."""

    row: MatrixRow
    action: str  # existing | new | flagged | skip
    control_id: str = ""
    score: float = 0.0
    #: why the row is flagged (or which decision placed it)
    reason: str = ""
    #: what --accept-flagged does with a flagged row: ``new``, ``skip`` or a control id
    suggestion: str = ""
    srm_area: str = ""
    current: Responsibility | None = None
    vendor_part: str = ""
    customer_part: str = ""

    @property
    def unchanged(self) -> bool:
        """An existing control whose owner and parts already read as the row says (a re-import)."""
        now = self.current
        return (
            self.action == EXISTING
            and now is not None
            and self.row.owner == now.owner
            and self.vendor_part == now.vendor_part
            and self.customer_part == now.customer_part
        )

    def change_words(self) -> str:
        """What a row placed on an existing control changes, in words: ``no change``, ``shared, parts reworded``
        or ``customer → vendor``."""
        before = self.current.owner.value if self.current else "?"
        after = self.row.owner.value if self.row.owner else "?"
        if self.unchanged:
            return "no change"
        if before == after:
            return f"{OWNER_LABEL[after]}, parts reworded"
        return f"{OWNER_LABEL.get(before, before)} → {OWNER_LABEL.get(after, after)}"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        row = self.row
        return {
            "row": row.source_row,
            "category": row.category,
            "category_carried": row.category_carried,
            "area": row.area,
            "vendor": _mark_dict(row.marks.get(VENDOR)),
            "customer": _mark_dict(row.marks.get(CUSTOMER)),
            "owner": row.owner.value if row.owner else None,
            "action": self.action,
            "control": self.control_id or None,
            "current_owner": self.current.owner.value if self.current else None,
            "unchanged": self.unchanged,
            "vendor_part": self.vendor_part or None,
            "customer_part": self.customer_part or None,
            "srm_area": self.srm_area or None,
            "score": self.score,
            "reason": self.reason or None,
            "suggestion": self.suggestion or None,
        }


def _mark_dict(mark: Mark | None) -> dict[str, Any] | None:
    if mark is None:
        return None
    return {"text": mark.text, "marked": mark.present, "qualifier": mark.qualifier or None}


@dataclass
class MatrixPreview:
    """How a matrix file would be imported; nothing is written until :func:`apply_matrix`."""

    path: Path
    sha256: str
    source: TableSource
    layout: Layout
    placements: list[Placement]
    framework_id: str
    already_imported: bool
    notes: list[str] = field(default_factory=list)

    @property
    def unknown_columns(self) -> tuple[str, ...]:
        """Headers the workbench did not understand (reported, their cells not imported)."""
        return self.layout.unknown

    def counts(self) -> dict[str, int]:
        """Rows by action."""
        result = {"rows": len(self.placements), EXISTING: 0, NEW: 0, FLAGGED: 0, SKIP: 0}
        for placement in self.placements:
            result[placement.action] += 1
        return result

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "file": self.path.name,
            "sha256": self.sha256,
            "kind": "matrix",
            "table": self.layout.table.name,
            "header_row": self.layout.header_row,
            "columns": self.layout.describe(),
            "unknown_columns": list(self.unknown_columns),
            "encoding": self.source.encoding or None,
            "notes": self.notes,
            "framework": self.framework_id,
            "already_imported": self.already_imported,
            "rows": [p.as_dict() for p in self.placements],
            "counts": self.counts(),
        }


def parse_decisions(values: tuple[str, ...] | list[str]) -> dict[int, str]:
    """Parse ``--decide ROW=new|CONTROL-ID|skip`` values.

    Raises:
        InputError: a value that is not ``ROW=ACTION``, or a row decided twice.
    """
    decisions: dict[int, str] = {}
    for value in values:
        found = _DECISION.match(value)
        if not found:
            raise InputError(f"--decide {value!r}: write ROW=new, ROW=skip or ROW=CONTROL-ID (ROW as in the preview)")
        row = int(found.group(1))
        if row in decisions:
            raise InputError(f"--decide: row {row} is decided twice")
        decisions[row] = found.group(2)
    return decisions


def _place(row: MatrixRow, matcher: Matcher, current: Mapping[str, Responsibility]) -> Placement:
    if row.problems:
        return Placement(row, FLAGGED, reason="; ".join(row.problems), suggestion=SKIP)
    if row.control_id and row.control_id in current:
        # the workbench's own export names each row's control by id: an edited export updates those controls
        named = row.control_id
        return Placement(row, EXISTING, named, 1.0, reason=f"named by id {named}", current=current[named])
    matches = matcher.candidates(row.area, row.category)
    area = best_srm_area(matches)
    srm_area = area.target.srm_area or "" if area is not None else ""
    controls = best_by_control(matches)
    if not controls or controls[0].score < POSSIBLE:
        return Placement(row, NEW, srm_area=srm_area)
    best = controls[0]
    cid = best.target.control_id or ""
    runner_up = controls[1] if len(controls) > 1 else None
    if best.score >= CONFIDENT and (runner_up is None or best.score - runner_up.score >= MARGIN):
        now = current.get(cid)
        one_mark = sum(1 for mark in row.marks.values() if mark.present) == 1
        if row.cells_moved and one_mark and now is not None and row.owner is not None and row.owner != now.owner:
            # Which column the one mark sat in was guessed: a person confirms before an owner changes on that.
            why = (
                f"the row left out its category, so its cells were moved along to fit and its one mark was read "
                f"as the {row.owner.value}'s, which would change {cid} from {now.owner.value}: check the file"
            )
            return Placement(row, FLAGGED, cid, best.score, why, cid, srm_area, now)
        return Placement(row, EXISTING, cid, best.score, srm_area=srm_area, current=now)
    if best.score >= CONFIDENT and runner_up is not None:
        other = runner_up.target.control_id
        why = f"close call: {cid} ({best.score:.2f}) or {other} ({runner_up.score:.2f})"
    else:
        why = f"possible match {cid} {best.target.name!r} ({best.score:.2f})"
    return Placement(row, FLAGGED, cid, best.score, why, NEW, srm_area, current.get(cid))


def _flag_repeats(placements: list[Placement]) -> None:
    """Two rows on one existing control: the better match keeps it, the other is flagged. A repeated area too."""
    by_control: dict[str, Placement] = {}
    by_area: dict[tuple[str, str], Placement] = {}
    for placement in sorted(placements, key=lambda p: -p.score):
        if placement.action == EXISTING:
            first = by_control.get(placement.control_id)
            if first is not None:
                placement.action, placement.suggestion = FLAGGED, NEW
                placement.reason = f"{placement.control_id} is already the match of row {first.row.source_row}"
            else:
                by_control[placement.control_id] = placement
    for placement in placements:
        key = (placement.row.category.lower(), placement.row.area.lower())
        first = by_area.get(key)
        if first is not None and placement.row.area:
            placement.action, placement.suggestion = FLAGGED, SKIP
            placement.reason = f"repeats row {first.row.source_row}"
        else:
            by_area[key] = placement


def _apply_decisions(
    placements: list[Placement],
    decisions: Mapping[int, str],
    accept_flagged: bool,
    current: Mapping[str, Responsibility],
    name: str,
) -> None:
    by_row = {p.row.source_row: p for p in placements}
    for row_number, choice in decisions.items():
        placement = by_row.get(row_number)
        if placement is None:
            raise InputError(f"--decide {row_number}={choice}: {name} has no data row {row_number}")
        _decide(placement, choice, current, f"decided: {choice}")
    if accept_flagged:
        for placement in placements:
            if placement.action == FLAGGED:
                _decide(placement, placement.suggestion, current, f"suggestion taken ({placement.reason})")
    taken: dict[str, int] = {}
    for placement in placements:
        if placement.action != EXISTING:
            continue
        if placement.control_id in taken:
            raise InputError(
                f"rows {taken[placement.control_id]} and {placement.row.source_row} would both set the owner of "
                f"{placement.control_id}; decide one of them otherwise"
            )
        taken[placement.control_id] = placement.row.source_row


def _decide(placement: Placement, choice: str, current: Mapping[str, Responsibility], why: str) -> None:
    lowered = choice.lower()
    row = placement.row
    if lowered == SKIP:
        placement.action, placement.control_id, placement.reason = SKIP, "", why
        return
    if row.owner is None:
        raise InputError(
            f"--decide {row.source_row}={choice}: the row's owner cannot be read ({'; '.join(row.problems)}); "
            "fix the file or skip the row"
        )
    if not row.area:
        raise InputError(f"--decide {row.source_row}={choice}: the row has no area; fix the file or skip the row")
    if lowered == NEW:
        placement.action, placement.control_id, placement.reason = NEW, "", why
        return
    wanted = choice.upper()
    if wanted not in current:
        raise InputError(f"--decide {row.source_row}={choice}: no control {choice!r} (use new, skip or a control id)")
    placement.action, placement.control_id, placement.reason = EXISTING, wanted, why
    placement.current = current[wanted]


def side_part(area: str, mark: Mark | None, explicit: str) -> str:
    """One side's part in words: the matrix's own wording, else built from the mark and its qualifier.

    ``✓ (provides)`` on "Data Plane updates" gives "Provides the Data Plane updates."; ``✓ (guidance)`` gives
    "Data Plane updates: guidance."; no mark gives "None.".
    """
    if explicit:
        return explicit if explicit.endswith(".") else explicit + "."
    if mark is None or not mark.present:
        return "None."
    qualifier = mark.qualifier.strip().rstrip(".")
    if not qualifier:
        return f"{area}."
    if qualifier.split()[0].lower() in _VERBS:
        return f"{qualifier[0].upper()}{qualifier[1:]} the {area}."
    return f"{area}: {qualifier}."


def _parts(row: MatrixRow) -> tuple[str, str]:
    vendor = side_part(row.area, row.marks.get(VENDOR), row.vendor_part)
    customer = side_part(row.area, row.marks.get(CUSTOMER), row.customer_part)
    if not row.marks and row.owner is not None:
        # an owner column without marks: the owner's side does the area, the other side nothing
        does = f"{row.area}."
        vendor = row.vendor_part or (does if row.owner.value.startswith(("vendor", "shared")) else "None.")
        customer = row.customer_part or (does if row.owner in (Owner.CUSTOMER, Owner.SHARED) else "None.")
    return vendor, customer


def plan_rows(
    rows: list[MatrixRow],
    matcher: Matcher,
    current: Mapping[str, Responsibility],
    *,
    decisions: Mapping[int, str],
    accept_flagged: bool,
    name: str,
) -> list[Placement]:
    """Place every row, flag repeats, apply the user's decisions and word each side's part.

    Raises:
        InputError: a decision names an unknown row or control, or gives two rows the same control.
    """
    placements = [_place(row, matcher, current) for row in rows]
    _flag_repeats(placements)
    _apply_decisions(placements, decisions, accept_flagged, current, name)
    for placement in placements:
        placement.vendor_part, placement.customer_part = _parts(placement.row)
    return placements
