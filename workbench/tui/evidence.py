"""Evidence in the app: one record in full (its attachments and the raw API responses it was judged on), and the list
of records behind a number, such as a collection run's failures."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from workbench.services.evidence import EvidenceRow, EvidenceView, get_evidence, list_evidence
from workbench.tui.base import PlainTable, WorkbenchScreen, fill_table
from workbench.tui.keybar import KeyBar
from workbench.wording import counted
from workbench.workspace import Workspace

#: raw payloads larger than this are shown cut (the whole file is in the store and in report bundles)
PAYLOAD_SHOWN_BYTES = 512 * 1024
#: how many records a list shows (the CLI's 'evidence list' pages through all of them)
#: the evidence list reads this many records at a time: the first page at once, the next as the cursor nears the end
LIST_SHOWN = 500
#: how close to the last row the cursor comes before the next page is read
PAGE_AHEAD = 20
LIST_COLUMNS = ("Evidence", "Observed", "Result", "Check", "Account", "Region", "Resource", "Note")


class EvidenceScreen(WorkbenchScreen):
    """An evidence record in full, its attachments, and its raw payload as pretty JSON."""

    BINDINGS = [Binding("escape", "back", "Back", id="evidence.back")]

    def __init__(self, workspace: Workspace, evidence_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.evidence_id = evidence_id
        #: the raw payload as shown (pretty JSON), once loaded
        self.payload = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="evidence-body"):
            yield Static("Loading ...", id="evidence-summary", markup=False)
            yield Static("Attachments", classes="section-title")
            yield PlainTable(id="evidence-blobs", cursor_type="row", zebra_stripes=True)
            yield Static("Raw payload", classes="section-title", id="evidence-payload-title")
            yield Static("", id="evidence-payload")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = f"evidence {self.evidence_id[:8]}"
        self.query_one("#evidence-blobs", DataTable).add_columns("File", "Role", "Size", "SHA-256")
        self.load()

    @work(thread=True, exclusive=True, group="evidence", exit_on_error=False)
    def load(self) -> None:
        view = get_evidence(self.workspace, self.evidence_id)
        payload = ""
        for blob in view.blobs:
            if blob.role == "raw" or blob.media_type == "application/json":
                with self.workspace.store.blobs.open(blob.sha256) as handle:
                    data = handle.read(PAYLOAD_SHOWN_BYTES + 1)
                payload = _pretty(data)
                break
        self.app.call_from_thread(self.show, view, payload)

    def show(self, view: EvidenceView, payload: str) -> None:
        self.payload = payload
        record = view.record
        scope = " ".join(part for part in (record.account, record.region, record.resource) if part) or "none"
        lines = [
            f"Evidence {record.id}",
            f"Result: {record.result}" + (f" ({record.error_code})" if record.error_code else ""),
            f"Source: {record.source}" + (f", check {record.check_id}" if record.check_id else ""),
            f"Scope: {scope}",
            f"Observed: {record.observed_at:%Y-%m-%d %H:%M:%S} UTC; collected by {record.collected_by}",
            f"Valid until: {record.valid_until:%Y-%m-%d}"
            if record.valid_until
            else "Valid until: (the cadence decides)",
            f"Controls: {', '.join(view.control_ids)}",
        ]
        if record.supersedes_id:
            lines.append(f"Supersedes: {record.supersedes_id}")
        if view.superseded_by:
            lines.append(f"Superseded by: {view.superseded_by}")
        if record.note:
            lines.append(f"Note: {record.note}")
        summary = self.query_one("#evidence-summary", Static)
        summary.update("\n".join(lines))
        table = self.query_one("#evidence-blobs", DataTable)
        table.clear()
        for blob in view.blobs:
            table.add_row(blob.name, blob.role, f"{blob.size:,} B", blob.sha256)
        title = self.query_one("#evidence-payload-title", Static)
        title.update(f"Raw payload ({counted(len(view.blobs), 'file')} attached)" if payload else "No raw payload")
        self.query_one("#evidence-payload", Static).update(Syntax(payload, "json", word_wrap=True) if payload else "")

    def action_back(self) -> None:
        self.app.pop_screen()


class EvidenceListScreen(WorkbenchScreen):
    """The evidence a collection run recorded, or only its records of one result; Enter opens a record."""

    AUTO_FOCUS = "#evidence-list"

    BINDINGS = [Binding("escape", "back", "Back", id="evidence_list.back")]

    def __init__(self, workspace: Workspace, *, run_id: str, result: str | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.run_id = run_id
        self.result = result
        #: the ids listed, newest first, as they are read page by page
        self.evidence_ids: list[str] = []
        self.total = 0
        self._reading = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading ...", id="evidence-list-heading")
        yield PlainTable(id="evidence-list", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = f"collection run {self.run_id[:8]}"
        self.load()

    @work(thread=True, exclusive=True, group="evidence-list", exit_on_error=False)
    def load(self, offset: int = 0) -> None:
        """Read one page of the run's evidence (from ``offset``) off the UI thread."""
        rows, total = list_evidence(
            self.workspace, run_id=self.run_id, result=self.result, limit=LIST_SHOWN, offset=offset
        )
        self.app.call_from_thread(self.show, rows, total, offset)

    def show(self, rows: list[EvidenceRow], total: int, offset: int = 0) -> None:
        self._reading = False
        if offset != len(self.evidence_ids):
            return  # a page that no longer fits (read twice): the list stays as it is
        self.evidence_ids.extend(row.id for row in rows)
        self.total = total
        which = f"with result [b]{self.result}[/b]" if self.result else "of every result"
        more = len(self.evidence_ids) < total
        shown = f"; the newest {len(self.evidence_ids):,} read, more as you scroll" if more else ""
        self.query_one("#evidence-list-heading", Static).update(
            f"Evidence of collection run {self.run_id[:8]} {which}: {counted(total, 'record')}{shown}"
        )
        lines = [
            (
                row.id,
                (
                    row.id[:8],
                    f"{row.observed_at:%Y-%m-%d %H:%M}",
                    row.result,
                    row.check_id or row.source,
                    row.account,
                    row.region or "global",
                    row.resource,
                    row.note[:80],
                ),
            )
            for row in rows
        ]
        table = self.query_one("#evidence-list", DataTable)
        if offset == 0:
            fill_table(table, LIST_COLUMNS, lines)
        else:
            for key, cells in lines:
                table.add_row(*cells, key=key)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Near the end of what was read: read the next page."""
        table = event.data_table
        near_end = event.cursor_row >= table.row_count - PAGE_AHEAD
        if near_end and not self._reading and len(self.evidence_ids) < self.total:
            self._reading = True
            self.load(len(self.evidence_ids))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.push_screen(EvidenceScreen(self.workspace, str(event.row_key.value)))

    def action_back(self) -> None:
        self.app.pop_screen()


def _pretty(data: bytes) -> str:
    cut = len(data) > PAYLOAD_SHOWN_BYTES
    text = data[:PAYLOAD_SHOWN_BYTES].decode("utf-8", errors="replace")
    if not cut:
        try:
            return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
        except ValueError:
            return text
    return text + f"\n... (cut at {PAYLOAD_SHOWN_BYTES:,} bytes)"
