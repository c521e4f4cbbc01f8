"""The shared-responsibility exchange from the app: import a matrix (preview, decide, apply), export it for a
customer, and each side's packets (a vendor's packet and the customer's response), through the CLI's service calls.

Everything that reads or writes a file runs in a thread worker; a user's mistake is shown under the fields, with
nothing written, and anything else goes to the error modal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    DirectoryTree,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from workbench.clock import parse_user_instant, utc_now
from workbench.errors import WorkbenchError
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
from workbench.tui.base import WorkbenchScreen, forget_statuses
from workbench.tui.forms import ServiceForm
from workbench.tui.keybar import KeyBar
from workbench.wording import OWNER_LABEL, counted
from workbench.workspace import Workspace

#: the tabs of the screen, by the name the app and the palette open them with
TABS = {
    "import": "tab-import",
    "export": "tab-export",
    "vendor-packet": "tab-vendor-packet",
    "respond": "tab-respond",
    "response": "tab-response",
}
#: the tabs whose path field the file picker fills
PICKED = {"tab-import": "#import-path", "tab-vendor-packet": "#packet-path", "tab-response": "#response-path"}
FORMATS = {
    "xlsx": "XLSX workbook, for people",
    "csv": "CSV, for people",
    "json": "Signed JSON packet, for the customer's workbench",
    "oscal": "OSCAL component-definition, for GRC tools",
    "oscal-results": "OSCAL assessment results: the evidence as of a date",
}
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


def default_name(fmt: str, moment: datetime | None = None) -> str:
    """The file an export writes when no output is given (the CLI's names)."""
    stamp = f"{moment or utc_now():%Y-%m-%d}"
    return {
        "xlsx": f"srm-{stamp}.xlsx",
        "csv": f"srm-{stamp}.csv",
        "json": f"srm-packet-{stamp}.json",
        "oscal": f"srm-component-definition-{stamp}.json",
        "oscal-results": f"assessment-results-{stamp}.json",
        "respond": f"srm-response-{stamp}.json",
    }[fmt]


def goes_to(placement: Placement) -> Text:
    """Where a matrix row goes, as the preview shows it: an existing control, a NEW one, FLAGGED or skipped."""
    decided = ""
    if placement.reason.startswith("decided:"):
        decided = " · your decision"
    elif placement.reason.startswith("suggestion taken"):
        decided = " · suggestion taken"
    if placement.action == EXISTING:
        before = placement.current.owner.value if placement.current else "?"
        after = placement.row.owner.value if placement.row.owner else "?"
        if placement.unchanged:
            change = "no change"
        elif before == after:
            change = f"{OWNER_LABEL[after]}, parts reworded"
        else:
            change = f"{OWNER_LABEL.get(before, before)} → {OWNER_LABEL.get(after, after)}"
        return Text(f"{placement.control_id} ({change}){decided}")
    if placement.action == NEW:
        where = f" in srm {placement.srm_area}" if placement.srm_area else ""
        return Text(f"NEW {placement.control_id}{where}{decided}", style="green")
    if placement.action == FLAGGED:
        text = Text("FLAGGED ", style="bold yellow")
        text.append(f"{placement.reason} (suggest: {placement.suggestion})")
        return text
    return Text(f"skip{decided or f' ({placement.reason})'}", style="dim")


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
        rows.append((str(row.source_row), [*(Text(cell) for cell in cells), Text(owner), goes_to(placement)]))
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


class FilePicker(ModalScreen[Path | None]):
    """Pick a file under the current directory: Enter on a file picks it, Escape leaves the field as it was."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="picker-box"):
            yield Label("Pick a file (Enter picks it, Escape cancels)", classes="form-title")
            yield DirectoryTree(Path.cwd(), id="picker-tree")

    @on(DirectoryTree.FileSelected, "#picker-tree")
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(event.path)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AttestForm(ServiceForm):
    """The customer's attestation for its part of a control, sent back with the next response to the vendor."""

    def __init__(self, workspace: Workspace, control_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.control_id = control_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="attest-form"):
            yield Label(f"Attest to your part of {self.control_id}", classes="form-title")
            yield Label("What you attest (it goes back to the vendor with your next response)")
            yield TextArea(id="attest-text", soft_wrap=True)
            yield Input(id="attest-packet", placeholder="Vendor packet id (empty: the newest imported)")
            yield from self.compose_buttons()

    def submit_work(self) -> Callable[[], Any]:
        from workbench.exchange.customer import attest

        statement = self.query_one("#attest-text", TextArea).text
        packet_id = self.query_one("#attest-packet", Input).value.strip() or None
        workspace, control_id = self.workspace, self.control_id
        return lambda: attest(workspace, control_id, text=statement, packet_id=packet_id)


class ExchangeScreen(WorkbenchScreen):
    """Import a matrix, export it for a customer, and the packets each side sends the other."""

    BINDINGS = [
        Binding("ctrl+r", "run", "Preview / run", id="exchange.run"),
        Binding("ctrl+o", "pick", "Pick a file", id="exchange.pick"),
        Binding("space", "cycle", "Decide row", id="exchange.decide"),
        Binding("i", "decide_control", "Row to control", id="exchange.decide_control"),
        Binding("a", "accept", "Accept suggestions", id="exchange.accept"),
        Binding("ctrl+s", "apply", "Apply import", id="exchange.apply"),
        Binding("escape", "back", "Back", id="exchange.back"),
    ]

    def __init__(self, workspace: Workspace, tab: str = "import", fmt: str | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.role = workspace.settings.role
        self.tab = TABS.get(tab, "tab-import")
        self.fmt = fmt
        #: the file's rows as planned with no decision: what ``space`` cycles from
        self.planned: MatrixPreview | None = None
        #: the preview with the decisions below applied: what Apply writes
        self.preview: MatrixPreview | None = None
        self.decisions: dict[int, str] = {}
        self.accept_flagged = False
        self.imported: MatrixImportResult | None = None
        self.last_result: object = None
        self.busy: set[str] = set()

    # ---- layout -------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial=self.tab, id="exchange-tabs"):
            with TabPane("Import a matrix", id="tab-import"):
                with Horizontal(classes="form-row exchange-row"):
                    yield Input(id="import-path", placeholder="Matrix file: CSV, XLSX or Markdown (ctrl+o picks)")
                    yield Button("Preview (ctrl+r)", variant="primary", id="import-preview")
                    yield Button("Apply (ctrl+s)", id="import-apply", disabled=True)
                yield Static("", id="import-status", classes="exchange-status", markup=False)
                yield DataTable(id="import-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="import-row", classes="exchange-status", markup=False)
                yield Static("", id="import-columns", classes="exchange-status", markup=False)
                yield Input(
                    id="import-decide", placeholder="i: the control id the row under the cursor goes to (Enter)"
                )
            with TabPane("Export for a customer", id="tab-export"):
                formats = [(label, fmt) for fmt, label in FORMATS.items() if fmt != "json" or self.role == "vendor"]
                chosen = self.fmt if self.fmt in dict(FORMATS) else "xlsx"
                yield Select(formats, value=chosen, allow_blank=False, id="export-format")
                with Horizontal(classes="form-row exchange-row"):
                    yield Input(id="export-out", placeholder=self._out_placeholder(chosen))
                    yield Input(id="export-as-of", placeholder="As of (assessment results; empty: now)")
                yield Checkbox("Replace the file if it exists", False, id="export-force")
                yield Static(
                    "The JSON packet is always signed, with this workspace's identity ('workbench keys init'); "
                    "the passphrase comes from the OS keyring, as for reports.",
                    classes="muted",
                )
                yield Button("Export (ctrl+r)", variant="primary", id="export-run")
                yield Static("", id="export-status", classes="exchange-status", markup=False)
            if self.role == "customer":
                with TabPane("Import a vendor packet", id="tab-vendor-packet"):
                    with Horizontal(classes="form-row exchange-row"):
                        yield Input(id="packet-path", placeholder="The vendor's signed packet .json (ctrl+o picks)")
                        yield Input(id="packet-trust", placeholder="The vendor's certificate (optional)")
                        yield Button("Import (ctrl+r)", variant="primary", id="packet-run")
                    yield Static("", id="packet-status", classes="exchange-status", markup=False)
                    yield DataTable(id="packet-table", cursor_type="row", zebra_stripes=True)
                with TabPane("Respond to the vendor", id="tab-respond"):
                    with Horizontal(classes="form-row exchange-row"):
                        yield Input(id="respond-packet", placeholder="Vendor packet id (empty: the newest)")
                        yield Input(id="respond-out", placeholder=self._out_placeholder("respond"))
                    yield Checkbox("Replace the file if it exists", False, id="respond-force")
                    yield Static(
                        "Attest to your part of a control with 't' on the control; the response carries the "
                        "attestations, statuses and evidence, signed with this workspace's identity.",
                        classes="muted",
                    )
                    yield Button("Respond (ctrl+r)", variant="primary", id="respond-run")
                    yield Static("", id="respond-status", classes="exchange-status", markup=False)
            else:
                with TabPane("Import a customer response", id="tab-response"):
                    with Horizontal(classes="form-row exchange-row"):
                        yield Input(id="response-path", placeholder="The customer's signed response .json (ctrl+o)")
                        yield Input(id="response-trust", placeholder="The customer's certificate (optional)")
                        yield Button("Import (ctrl+r)", variant="primary", id="response-run")
                    yield Static("", id="response-status", classes="exchange-status", markup=False)
                    yield DataTable(id="response-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def _out_placeholder(self, fmt: str) -> str:
        return f"Output file (empty: {default_name(fmt)} here)"

    @on(Select.Changed, "#export-format")
    def format_changed(self, event: Select.Changed) -> None:
        self.query_one("#export-out", Input).placeholder = self._out_placeholder(str(event.value))

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()

    def active_tab(self) -> str:
        """The id of the tab shown."""
        return self.query_one("#exchange-tabs", TabbedContent).active

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The import's keys only on its tab (and the row keys once there is a preview); the picker where a file
        is read."""
        tab = self.active_tab() if self.is_mounted else self.tab
        if action in ("cycle", "decide_control", "accept", "apply"):
            return tab == "tab-import" and self.preview is not None
        if action == "pick":
            return tab in PICKED
        return True

    # ---- the keys -----------------------------------------------------------------------------------------------

    def action_run(self) -> None:
        tab = self.active_tab()
        if tab == "tab-import":
            self.start_preview()
        elif tab == "tab-export":
            self.start_export()
        elif tab == "tab-vendor-packet":
            self.start_vendor_packet()
        elif tab == "tab-respond":
            self.start_respond()
        elif tab == "tab-response":
            self.start_response()

    @on(Button.Pressed)
    def button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-apply":
            self.action_apply()
        elif event.button.id in ("import-preview", "export-run", "packet-run", "respond-run", "response-run"):
            self.action_run()

    def action_pick(self) -> None:
        field = PICKED.get(self.active_tab())
        if field is None:
            return

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.query_one(field, Input).value = str(path)

        self.app.push_screen(FilePicker(), chosen)

    def action_back(self) -> None:
        self.app.pop_screen()

    def say(self, where: str, message: str) -> None:
        """Show a message in a tab's status line."""
        self.query_one(f"#{where}-status", Static).update(message)

    def _path(self, field: str) -> Path | None:
        text = self.query_one(field, Input).value.strip()
        return Path(text).expanduser() if text else None

    # ---- one worker for every job: a user's mistake goes to the tab's status line ---------------------------------

    def launch(self, where: str, call: Callable[[], Any], done: Callable[[Any], None], doing: str) -> None:
        """Run ``call`` in a thread worker and hand its result to ``done`` on the UI thread; one job per tab."""
        if where in self.busy:
            return
        self.busy.add(where)
        self.say(where, doing)
        self._job(where, call, done)

    @work(thread=True, group="exchange", exit_on_error=False)
    def _job(self, where: str, call: Callable[[], Any], done: Callable[[Any], None]) -> None:
        try:
            result = call()
        except WorkbenchError as exc:
            self.app.call_from_thread(self.say, where, f"{exc.message}\nNothing was written.")
            return
        finally:
            self.app.call_from_thread(self._free, where)
        self.app.call_from_thread(done, result)

    def _free(self, where: str) -> None:
        self.busy.discard(where)

    # ---- import a matrix ----------------------------------------------------------------------------------------

    def start_preview(self) -> None:
        path = self._path("#import-path")
        if path is None:
            self.say("import", "Name the matrix file to import (or pick one with ctrl+o)")
            return
        workspace = self.workspace
        self.planned = self.preview = None
        self.decisions, self.accept_flagged = {}, False
        self.query_one("#import-apply", Button).disabled = True
        self.refresh_bindings()
        self.launch("import", lambda: preview_matrix(workspace, path), self.show_planned, f"Reading {path.name} ...")

    def show_planned(self, preview: MatrixPreview) -> None:
        self.planned = preview
        self.imported = None
        self.show_preview(preview)
        table = self.query_one("#import-table", DataTable)
        flagged = [index for index, p in enumerate(preview.placements) if p.action == FLAGGED]
        table.move_cursor(row=flagged[0] if flagged else 0)
        table.focus()

    def show_preview(self, preview: MatrixPreview) -> None:
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
        self.say("import", "\n".join(lines))
        columns = ", ".join(f"{kind}={header!r}" for kind, header in preview.layout.describe().items())
        unknown = ", ".join(repr(c) for c in preview.unknown_columns)
        self.query_one("#import-columns", Static).update(
            f"{preview.layout.table.name}, header on row {preview.layout.header_row}: {columns}"
            + (f"\nColumns not understood (not imported): {unknown}" if unknown else "\nEvery column understood.")
        )
        self.query_one("#import-apply", Button).disabled = counts[FLAGGED] > 0 or preview.already_imported
        self.refresh_bindings()

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
            Text(f"Row {row}: {where}" + (f" · {marks}" if marks else "") + " → ").append_text(goes_to(placement))
            + Text(f"\nspace cycles: {cycle}; i names a control")
        )

    def _cursor_row(self) -> int | None:
        table = self.query_one("#import-table", DataTable)
        if table.row_count == 0:
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

    def action_cycle(self) -> None:
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

    def action_decide_control(self) -> None:
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

    def action_accept(self) -> None:
        self.redecide([self.decisions], not self.accept_flagged)

    def action_apply(self) -> None:
        preview = self.preview
        if preview is None:
            self.say("import", "Preview the file first (ctrl+r)")
            return
        flagged = [str(p.row.source_row) for p in preview.placements if p.action == FLAGGED]
        if flagged:
            self.say(
                "import",
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
        forget_statuses(self.app)
        self.imported = result
        self.last_result = result
        self.preview = None
        self.query_one("#import-apply", Button).disabled = True
        self.refresh_bindings()
        name = self.planned.path.name if self.planned else "the matrix"
        self.say(
            "import",
            f"Imported {name}: framework {result.framework_id} ({counted(result.requirements, 'requirement')}), "
            f"{counted(len(result.new_controls), 'new control')}, "
            f"{counted(len(result.owner_changes), 'owner change')}, {counted(len(result.skipped), 'row')} skipped. "
            "One ledger entry per change; 'workbench verify' checks them.",
        )

    # ---- export for a customer ----------------------------------------------------------------------------------

    def start_export(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        out = self._path("#export-out")
        force = self.query_one("#export-force", Checkbox).value
        try:
            text = self.query_one("#export-as-of", Input).value.strip()
            as_of = parse_user_instant(text, field="as of", end_of_day=True) if text else None
        except WorkbenchError as exc:
            self.say("export", exc.message)
            return
        workspace = self.workspace

        def call() -> Any:
            if fmt == "oscal-results":
                from workbench.exchange.oscal import export_assessment_results

                return export_assessment_results(workspace, out=out, force=force, as_of=as_of)
            from workbench.exchange.export import export_srm
            from workbench.exchange.packet import load_signing_key

            key = load_signing_key(workspace, key_file=None, cert_file=None, p12_file=None) if fmt == "json" else None
            return export_srm(workspace, format=fmt, out=out, force=force, signing_key=key)

        self.launch("export", call, self.show_export, f"Writing {out or default_name(fmt)} ...")

    def show_export(self, result: Any) -> None:
        self.last_result = result
        path = Path(result.path).resolve()
        if hasattr(result, "observations"):
            self.say(
                "export",
                f"Wrote {path} ({result.size:,} bytes): {counted(result.observations, 'observation')}, "
                f"{counted(result.findings, 'finding')}",
            )
            return
        lines = [f"Wrote {path} ({result.format}, {counted(result.rows, 'control')}, {result.size:,} bytes)"]
        if result.packet_id is not None:
            lines += [
                f"packet {result.packet_id}, signed by {result.signer}",
                f"signer certificate SHA-256: {result.signer_fingerprint}",
                f"The customer imports it with: workbench srm import-vendor {path.name}",
            ]
        self.say("export", "\n".join(lines))

    # ---- the customer's side ------------------------------------------------------------------------------------

    def start_vendor_packet(self) -> None:
        path = self._path("#packet-path")
        if path is None:
            self.say("packet", "Name the vendor's packet (or pick it with ctrl+o)")
            return
        trust = self._path("#packet-trust")
        workspace = self.workspace

        def call() -> Any:
            from workbench.exchange.customer import import_vendor

            return import_vendor(workspace, path, trust=trust)

        self.launch("packet", call, lambda result: self.show_vendor_packet(result, trust), f"Reading {path.name} ...")

    def show_vendor_packet(self, result: Any, trust: Path | None) -> None:
        from workbench.exchange.customer import view_of

        forget_statuses(self.app)
        self.last_result = result
        views = [view_of(row) for row in result.rows]
        lines = [
            f"Imported vendor packet {result.packet_id} from {result.vendor}",
            f"signed by {result.signer}; certificate SHA-256 {result.signer_fingerprint}",
        ]
        if trust is None:
            lines.append("authenticity not established: compare this fingerprint with the one the vendor published")
        fill = sum(1 for view in views if view["to_fill"])
        lines.append(
            f"{counted(len(views), 'row')}, {fill} with a customer part to fill; "
            f"{counted(len(result.added_controls), 'control')} added to the catalog, "
            f"{counted(len(result.owner_changes), 'owner')} taken from the vendor. "
            "Attest with 't' on a control, then respond."
        )
        self.say("packet", "\n".join(lines))
        rows = [
            (
                view["control"],
                [
                    Text(view["control"]),
                    Text(view["title"]),
                    Text(OWNER_LABEL.get(view["owner"], view["owner"])),
                    Text(view["view"] + (" (to fill)" if view["to_fill"] else "")),
                    Text(view["customer_part"]),
                ],
            )
            for view in views
        ]
        fill_table(
            self.query_one("#packet-table", DataTable), ("Control", "Title", "Owner", "Your view", "Your part"), rows
        )

    def start_respond(self) -> None:
        packet_id = self.query_one("#respond-packet", Input).value.strip() or None
        out = self._path("#respond-out")
        force = self.query_one("#respond-force", Checkbox).value
        workspace = self.workspace

        def call() -> Any:
            from workbench.exchange.customer import respond
            from workbench.exchange.export import output_path
            from workbench.exchange.packet import load_signing_key

            path = output_path(out, default_name("respond"), force=force)
            key = load_signing_key(workspace, key_file=None, cert_file=None, p12_file=None)
            return respond(workspace, out=path, signing_key=key, packet_id=packet_id)

        self.launch("respond", call, self.show_respond, "Writing the response ...")

    def show_respond(self, result: Any) -> None:
        self.last_result = result
        lines = [
            f"Wrote {Path(result.path).resolve()} ({result.size:,} bytes): response {result.response_id} "
            f"to packet {result.packet_id[:8]}",
            f"{result.answered} of {counted(result.answers, 'row')} answered, "
            f"{counted(result.evidence, 'evidence record')}, {counted(result.files_inline, 'file')} inline",
            *(f"left out (too large to travel inline; its hash is sent): {item}" for item in result.files_left_out),
            f"signed by {result.signer}; certificate SHA-256 {result.signer_fingerprint}",
        ]
        self.say("respond", "\n".join(lines))

    # ---- the vendor's side --------------------------------------------------------------------------------------

    def start_response(self) -> None:
        path = self._path("#response-path")
        if path is None:
            self.say("response", "Name the customer's response (or pick it with ctrl+o)")
            return
        trust = self._path("#response-trust")
        workspace = self.workspace

        def call() -> Any:
            from workbench.exchange.response import import_response

            return import_response(workspace, path, trust=trust)

        self.launch("response", call, lambda result: self.show_response(result, trust), f"Reading {path.name} ...")

    def show_response(self, result: Any, trust: Path | None) -> None:
        forget_statuses(self.app)
        self.last_result = result
        lines = [
            f"Response {result.response_id} from {result.customer} to packet {result.packet_id[:8]}",
            f"signed by {result.signer}; certificate SHA-256 {result.signer_fingerprint}",
        ]
        if trust is None:
            lines.append("authenticity not established: compare this fingerprint with the one the customer published")
        lines.append(
            f"{counted(len(result.imported), 'answer')} imported as evidence ({counted(result.files, 'file')}), "
            f"{counted(len(result.conflicts), 'conflict')}, {len(result.unanswered)} unanswered"
        )
        self.say("response", "\n".join(lines))
        rows = [
            (f"imported:{control}", [Text(control), Text("imported"), Text(f"evidence {evidence[:8]}")])
            for control, evidence in result.imported
        ] + [
            (
                f"conflict:{conflict.control_id}",
                [
                    Text(conflict.control_id),
                    Text("CONFLICT", style="bold yellow"),
                    Text(f"{conflict.reason} (kept: evidence {conflict.existing_evidence_id[:8]})"),
                ],
            )
            for conflict in result.conflicts
        ]
        fill_table(self.query_one("#response-table", DataTable), ("Control", "Answer", "What happened"), rows)
