"""Reading a responsibility matrix's layout: which column is what, each side's mark and qualifier, owner words,
and the category carried down to rows that leave it out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from workbench.catalog import Owner
from workbench.errors import InputError
from workbench.exchange.tables import Table

#: how far down a table its header row may be (titles and notes above it are skipped)
HEADER_SEARCH_ROWS = 25

# Column kinds
CATEGORY, AREA, NOTES, REF, OWNER = "category", "area", "notes", "ref", "owner"
VENDOR, CUSTOMER, THIRD, SHARED = "vendor", "customer", "third", "shared"
VENDOR_PART, CUSTOMER_PART = "vendor_part", "customer_part"
MARK_KINDS = (VENDOR, CUSTOMER, THIRD, SHARED)

_WORD = re.compile(r"[a-z0-9]+")
_CUSTOMER_WORDS = {"customer", "customers", "client", "clients", "csc", "tenant", "consumer", "subscriber", "you"}
_THIRD_WORDS = {"third", "3rd", "aws", "azure", "gcp", "inherited", "subservice", "iaas"}
_VENDOR_WORDS = {"vendor", "provider", "csp", "supplier", "saas", "we", "our", "us"}
_PART_WORDS = {"part", "description", "details", "detail", "activities", "notes", "comments", "actions", "duties"}
_OWNER_HEADERS = {"owner", "ownership", "responsible", "responsibility", "accountable", "who", "owned"}
_CATEGORY_WORDS = {"category", "categories", "domain", "family", "group", "section", "layer", "pillar"}
_AREA_WORDS = {
    "area", "control", "capability", "topic", "item", "component", "activity", "function", "requirement",
    "task", "aspect", "subject", "feature", "service", "process",
}  # fmt: skip
_NOTE_HEADERS = {"notes", "note", "comments", "comment", "description", "details", "remarks", "evidence", "guidance"}
_REF_HEADERS = {"id", "ref", "reference", "no", "number", "#", "key"}
_FILLER = {"party", "model", "the", "of", "for", "who", "is"}


def column_kind(header: str) -> str | None:
    """Classify one header cell, or None when the workbench does not understand it."""
    lowered = header.lower().replace("'s", "")
    words = set(_WORD.findall(lowered)) | ({"#"} if lowered.strip() == "#" else set())
    if not words:
        return None
    is_part = bool(words & _PART_WORDS) and not (words & {"responsibility", "responsible"})
    if words & _CUSTOMER_WORDS:
        return CUSTOMER_PART if is_part else CUSTOMER
    if words & _THIRD_WORDS or "cloud provider" in lowered:
        return THIRD
    if words & {"shared", "joint"}:
        return SHARED
    if words & _VENDOR_WORDS:
        return VENDOR_PART if is_part else VENDOR
    if words & {"owner", "ownership", "owned"} or (words & _OWNER_HEADERS and words <= _OWNER_HEADERS | _FILLER):
        return OWNER
    if words & _REF_HEADERS:
        return REF
    if words & _CATEGORY_WORDS:
        return CATEGORY
    if words & _AREA_WORDS:
        return AREA
    if words & _NOTE_HEADERS:
        return NOTES
    if words & {"responsibility", "responsible", "responsibilities"}:
        # "Supermetal Responsibility": a side named after the vendor itself
        return VENDOR
    return None


@dataclass(frozen=True)
class Layout:
    """Where each known column is, and the headers nobody understood."""

    table: Table
    header_row: int
    header: tuple[str, ...]
    columns: dict[str, int]
    unknown: tuple[str, ...]
    #: positions of the columns a row fills when its category cell is missing
    without_category: tuple[int, ...] = ()

    def describe(self) -> dict[str, str]:
        """Map each known column kind to its header text."""
        return {kind: self.header[index] for kind, index in self.columns.items()}


#: the header of the workbench's own CSV and XLSX export ('workbench srm export'): its Control column holds control
#: ids, so a re-import after editing owners updates those controls instead of creating new ones
OWN_EXPORT_HEADER = ("control", "title", "area", "owner", "vendor part", "customer part", "requirements")
_OWN_EXPORT_KINDS = (REF, AREA, CATEGORY, OWNER, VENDOR_PART, CUSTOMER_PART, NOTES)


def _classify_header(table: Table, number: int, cells: tuple[str, ...]) -> Layout | None:
    if tuple(cell.strip().lower() for cell in cells) == OWN_EXPORT_HEADER:
        return Layout(table, number, cells, dict(zip(_OWN_EXPORT_KINDS, range(len(cells)), strict=True)), ())
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        kind = column_kind(cell) if cell else None
        if kind is None or kind in columns:
            if cell:
                unknown.append(cell)
            continue
        columns[kind] = index
    if AREA not in columns:
        return None
    has_sides = (VENDOR in columns and CUSTOMER in columns) or OWNER in columns
    if not has_sides:
        return None
    return Layout(table, number, cells, columns, tuple(unknown))


def find_layout(tables: list[Table], name: str) -> Layout:
    """Return the layout of the first table with a recognisable matrix header.

    Raises:
        InputError: no table, only empty tables, or no header the workbench recognises.
    """
    if not tables:
        raise InputError(f"{name}: no table found (a Markdown table needs a |---| line under its header)")
    if all(not t.rows for t in tables):
        raise InputError(f"{name}: the table is empty")
    for table in tables:
        for number, cells in table.rows[:HEADER_SEARCH_ROWS]:
            layout = _classify_header(table, number, cells)
            if layout is not None:
                data_rows = [r for r in table.rows if r[0] > number]
                if not data_rows and len(tables) == 1:
                    raise InputError(f"{name}: the table has a header ({' | '.join(cells)}) but no rows")
                if data_rows:
                    return layout
    first = next(t for t in tables if t.rows)
    seen = " | ".join(first.rows[0][1])[:160]
    raise InputError(
        f"{name}: no recognisable matrix header (wanted columns like 'Category | Security area | Vendor "
        f"responsibility | Customer responsibility' or an owner column; first row: {seen})"
    )


def other_matrix_tables(tables: Sequence[Table], chosen: Table) -> list[Table]:
    """The tables besides ``chosen`` that also have a recognisable matrix header and rows: an import reads one table,
    and says so when there were more."""
    found = []
    for table in tables:
        if table is chosen:
            continue
        for number, cells in table.rows[:HEADER_SEARCH_ROWS]:
            if _classify_header(table, number, cells) is not None and any(r[0] > number for r in table.rows):
                found.append(table)
                break
    return found


@dataclass(frozen=True)
class Mark:
    """One side's cell: whether it marks the side responsible, and the qualifier in brackets."""

    text: str
    #: True: responsible; False: not; None: the cell cannot be read
    present: bool | None
    qualifier: str = ""
    not_applicable: bool = False


