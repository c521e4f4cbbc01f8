"""The shared-responsibility exchange from the app: import a matrix (the first tab, in exchange_import), export it
for a customer, and each side's packets (a vendor's packet and the customer's response), through the CLI's service
calls.

Everything that reads or writes a file runs in a thread worker; a user's mistake is shown under the fields, with
nothing written, and anything else goes to the error modal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

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
from workbench.exchange.customer import (
    Response,
    VendorImport,
    attest,
    import_vendor,
    latest_attestations,
    respond,
    rows_view,
    view_of,
)
from workbench.exchange.export import ExportResult, export_srm, output_path
from workbench.exchange.oscal import ResultsExport, export_assessment_results
from workbench.exchange.packet import load_signing_key
from workbench.exchange.response import ResponseImport, import_response
from workbench.store.models import Attestation
from workbench.tui.base import PlainTable, WorkbenchScreen, forget_statuses
from workbench.tui.exchange_import import MatrixImportPane, clean, fill_table, plain
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
#: the field each tab starts in
FIRST_FIELD = {
    "tab-import": "#import-path",
    "tab-export": "#export-format",
    "tab-vendor-packet": "#packet-path",
    "tab-respond": "#respond-out",
    "tab-response": "#response-path",
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

    def submit_work(self) -> Callable[[], Attestation]:
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
        self.busy: set[str] = set()

    # ---- layout -------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial=self.tab, id="exchange-tabs"):
            with TabPane("Import a matrix", id="tab-import"):
                yield MatrixImportPane(self.workspace, self.launch)
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
                    yield PlainTable(id="packet-table", cursor_type="row", zebra_stripes=True)
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
                    yield PlainTable(id="respond-table", cursor_type="row", zebra_stripes=True)
            else:
                with TabPane("Import a customer response", id="tab-response"):
                    with Horizontal(classes="form-row exchange-row"):
                        yield Input(id="response-path", placeholder="The customer's signed response .json (ctrl+o)")
                        yield Input(id="response-trust", placeholder="The customer's certificate (optional)")
                        yield Button("Import (ctrl+r)", variant="primary", id="response-run")
                    yield Static("", id="response-status", classes="exchange-status", markup=False)
                    yield PlainTable(id="response-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(FIRST_FIELD[self.tab]).focus()
        if self.tab == "tab-respond":
            self.load_answers()

    def show_tab(self, tab: str, fmt: str | None = None) -> None:
        """Show a tab by its name in TABS (the palette's entries), ready to type in; ``fmt`` chooses the export."""
        shown = TABS.get(tab, "tab-import")
        if shown not in FIRST_FIELD or not self.query(f"#{shown}"):
            return
        # Focus left inside the tab being hidden would move to another of its fields, which shows it again.
        self.set_focus(None)
        self.query_one("#exchange-tabs", TabbedContent).active = shown
        if fmt in FORMATS and (fmt != "json" or self.role == "vendor"):
            self.query_one("#export-format", Select).value = fmt
        self.call_after_refresh(self.query_one(FIRST_FIELD[shown]).focus)

    def _out_placeholder(self, fmt: str) -> str:
        return f"Output file (empty: {default_name(fmt)} here)"

    @on(Select.Changed, "#export-format")
    def format_changed(self, event: Select.Changed) -> None:
        self.query_one("#export-out", Input).placeholder = self._out_placeholder(str(event.value))

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()
        if self.active_tab() == "tab-respond":
            self.load_answers()

    def active_tab(self) -> str:
        """The id of the tab shown."""
        return self.query_one("#exchange-tabs", TabbedContent).active

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The import's keys only on its tab (and the row keys once there is a preview); the picker where a file
        is read."""
        tab = self.active_tab() if self.is_mounted else self.tab
        if action in ("cycle", "decide_control"):
            return tab == "tab-import" and self.is_mounted and self.importer.preview is not None
        if action in ("accept", "apply"):
            ready = self.is_mounted and (self.importer.preview is not None or self.importer.ccm is not None)
            return tab == "tab-import" and ready
        if action == "pick":
            return tab in PICKED
        return True

    # ---- the keys -----------------------------------------------------------------------------------------------

    def action_run(self) -> None:
        """The shown tab's main action: preview, export, import or respond."""
        tab = self.active_tab()
        if tab == "tab-import":
            self.importer.start_preview()
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

    @property
    def importer(self) -> MatrixImportPane:
        """The matrix import tab."""
        return self.query_one(MatrixImportPane)

    def action_cycle(self) -> None:
        self.importer.cycle()

    def action_decide_control(self) -> None:
        self.importer.decide_control()

    def action_accept(self) -> None:
        self.importer.accept()

    def action_apply(self) -> None:
        self.importer.apply()

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
        self.query_one(f"#{where}-status", Static).update(clean(message))

    def _path(self, field: str) -> Path | None:
        text = self.query_one(field, Input).value.strip()
        return Path(text).expanduser() if text else None

    # ---- one worker for every job: a user's mistake goes to the tab's status line ---------------------------------

    def launch(
        self, job: str, call: Callable[[], Any], done: Callable[[Any], None], doing: str, where: str | None = None
    ) -> None:
        """Run ``call`` in a thread worker and hand its result to ``done`` on the UI thread; one ``job`` of a kind
        at a time. Messages go to the status line of tab ``where`` (by default the job's own)."""
        if job in self.busy:
            return
        self.busy.add(job)
        self.say(where or job, doing)
        self._job(job, where or job, call, done)

    @work(thread=True, group="exchange", exit_on_error=False)
    def _job(self, job: str, where: str, call: Callable[[], Any], done: Callable[[Any], None]) -> None:
        try:
            result = call()
        except WorkbenchError as exc:
            written = "" if "nothing written" in exc.message.lower() else "\nNothing was written."
            self.app.call_from_thread(self.say, where, exc.message + written)
            return
        finally:
            self.app.call_from_thread(self._free, job)
        self.app.call_from_thread(done, result)

    def _free(self, job: str) -> None:
        self.busy.discard(job)

    # ---- export for a customer ----------------------------------------------------------------------------------

    def start_export(self) -> None:
        """Export the matrix (or the evidence as OSCAL assessment results) as the fields say."""
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

        def call() -> ExportResult | ResultsExport:
            if fmt == "oscal-results":
                return export_assessment_results(workspace, out=out, force=force, as_of=as_of)
            key = load_signing_key(workspace, key_file=None, cert_file=None, p12_file=None) if fmt == "json" else None
            return export_srm(workspace, format=fmt, out=out, force=force, signing_key=key)

        self.launch("export", call, self.show_export, f"Writing {out or default_name(fmt)} ...")

    def show_export(self, result: ExportResult | ResultsExport) -> None:
        """Where the file went, and for a packet who signed it."""
        path = result.path.resolve()
        if isinstance(result, ResultsExport):
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
        """Import the vendor packet named in the path field (a customer workspace)."""
        path = self._path("#packet-path")
        if path is None:
            self.say("packet", "Name the vendor's packet (or pick it with ctrl+o)")
            return
        trust = self._path("#packet-trust")
        workspace = self.workspace

        def call() -> VendorImport:
            return import_vendor(workspace, path, trust=trust)

        self.launch("packet", call, lambda result: self.show_vendor_packet(result, trust), f"Reading {path.name} ...")

    def show_vendor_packet(self, result: VendorImport, trust: Path | None) -> None:
        """The packet imported: who signed it, and its rows as the customer sees them."""
        forget_statuses(self.app)
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
                    plain(view["control"]),
                    plain(view["title"]),
                    plain(OWNER_LABEL.get(view["owner"], view["owner"])),
                    plain(view["view"] + (" (to fill)" if view["to_fill"] else "")),
                    plain(view["customer_part"]),
                ],
            )
            for view in views
        ]
        fill_table(
            self.query_one("#packet-table", DataTable), ("Control", "Title", "Owner", "Your view", "Your part"), rows
        )

    def load_answers(self) -> None:
        """The newest vendor packet's rows with a part for the customer, and which are attested (a thread worker)."""
        workspace = self.workspace

        def call() -> tuple[str, list[tuple[str, list[str]]]]:
            packet, views = rows_view(workspace)
            attested = latest_attestations(workspace, packet.record.id)
            rows = [
                (
                    view["control"],
                    [
                        view["control"],
                        view["title"],
                        view["view"],
                        view["customer_part"],
                        "attested" if view["control"] in attested else "to attest",
                    ],
                )
                for view in views
                if view["to_fill"]
            ]
            return packet.record.id, rows

        self.launch("respond-rows", call, self.show_answers, "Reading the vendor packet ...", where="respond")

    def show_answers(self, found: tuple[str, list[tuple[str, list[str]]]]) -> None:
        """The rows the response answers, and how many are attested."""
        packet_id, rows = found
        attested = sum(1 for _, cells in rows if cells[-1] == "attested")
        self.say(
            "respond",
            f"Vendor packet {packet_id[:8]}: {counted(len(rows), 'row')} with a part for you, {attested} attested. "
            "Attest with 't' on a control; ctrl+r writes the response.",
        )
        fill_table(
            self.query_one("#respond-table", DataTable),
            ("Control", "Title", "Your view", "Your part", "Attestation"),
            [(key, [plain(cell) for cell in cells]) for key, cells in rows],
        )

    def start_respond(self) -> None:
        """Write the signed response to the vendor packet (the newest, or the one named)."""
        packet_id = self.query_one("#respond-packet", Input).value.strip() or None
        out = self._path("#respond-out")
        force = self.query_one("#respond-force", Checkbox).value
        workspace = self.workspace

        def call() -> Response:
            path = output_path(out, default_name("respond"), force=force)
            key = load_signing_key(workspace, key_file=None, cert_file=None, p12_file=None)
            return respond(workspace, out=path, signing_key=key, packet_id=packet_id)

        self.launch("respond", call, self.show_respond, "Writing the response ...")

    def show_respond(self, result: Response) -> None:
        """Where the response went and what it carries."""
        lines = [
            f"Wrote {result.path.resolve()} ({result.size:,} bytes): response {result.response_id} "
            f"to packet {result.packet_id[:8]}",
            f"{result.answered} of {counted(result.answers, 'row')} answered, "
            f"{counted(result.evidence, 'evidence record')}, {counted(result.files_inline, 'file')} inline",
            *(f"left out (too large to travel inline; its hash is sent): {item}" for item in result.files_left_out),
            f"signed by {result.signer}; certificate SHA-256 {result.signer_fingerprint}",
        ]
        self.say("respond", "\n".join(lines))

    # ---- the vendor's side --------------------------------------------------------------------------------------

    def start_response(self) -> None:
        """Import the customer response named in the path field (a vendor workspace)."""
        path = self._path("#response-path")
        if path is None:
            self.say("response", "Name the customer's response (or pick it with ctrl+o)")
            return
        trust = self._path("#response-trust")
        workspace = self.workspace

        def call() -> ResponseImport:
            return import_response(workspace, path, trust=trust)

        self.launch("response", call, lambda result: self.show_response(result, trust), f"Reading {path.name} ...")

    def show_response(self, result: ResponseImport, trust: Path | None) -> None:
        """The answers imported as evidence, and the conflicts left out."""
        forget_statuses(self.app)
        lines = [
            f"Response {result.response_id} from {result.customer} to packet {result.packet_id[:8]}",
            f"signed by {result.signer}; certificate SHA-256 {result.signer_fingerprint}",
        ]
        if result.already_imported_on is not None:
            lines.append(f"already imported on {result.already_imported_on}; nothing changed")
        elif trust is None:
            lines.append("authenticity not established: compare this fingerprint with the one the customer published")
        lines.append(
            f"{counted(len(result.imported), 'answer')} imported as evidence ({counted(result.files, 'file')}), "
            f"{counted(len(result.conflicts), 'conflict')}, {len(result.unanswered)} unanswered"
        )
        self.say("response", "\n".join(lines))
        rows = [
            (
                f"imported:{control}",
                [plain(control), plain("imported"), plain(f"evidence {evidence[:8]}{_supersedes(result, control)}")],
            )
            for control, evidence in result.imported
        ] + [
            (
                f"conflict:{conflict.control_id}",
                [
                    plain(conflict.control_id),
                    plain("CONFLICT", style="bold yellow"),
                    plain(f"{conflict.reason} (kept: evidence {conflict.existing_evidence_id[:8]})"),
                ],
            )
            for conflict in result.conflicts
        ]
        fill_table(self.query_one("#response-table", DataTable), ("Control", "Answer", "What happened"), rows)


def _supersedes(result: ResponseImport, control: str) -> str:
    """What an imported answer replaced: the record imported from the answer to an older packet, if any."""
    replaced = result.superseded.get(control)
    return f" (supersedes {replaced[:8]}, the answer to an older packet)" if replaced else ""
