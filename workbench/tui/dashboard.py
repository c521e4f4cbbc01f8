"""The dashboard: per framework, requirements mapped and controls by status and by owner; every number opens the
controls behind it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from workbench.catalog import OWNERS
from workbench.services.status import STATUS_ORDER
from workbench.services.summary import WorkspaceSummary, summarise
from workbench.tui.base import PlainTable, StatusCache, WorkbenchScreen, fill_table
from workbench.tui.keybar import KeyBar
from workbench.wording import OWNER_LABEL, STATUS_LABEL, counted
from workbench.workspace import Workspace

#: the row key of the line that counts every control of the library, whatever framework it maps to
EVERY_CONTROL = "*"
#: the results of a collection run, in the order the dashboard shows them
RUN_RESULTS = ("pass", "fail", "info", "error")
STATUS_COLUMNS = ("Framework", "Requirements", "Controls", *(STATUS_LABEL[s] for s in STATUS_ORDER))
OWNER_COLUMNS = ("Framework", *(OWNER_LABEL[o] for o in OWNERS))
RUN_COLUMNS = ("Run", "Evidence recorded", *RUN_RESULTS)
#: the columns before the counts by status (framework, requirements, controls) and by owner (framework)
_STATUS_FROM = 3
_REQUIREMENTS_COLUMN = 1
_OWNER_FROM = 1


class CountTable(PlainTable):
    """A table of counts: one click on a number opens the list behind it (a plain DataTable selects on the second
    click), as Enter does on the cell under the cursor."""

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        row, column = meta.get("row", -1), meta.get("column", -1)
        if row >= 0 and column >= 0 and not meta.get("out_of_bounds", False):
            # DataTable's own click handler runs next: on the cell under the cursor, it selects at once
            self.cursor_coordinate = Coordinate(row, column)


class DashboardScreen(WorkbenchScreen):
    """The first screen: one row per framework and one for every control; each number opens its controls."""

    AUTO_FOCUS = "#by-status"

    BINDINGS = [
        Binding("enter", "open_count", "List behind the number", id="dashboard.open"),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
    ]

    @dataclass
    class CountChosen(Message):
        """The user chose a number: the controls of a framework (None: of the library), maybe of one status or
        one owner."""

        framework_id: str | None
        status: str | None = None
        owner: str | None = None

    @dataclass
    class RequirementsChosen(Message):
        """The user chose a framework's requirements count: its requirements, each with the controls meeting it."""

        framework_id: str

    @dataclass
    class RunChosen(Message):
        """The user chose a number of the last collection run: its evidence, maybe of one result."""

        run_id: str
        result: str | None = None

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.summary: WorkspaceSummary | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the workspace ...", id="dashboard-heading")
        yield CountTable(id="by-status", cursor_type="cell", zebra_stripes=True)
        yield Static("Controls by owner", classes="section-title")
        yield CountTable(id="by-owner", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="dashboard-run", markup=False)
        yield CountTable(id="by-run", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="dashboard-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#by-run", DataTable).display = False
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
        overview = ", ".join(f"[@click=screen.jump('{s}')]{n} {STATUS_LABEL[s]}[/]" for s, n in counts.items() if n)
        self.query_one("#dashboard-heading", Static).update(
            f"[b]{_markup(who)}[/b]  ({settings.role} workspace)\n"
            f"[@click=screen.jump('')]{len(summary.statuses)} controls[/]: {overview}"
        )
        owners = Counter(status.owner.value for status in summary.statuses.values())
        mapped = sum(f.requirements_mapped for f in summary.frameworks)
        status_rows = [
            (
                framework.framework_id,
                (
                    framework.title,
                    f"{framework.requirements_mapped}/{framework.requirements}",
                    str(framework.controls),
                    *(str(framework.by_status.get(s, 0)) for s in STATUS_ORDER),
                ),
            )
            for framework in summary.frameworks
        ]
        status_rows.append(
            (
                EVERY_CONTROL,
                (
                    "Every control",
                    f"{mapped}/{sum(f.requirements for f in summary.frameworks)}",
                    str(len(summary.statuses)),
                    *(str(counts.get(s.value, 0)) for s in STATUS_ORDER),
                ),
            )
        )
        owner_rows = [
            (framework.framework_id, (framework.title, *(str(framework.by_owner.get(o, 0)) for o in OWNERS)))
            for framework in summary.frameworks
        ]
        owner_rows.append((EVERY_CONTROL, ("Every control", *(str(owners.get(o, 0)) for o in OWNERS))))
        fill_table(self.query_one("#by-status", DataTable), STATUS_COLUMNS, status_rows)
        fill_table(self.query_one("#by-owner", DataTable), OWNER_COLUMNS, owner_rows)
        run = summary.last_run
        by_run = self.query_one("#by-run", DataTable)
        by_run.display = run is not None
        if run is None:
            self.query_one("#dashboard-run", Static).update("No collection run yet (g: collect from AWS)")
        else:
            self.query_one("#dashboard-run", Static).update(
                f"Last collection run: {run.status} {run.finished_at:%Y-%m-%d %H:%M} UTC over "
                f"{counted(run.tasks, 'task')}; the evidence it recorded, by result:"
            )
            counts_of_run = (str(sum(run.counts.values())), *(str(run.counts.get(r, 0)) for r in RUN_RESULTS))
            fill_table(by_run, RUN_COLUMNS, [(run.run_id, (run.run_id[:8], *counts_of_run))])
        hint = self.query_one("#dashboard-hint", Static)
        if not any(framework.by_status.get("passing", 0) for framework in summary.frameworks):
            hint.update(
                "No control is passing yet. What to do next:\n"
                "  c  pick a control, then a  to attach evidence (a policy, a screenshot, a review)\n"
                "  g  collect evidence from your AWS accounts (read-only checks)\n"
                "  e  import the shared-responsibility matrix you already have (CSV, XLSX, Markdown)\n"
                "  ?  help on every key;  ctrl+p  every action by name\n"
                "To see the app with data in it first: 'workbench demo' builds a sample workspace to explore."
            )
        else:
            hint.update("Enter or a click on a number: the list behind it · tab: the next table · ?: help")

    def action_refresh(self) -> None:
        self.load()

    def action_open_count(self) -> None:
        """Enter when the tables do not have focus: the number under the cursor of the status table."""
        table = self.query_one("#by-status", CountTable)
        if table.row_count:
            self._chosen(table, table.cursor_coordinate)

    def action_jump(self, status: str) -> None:
        """A click on a count in the heading: every control of that status ('' for every control)."""
        self.post_message(self.CountChosen(None, status or None))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self._chosen(event.data_table, event.coordinate)

    def _chosen(self, table: DataTable[Any], coordinate: Coordinate) -> None:
        """Which controls a cell counts: its row's framework (or every control), and its column's status or owner;
        on the last run's line, which of its evidence records."""
        key = table.coordinate_to_cell_key(coordinate).row_key.value
        if key is None:
            return
        if table.id == "by-run":
            result = RUN_RESULTS[coordinate.column - 2] if coordinate.column >= 2 else None
            self.post_message(self.RunChosen(str(key), result))
            return
        framework = None if key == EVERY_CONTROL else str(key)
        column = coordinate.column
        if table.id == "by-status" and column == _REQUIREMENTS_COLUMN and framework is not None:
            self.post_message(self.RequirementsChosen(framework))
            return
        if table.id == "by-status":
            status = STATUS_ORDER[column - _STATUS_FROM].value if column >= _STATUS_FROM else None
            self.post_message(self.CountChosen(framework, status=status))
        else:
            owner = OWNERS[column - _OWNER_FROM] if column >= _OWNER_FROM else None
            self.post_message(self.CountChosen(framework, owner=owner))


def _markup(text: str) -> str:
    """Text from the workspace settings, shown literally inside a markup string."""
    return text.replace("[", "\\[")
