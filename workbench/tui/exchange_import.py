"""The exchange's first tab: import a responsibility matrix. Preview where each row goes (nothing written), decide
the flagged rows, then apply it all in one transaction: the calls of 'workbench srm import'."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Static

from workbench.errors import WorkbenchError
from workbench.exchange.ccm import CcmImportResult, CcmPreview, apply_ccm, looks_like_ccm, preview_ccm
from workbench.exchange.matrix_import import (
    EXISTING,
    FLAGGED,
    NEW,
    MatrixImportResult,
    MatrixPreview,
    Placement,
    apply_matrix,
    preview_matrix,
)
from workbench.exchange.matrix_layout import CUSTOMER, VENDOR
from workbench.exchange.tables import read_tables
from workbench.tui.base import PlainTable, forget_statuses
from workbench.wording import OWNER_LABEL, counted
from workbench.workspace import Workspace

#: control characters (C0 but the newline, DEL, C1): text from a file or another organisation's packet never
#: reaches the terminal with an escape sequence in it
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean(value: str) -> str:
    """Untrusted text made safe to show: control characters replaced by '?'."""
    return _CONTROL.sub("?", value)


def plain(value: str, style: str = "") -> Text:
    """Untrusted text as a table cell or a line: never markup, no control characters."""
    return Text(clean(value), style=style)


#: how a tab runs a job off the UI thread: (the job, the call, what shows its result, what to say meanwhile)
Launcher = Callable[[str, Callable[[], Any], Callable[[Any], None], str], None]

PREVIEW_COLUMNS = ("Row", "Category", "Area", "Vendor", "Customer", "Owner", "Goes to")
#: the widest each column of the preview is drawn, so where a row goes shows on 120 columns (the line under the
#: table shows the row under the cursor in full)
PREVIEW_WIDEST = (3, 14, 24, 12, 12, 8, 80)
#: the widest a column of the exchange's other tables is drawn
WIDEST = 48


def fill_table(
    table: DataTable[Any],
    labels: Sequence[str],
    rows: Sequence[tuple[str, Sequence[Text]]],
    widest: Sequence[int] = (),
) -> None:
    """Replace a table's columns and rows, each column as wide as its widest cell up to a bound (as base.fill_table,
    for cells of styled text); the cursor stays on the row it was on."""
    cursor = table.cursor_coordinate
    table.clear(columns=True)
    for index, label in enumerate(labels):
        width = max([len(label), *(cells[index].cell_len for _, cells in rows)])
        table.add_column(label, width=min(width, widest[index] if index < len(widest) else WIDEST))
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if rows:
        table.cursor_coordinate = cursor


def goes_to(placement: Placement) -> Text:
    """Where a matrix row goes, as the preview shows it: an existing control, a NEW one, FLAGGED or skipped."""
    decided = ""
    if placement.reason.startswith("decided:"):
        decided = " · your decision"
    elif placement.reason.startswith("suggestion taken"):
        decided = " · suggestion taken"
    if placement.action == EXISTING:
        return plain(f"{placement.control_id} ({placement.change_words()}){decided}")
    if placement.action == NEW:
        where = f" in srm {placement.srm_area}" if placement.srm_area else ""
        return plain(f"NEW {placement.control_id}{where}{decided}", style="green")
    if placement.action == FLAGGED:
        text = plain("FLAGGED ", style="bold yellow")
        text.append(clean(f"{placement.reason} (suggest: {placement.suggestion})"))
        return text
    return plain(f"skip{decided or f' ({placement.reason})'}", style="dim")


def preview_rows(preview: MatrixPreview) -> list[tuple[str, list[Text]]]:
    """The preview table's rows, keyed by the file's row number. Cell text from the file goes in as Text, never
    as markup (rich drops control characters from it)."""
    rows = []
    for placement in preview.placements:
        row = placement.row
        vendor, customer = row.marks.get(VENDOR), row.marks.get(CUSTOMER)
        owner = OWNER_LABEL[row.owner.value] if row.owner else (row.owner_text or "?")
        category = f"{row.category} ↓" if row.category_carried else row.category
        cells = [
            str(row.source_row),
            category,
            row.area,
            vendor.text if vendor else "",
            customer.text if customer else "",
        ]
        rows.append((str(row.source_row), [*(plain(cell) for cell in cells), plain(owner), goes_to(placement)]))
    return rows


def choices(placement: Placement) -> list[str]:
    """What ``space`` cycles a row through: as planned (""), the suggestion, the candidate control, new, skip."""
    options = [""]
    if placement.action == FLAGGED:
        options.append(placement.suggestion)
        if placement.control_id:
            options.append(placement.control_id)
    for choice in ("new", "skip"):
        if not (placement.action == NEW and choice == "new"):
            options.append(choice)
    unique: list[str] = []
    for option in options:
        if option and option.lower() in (kept.lower() for kept in unique):
            continue
        unique.append(option)
    return unique


def read_matrix(workspace: Workspace, path: Path) -> MatrixPreview | CcmPreview:
    """Preview a file as 'workbench srm import FILE --preview' does: a responsibility matrix, or a CCM/CAIQ
    spreadsheet (recognised by its header) that becomes a framework.

    Raises:
        InputError: the file cannot be read or holds neither.
    """
    source = read_tables(path)
    if looks_like_ccm(source):
        return preview_ccm(workspace, path, source=source)
    return preview_matrix(workspace, path, source=source)


class MatrixImportPane(Vertical):
    """A matrix file's path, its preview table with the row under the cursor in full, and the decisions."""

    def __init__(self, workspace: Workspace, launch: Launcher) -> None:
        super().__init__(id="import-pane")
        self.workspace = workspace
        self.launch = launch
        #: the file's rows as planned with no decision: what ``space`` cycles from
        self.planned: MatrixPreview | None = None
        #: the preview with the decisions below applied: what Apply writes
        self.preview: MatrixPreview | None = None
        self.decisions: dict[int, str] = {}
        self.accept_flagged = False
        self.imported: MatrixImportResult | None = None
        #: a CCM/CAIQ spreadsheet's preview (instead of a matrix's), and what its import wrote
        self.ccm: CcmPreview | None = None
        self.ccm_imported: CcmImportResult | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-row exchange-row"):
            yield Input(id="import-path", placeholder="Matrix file: CSV, XLSX or Markdown (ctrl+o picks)")
            yield Button("Preview (ctrl+r)", variant="primary", id="import-preview")
            yield Button("Apply (ctrl+s)", id="import-apply", disabled=True)
        yield Static("", id="import-status", classes="exchange-status", markup=False)
        yield PlainTable(id="import-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="import-row", classes="exchange-status", markup=False)
        yield Static("", id="import-columns", classes="exchange-status", markup=False)
        yield Input(id="import-decide", placeholder="i: the control id the row under the cursor goes to (Enter)")

    def say(self, message: str) -> None:
        """Show a message on the tab's status line."""
        self.query_one("#import-status", Static).update(clean(message))

    def _path(self) -> Path | None:
        text = self.query_one("#import-path", Input).value.strip()
        return Path(text).expanduser() if text else None

    def start_preview(self) -> None:
        """Read the file named in the path field and show where each row goes (a thread worker; nothing written)."""
        path = self._path()
        if path is None:
            self.say("Name the matrix file to import (or pick one with ctrl+o)")
            return
        workspace = self.workspace
        self.planned = self.preview = self.ccm = None
        self.decisions, self.accept_flagged = {}, False
        self.query_one("#import-apply", Button).disabled = True
        self.screen.refresh_bindings()
        self.launch("import", lambda: read_matrix(workspace, path), self.show_planned, f"Reading {path.name} ...")

    def show_planned(self, preview: MatrixPreview | CcmPreview) -> None:
        """A fresh preview, before any decision: on screen, the cursor on the first flagged row."""
        self.imported = self.ccm_imported = None
        if isinstance(preview, CcmPreview):
            self.show_ccm(preview)
            self.query_one("#import-table", DataTable).focus()
            return
        self.planned = preview
        self.show_preview(preview)
        table = self.query_one("#import-table", DataTable)
        flagged = [index for index, p in enumerate(preview.placements) if p.action == FLAGGED]
        table.move_cursor(row=flagged[0] if flagged else 0)
        table.focus()

    def show_preview(self, preview: MatrixPreview) -> None:
        """Show a preview: its rows, its counts, the columns read and those not understood."""
        self.preview = preview
        fill_table(self.query_one("#import-table", DataTable), PREVIEW_COLUMNS, preview_rows(preview), PREVIEW_WIDEST)
        self.show_row()
        counts = preview.counts()
        lines = [*(f"note: {note}" for note in preview.notes)]
        lines.append(
            f"{preview.path.name}: {counted(counts['rows'], 'row')}: {counts[EXISTING]} existing controls, "
            f"{counts[NEW]} new, {counts[FLAGGED]} flagged, {counts['skip']} skipped. Nothing is written until Apply."
        )
        if counts[FLAGGED]:
            lines.append("Decide each flagged row: space cycles it, i names a control; a accepts every suggestion.")
        self.say("\n".join(lines))
        columns = ", ".join(f"{kind}={header!r}" for kind, header in preview.layout.describe().items())
        unknown = ", ".join(repr(c) for c in preview.unknown_columns)
        self.query_one("#import-columns", Static).update(
            clean(
                f"{preview.layout.table.name}, header on row {preview.layout.header_row}: {columns}"
                + (f"\nColumns not understood (not imported): {unknown}" if unknown else "\nEvery column understood.")
            )
        )
        self.query_one("#import-apply", Button).disabled = counts[FLAGGED] > 0 or preview.already_imported
        self.screen.refresh_bindings()

    @on(DataTable.RowHighlighted, "#import-table")
    def show_row(self) -> None:
        """The row under the cursor in full, and what ``space`` would make of it."""
        row = self._cursor_row()
        shown = self.query_one("#import-row", Static)
        if self.preview is None or self.planned is None or row is None:
            shown.update("")
            return
        placement = next(p for p in self.preview.placements if p.row.source_row == row)
        planned = next(p for p in self.planned.placements if p.row.source_row == row)
        line = placement.row
        marks = " · ".join(f"{side} {mark.text}" for side, mark in line.marks.items() if mark.text)
        where = f"{line.category}: {line.area}" if line.category else line.area
        cycle = " → ".join(choice or "as planned" for choice in choices(planned))
        shown.update(
            plain(f"Row {row}: {where}" + (f" · {marks}" if marks else "") + " → ").append_text(goes_to(placement))
            + plain(f"\nspace cycles: {cycle}; i names a control")
        )

    def _cursor_row(self) -> int | None:
        """The matrix row (its number in the file) under the cursor; None without a matrix preview."""
        table = self.query_one("#import-table", DataTable)
        if table.row_count == 0 or self.preview is None:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if value is None else int(value)

    def redecide(self, attempts: list[dict[int, str]], accept_flagged: bool) -> None:
        """Preview again with the first of ``attempts`` (sets of decisions) the preview takes: a choice it refuses
        (say, a control another row already sets) is passed over; when it takes none, its reason is shown."""
        if self.planned is None:
            return
        workspace, path = self.workspace, self.planned.path

        def call() -> tuple[MatrixPreview, dict[int, str], bool]:
            refused: WorkbenchError | None = None
            for decisions in attempts:
                try:
                    preview = preview_matrix(workspace, path, decisions=decisions, accept_flagged=accept_flagged)
                except WorkbenchError as exc:
                    refused = refused or exc
                    continue
                return preview, decisions, accept_flagged
            assert refused is not None  # noqa: S101 - attempts is never empty
            raise refused

        self.launch("import", call, self._decided, "Placing the rows again ...")

    def _decided(self, outcome: tuple[MatrixPreview, dict[int, str], bool]) -> None:
        preview, self.decisions, self.accept_flagged = outcome
        self.show_preview(preview)

    def cycle(self) -> None:
        """The row under the cursor goes the next way it can: as planned, the suggestion, the candidate, new, skip."""
        row = self._cursor_row()
        if self.planned is None or row is None:
            return
        planned = next(p for p in self.planned.placements if p.row.source_row == row)
        options = choices(planned)
        current = self.decisions.get(row, "")
        start = options.index(current) + 1 if current in options else 0
        others = {k: v for k, v in self.decisions.items() if k != row}
        attempts = []
        for step in range(len(options)):
            following = options[(start + step) % len(options)]
            attempts.append({**others, row: following} if following else dict(others))
        self.redecide(attempts, self.accept_flagged)

    def decide_control(self) -> None:
        """Move to the field that names the control the row under the cursor goes to."""
        if self._cursor_row() is not None:
            self.query_one("#import-decide", Input).focus()

    @on(Input.Submitted, "#import-decide")
    def control_named(self, event: Input.Submitted) -> None:
        row = self._cursor_row()
        wanted = event.value.strip()
        if row is None or not wanted:
            return
        event.input.value = ""
        self.query_one("#import-table", DataTable).focus()
        self.redecide([{**self.decisions, row: wanted}], self.accept_flagged)

    @on(Input.Submitted, "#import-path")
    def path_submitted(self) -> None:
        self.start_preview()

    def accept(self) -> None:
        """Take (or stop taking) the suggestion for every flagged row nobody decided."""
        if self.ccm is not None:
            self.accept_flagged = not self.accept_flagged
            self.show_ccm(self.ccm)
            return
        self.redecide([self.decisions], not self.accept_flagged)

    def apply(self) -> None:
        """Write the previewed import, with the decisions taken, in one transaction."""
        if self.ccm is not None:
            self.apply_ccm(self.ccm)
            return
        preview = self.preview
        if preview is None:
            self.say("Preview the file first (ctrl+r)")
            return
        if preview.already_imported:
            self.say(
                f"{preview.path.name} was already imported (framework {preview.framework_id}). Nothing was written."
            )
            return
        flagged = [str(p.row.source_row) for p in preview.placements if p.action == FLAGGED]
        if flagged:
            self.say(
                f"{counted(len(flagged), 'row')} still flagged ({', '.join(flagged[:8])}): decide each with space "
                "or i, or accept every suggestion with a. Nothing was written.",
            )
            return
        workspace, path, decisions, accept = self.workspace, preview.path, dict(self.decisions), self.accept_flagged

        def call() -> MatrixImportResult:
            # the same calls as 'workbench srm import FILE --decide ... [--accept-flagged]'
            fresh = preview_matrix(workspace, path, decisions=decisions, accept_flagged=accept)
            return apply_matrix(workspace, fresh)

        self.launch("import", call, self.show_imported, f"Importing {path.name} ...")

    def show_imported(self, result: MatrixImportResult) -> None:
        """What the import wrote; the lists and the dashboard read afresh."""
        forget_statuses(self.app)
        self.imported = result
        self.preview = None
        self.query_one("#import-apply", Button).disabled = True
        self.screen.refresh_bindings()
        name = self.planned.path.name if self.planned else "the matrix"
        self.say(
            f"Imported {name}: framework {result.framework_id} ({counted(result.requirements, 'requirement')}), "
            f"{counted(len(result.new_controls), 'new control')}, "
            f"{counted(len(result.owner_changes), 'owner change')}, {counted(len(result.skipped), 'row')} skipped. "
            "One ledger entry per change; 'workbench verify' checks them.",
        )

    # ---- a CCM/CAIQ spreadsheet: a framework of domains, controls and questions with their ownership -------------

    def show_ccm(self, preview: CcmPreview) -> None:
        """Show what a CCM/CAIQ spreadsheet becomes: its requirements with their owners, the rows flagged."""
        self.ccm = preview
        rows = [
            (
                item.id,
                [
                    plain(str(item.source_row or "")),
                    plain(item.kind),
                    plain(item.id),
                    plain(item.title),
                    plain(
                        OWNER_LABEL.get(item.attributes.get("default_owner", ""), item.attributes.get("ownership", ""))
                    ),
                ],
            )
            for item in preview.items
        ]
        fill_table(self.query_one("#import-table", DataTable), ("Row", "Kind", "Id", "Title", "Owner"), rows)
        counts = preview.counts()
        owners = ", ".join(
            f"{OWNER_LABEL.get(owner, owner)} {number}" for owner, number in sorted(preview.owners.items())
        )
        lines = [*(f"note: {note}" for note in preview.notes)]
        lines.append(
            f"{preview.path.name}: CCM/CAIQ framework {preview.framework_id} from {', '.join(preview.sheets)}: "
            f"{counted(counts['domain'], 'domain')}, {counted(counts['control'], 'control')}, "
            f"{counted(counts['question'], 'question')}; ownership: {owners or 'none'}. Nothing is written until Apply."
        )
        lines += [f"FLAGGED row {row}: {why}" for row, why in preview.flagged[:5]]
        if len(preview.flagged) > 5:
            lines.append(f"... and {len(preview.flagged) - 5} more flagged rows")
        if preview.flagged:
            taken = "taken as they are (a toggles)" if self.accept_flagged else "refused until a accepts them"
            lines.append(f"{counted(len(preview.flagged), 'flagged row')}: {taken}")
        self.say("\n".join(lines))
        self.query_one("#import-row", Static).update("")
        unknown = ", ".join(repr(c) for c in preview.unknown_columns)
        self.query_one("#import-columns", Static).update(
            clean(f"Columns not understood (not imported): {unknown}" if unknown else "Every column understood.")
        )
        blocked = preview.already_imported or (bool(preview.flagged) and not self.accept_flagged)
        self.query_one("#import-apply", Button).disabled = blocked
        self.screen.refresh_bindings()

    def apply_ccm(self, preview: CcmPreview) -> None:
        """Add the spreadsheet's framework in one transaction, as 'workbench srm import FILE' does."""
        if preview.flagged and not self.accept_flagged:
            self.say(
                f"{counted(len(preview.flagged), 'row')} flagged: fix the file, or take them as they are with a. "
                "Nothing was written."
            )
            return
        workspace, path, accept = self.workspace, preview.path, self.accept_flagged

        def call() -> CcmImportResult:
            return apply_ccm(workspace, preview_ccm(workspace, path), accept_flagged=accept)

        self.launch("import", call, self.show_ccm_imported, f"Importing {path.name} ...")

    def show_ccm_imported(self, result: CcmImportResult) -> None:
        """What the CCM import wrote."""
        forget_statuses(self.app)
        self.ccm_imported = result
        name = self.ccm.path.name if self.ccm else "the spreadsheet"
        self.ccm = None
        self.query_one("#import-apply", Button).disabled = True
        self.screen.refresh_bindings()
        counts = result.counts
        self.say(
            f"Imported {name} as framework {result.framework_id}: {counted(counts.get('domain', 0), 'domain')}, "
            f"{counted(counts.get('control', 0), 'control')}, {counted(counts.get('question', 0), 'question')}."
        )
