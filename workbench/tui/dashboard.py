"""The dashboard: per framework, requirements mapped and controls by status and by owner."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from workbench.catalog import OWNERS
from workbench.services.status import STATUS_ORDER
from workbench.services.summary import WorkspaceSummary, summarise
from workbench.tui.base import StatusCache, WorkbenchScreen
from workbench.tui.keybar import KeyBar
from workbench.wording import OWNER_LABEL, STATUS_LABEL
from workbench.workspace import Workspace


class DashboardScreen(WorkbenchScreen):
    """The first screen: one row per framework; Enter lists that framework's controls."""

    AUTO_FOCUS = "#by-status"

    BINDINGS = [
        Binding("enter", "open_framework", "Controls of framework", id="dashboard.open"),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
    ]

    @dataclass
    class FrameworkChosen(Message):
        """The user chose a framework row."""

        framework_id: str

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.summary: WorkspaceSummary | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the workspace ...", id="dashboard-heading")
        yield DataTable(id="by-status", cursor_type="row", zebra_stripes=True)
        yield Static("Controls by owner", classes="section-title")
        yield DataTable(id="by-owner", cursor_type="row", zebra_stripes=True)
        yield Static("", id="dashboard-run", markup=False)
        yield Static("", id="dashboard-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        by_status = self.query_one("#by-status", DataTable)
        by_status.add_columns("Framework", "Requirements", "Controls", *(STATUS_LABEL[s] for s in STATUS_ORDER))
        by_owner = self.query_one("#by-owner", DataTable)
        by_owner.add_columns("Framework", *(OWNER_LABEL[o] for o in OWNERS))
        self.load()

    def on_screen_resume(self) -> None:
        if self.summary is not None and isinstance(self.app, StatusCache) and self.app.statuses is None:
            self.load()  # something was written since the figures were read

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def load(self) -> None:
        """Summarise off the UI thread: on a large workspace it reads every evidence record's newest state."""
        summary = summarise(self.workspace)
        self.app.call_from_thread(self.show, summary)

    def show(self, summary: WorkspaceSummary) -> None:
        self.summary = summary
        if isinstance(self.app, StatusCache):
            self.app.statuses = dict(summary.statuses)
        settings = self.workspace.settings
        who = " · ".join(part for part in (settings.organisation, settings.system) if part) or "Workspace"
        counts = summary.as_dict()["controls"]["by_status"]
        overview = ", ".join(f"{n} {STATUS_LABEL[s]}" for s, n in counts.items() if n)
        self.query_one("#dashboard-heading", Static).update(
            f"[b]{who}[/b]  ({settings.role} workspace)\n{len(summary.statuses)} controls: {overview}"
        )
        by_status = self.query_one("#by-status", DataTable)
        by_owner = self.query_one("#by-owner", DataTable)
        by_status.clear()
        by_owner.clear()
        for framework in summary.frameworks:
            by_status.add_row(
                framework.title,
                f"{framework.requirements_mapped}/{framework.requirements}",
                str(framework.controls),
                *(str(framework.by_status.get(s, 0)) for s in STATUS_ORDER),
                key=framework.framework_id,
            )
            by_owner.add_row(
                framework.title,
                *(str(framework.by_owner.get(o, 0)) for o in OWNERS),
                key=framework.framework_id,
            )
        run = summary.last_run
        self.query_one("#dashboard-run", Static).update(
            f"Last collection run: {run.describe()}" if run else "No collection run yet (g: collect from AWS)"
        )
        hint = self.query_one("#dashboard-hint", Static)
        if not any(framework.by_status.get("passing", 0) for framework in summary.frameworks):
            hint.update(
                "No control is passing yet. Add evidence with 'workbench evidence add --control ID --attach FILE' "
                "or collect it with 'workbench collect aws'; press ? for help."
            )
        else:
            hint.update("Enter: the controls of a framework · c: all controls · ?: help")

    def action_refresh(self) -> None:
        self.load()

    def action_open_framework(self) -> None:
        table = self.query_one("#by-status", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.post_message(self.FrameworkChosen(str(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.FrameworkChosen(str(event.row_key.value)))