_SYMBOLS = "✓✔☑✅🗸√"
_YES_WORDS = r"x|yes|y|true|1|r|a|r\s*/\s*a|a\s*/\s*r|ra|ar|raci|responsible|accountable|owner|owns"
_MARK = re.compile(
    rf"^(?:(?P<sym>[{_SYMBOLS}])\s*(?:\((?P<q1>[^()]*)\)|[-:,]?\s*(?P<q2>[^()].*))?"
    rf"|(?P<word>{_YES_WORDS})\s*(?:\((?P<q3>[^()]*)\))?)\s*$",
    re.IGNORECASE,
)
_NO_WORDS = r"-+|–|—|no|n|false|0|✗|✘|❌|c|i|c\s*/\s*i|consulted|informed|none"
_NO = re.compile(rf"^(?:{_NO_WORDS})\s*(?:\((?P<q>[^()]*)\))?$", re.I)
_NA = re.compile(r"^(?:n\s*/\s*a|na|not applicable)\s*(?:\((?P<q>[^()]*)\))?$", re.I)


def parse_mark(text: str) -> Mark:
    """Read a side's cell: a check mark (✓ ✔ ☑ x yes y true R A) with an optional ``(qualifier)``, or nothing."""
    value = text.strip()
    if not value:
        return Mark(text, False)
    found = _MARK.match(value)
    if found:
        qualifier = found.group("q1") or found.group("q2") or found.group("q3") or ""
        return Mark(text, True, qualifier.strip())
    found = _NA.match(value)
    if found:
        return Mark(text, False, (found.group("q") or "").strip(), not_applicable=True)
    found = _NO.match(value)
    if found:
        return Mark(text, False, (found.group("q") or "").strip())
    return Mark(text, None)


