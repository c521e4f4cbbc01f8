"""One evidence record: what it says, its attachments and the raw API responses it was judged on."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from workbench.services.evidence import EvidenceView, get_evidence
from workbench.tui.base import WorkbenchScreen
from workbench.tui.keybar import KeyBar
from workbench.wording import counted
from workbench.workspace import Workspace

#: raw payloads larger than this are shown cut (the whole file is in the store and in report bundles)
PAYLOAD_SHOWN_BYTES = 512 * 1024


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
            yield DataTable(id="evidence-blobs", cursor_type="row", zebra_stripes=True)
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


def _pretty(data: bytes) -> str:
    cut = len(data) > PAYLOAD_SHOWN_BYTES
    text = data[:PAYLOAD_SHOWN_BYTES].decode("utf-8", errors="replace")
    if not cut:
        try:
            return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
        except ValueError:
            return text
    return text + f"\n... (cut at {PAYLOAD_SHOWN_BYTES:,} bytes)"