def looks_like_mark(text: str) -> bool:
    """True when a cell reads as a mark (or as an explicit no), so it cannot be an area's name."""
    mark = parse_mark(text)
    return bool(text.strip()) and mark.present is not None


#: words that turn an owner word around or hedge it: such a cell is not read, it is flagged for a person
_HEDGES = frozenset(
    {"not", "no", "non", "never", "except", "excluding", "partially", "partly", "partial", "mostly", "unless", "but"}
)


def parse_owner_word(text: str) -> Owner | None:
    """Read an owner word: CSP-owned, customer-owned (CSC-owned), shared, third party (inherited), N/A."""
    lowered = text.lower().replace("-", " ").replace("_", " ").strip()
    words = set(_WORD.findall(lowered))
    if not words and lowered not in {"n/a"}:
        return None
    if lowered in {"n/a", "na", "not applicable", "none"}:
        return Owner.NOT_APPLICABLE
    if words & _HEDGES:
        return None  # 'not CSP-owned', 'partially shared': a person decides, the row is flagged
    third = bool(words & {"third", "3rd", "inherited", "outsourced", "subservice"})
    if "shared" in words or "joint" in words or "both" in words:
        if third and words & _CUSTOMER_WORDS:
            return None  # shared by the customer and a third party: no such owner here
        if third:
            return Owner.SHARED_VENDOR_THIRD_PARTY
        return Owner.SHARED
    if third:
        return Owner.THIRD_PARTY
    if lowered in {"n/a", "na", "not applicable", "none"}:
        return Owner.NOT_APPLICABLE
    vendor = bool(words & (_VENDOR_WORDS | {"service", "platform"}))
    if words & _CUSTOMER_WORDS:
        return Owner.SHARED if vendor else Owner.CUSTOMER
    if vendor:
        return Owner.VENDOR
    return None


@dataclass
class MatrixRow:
    """One data row of the matrix, read."""

    source_row: int
    category: str
    area: str
    marks: dict[str, Mark]
    owner: Owner | None
    owner_text: str = ""
    vendor_part: str = ""
    customer_part: str = ""
    notes: str = ""
    ref: str = ""
    category_carried: bool = False
    #: the row left out its category cell and its cells were moved one column along to fit the header
    cells_moved: bool = False
    #: the control the row names by id (only in the workbench's own export, whose Control column holds ids)
    control_id: str = ""
    #: why the row cannot be placed as it stands (empty: readable)
    problems: list[str] = field(default_factory=list)


def owner_from_marks(marks: dict[str, Mark]) -> Owner | None:
    """Vendor only: vendor; customer only: customer; both: shared; with a third party as the CCM names it."""
    vendor, customer = marks.get(VENDOR), marks.get(CUSTOMER)
    third, shared = marks.get(THIRD), marks.get(SHARED)
    on = {kind for kind, mark in marks.items() if mark.present}
    if shared is not None and shared.present:
        return Owner.SHARED
    if VENDOR in on and CUSTOMER in on:
        return Owner.SHARED
    if VENDOR in on and THIRD in on:
        return Owner.SHARED_VENDOR_THIRD_PARTY
    if CUSTOMER in on and THIRD in on:
        return Owner.SHARED
    if on == {VENDOR}:
        return Owner.VENDOR
    if on == {CUSTOMER}:
        return Owner.CUSTOMER
    if on == {THIRD}:
        return Owner.THIRD_PARTY
    if not on and any(m.not_applicable for m in (vendor, customer, third) if m is not None):
        return Owner.NOT_APPLICABLE
    return None


def read_rows(layout: Layout) -> list[MatrixRow]:
    """Read every data row under the header, carrying the category down to rows that leave it out."""
    columns = layout.columns
    category_at = columns.get(CATEGORY)
    area_at = columns[AREA]
    # The columns in order without the category: where a flattened row's cells belong when its category is missing.
    shifted_order = sorted(i for i in columns.values() if i != category_at)
    rows: list[MatrixRow] = []
    category = ""
    own_export = tuple(cell.strip().lower() for cell in layout.header) == OWN_EXPORT_HEADER
    for number, cells in layout.table.rows:
        if number <= layout.header_row:
            continue
        placed = {kind: (cells[i] if i < len(cells) else "") for kind, i in columns.items()}
        carried = moved = False
        if category_at is not None:
            if _category_missing(cells, category_at, area_at):
                moved = True
                shifted = dict(zip(shifted_order, cells, strict=False))
                placed = {kind: shifted.get(i, "") for kind, i in columns.items() if kind != CATEGORY}
                placed[CATEGORY] = ""
            if placed[CATEGORY]:
                category = placed[CATEGORY]
            else:
                placed[CATEGORY] = category
                carried = bool(category)
        row = _read_row(number, placed, carried, cells, len(layout.header), moved)
        if own_export:
            row.control_id = row.ref.strip().upper()
        rows.append(row)
    return rows


def _category_missing(cells: tuple[str, ...], category_at: int, area_at: int) -> bool:
    """A flattened row leaves the category cell out: its area then sits where the category belongs and a mark
    (or nothing) sits where the area belongs."""
    if category_at != area_at - 1 or len(cells) <= category_at:
        return False
    at_area = cells[area_at] if area_at < len(cells) else ""
    if not cells[category_at] or looks_like_mark(cells[category_at]):
        return False
    if at_area and looks_like_mark(at_area):
        return True
    return not at_area and any(looks_like_mark(c) and c for c in cells[area_at + 1 :])


def _read_row(
    number: int, placed: dict[str, str], carried: bool, cells: tuple[str, ...], width: int, moved: bool = False
) -> MatrixRow:
    marks = {kind: parse_mark(placed[kind]) for kind in MARK_KINDS if kind in placed}
    problems: list[str] = []
    area = placed.get(AREA, "")
    if not area:
        problems.append("the area is empty")
    for kind, mark in marks.items():
        if mark.present is None:
            problems.append(f"cannot read the {kind} cell {mark.text!r}")
    owner: Owner | None = None
    owner_text = placed.get(OWNER, "")
    if owner_text:
        owner = parse_owner_word(owner_text)
        if owner is None:
            problems.append(f"cannot read the owner {owner_text!r}")
    elif marks and not any(m.present is None for m in marks.values()):
        owner = owner_from_marks(marks)
        if owner is None:
            problems.append("no side is marked")
    elif not marks:
        problems.append("no owner given")
    formulas = [c for c in (area, placed.get(CATEGORY, ""), *placed.values()) if c.startswith("=")]
    if formulas:
        problems.append(f"a cell holds a formula {formulas[0][:40]!r} (kept as text, not evaluated)")
    if len([c for c in cells if c]) > width:
        problems.append(f"{len(cells)} cells under a header of {width}")
    return MatrixRow(
        source_row=number,
        category=placed.get(CATEGORY, ""),
        area=area,
        marks=marks,
        owner=owner,
        owner_text=owner_text,
        vendor_part=placed.get(VENDOR_PART, ""),
        customer_part=placed.get(CUSTOMER_PART, ""),
        notes=placed.get(NOTES, ""),
        ref=placed.get(REF, ""),
        category_carried=carried,
        cells_moved=moved,
        problems=list(dict.fromkeys(problems)),
    )
