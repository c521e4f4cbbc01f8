"""Browse a framework: its requirements, and the controls that meet the one under the cursor."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from workbench.catalog import Catalog, Framework, Requirement
from workbench.services.status import ControlStatus, Status, control_statuses
from workbench.text import markup_safe
from workbench.tui.base import PlainTable, StatusCache, WorkbenchScreen
from workbench.tui.keybar import KeyBar
from workbench.wording import OWNER_LABEL, STATUS_LABEL, counted
from workbench.workspace import Workspace

#: which status of its controls a requirement shows: the first that any of them has
ROLL_UP = (
    Status.FAILING,
    Status.STALE,
    Status.MISSING,
    Status.EXCEPTED,
    Status.PASSING,
    Status.OTHER_PARTY,
    Status.NOT_APPLICABLE,
)


@dataclass(frozen=True)
class RequirementRow:
    """One requirement with the controls that meet it (directly or through its children) and their worst state."""

    requirement: Requirement
    depth: int
    control_ids: tuple[str, ...]
    status: str

    def cells(self) -> tuple[str, str, str, str, str]:
        """The row as the table shows it."""
        title = "  " * self.depth + self.requirement.title
        controls = str(len(self.control_ids)) if self.control_ids else "none"
        return (self.requirement.id, title, self.requirement.kind, controls, self.status)


def requirement_rows(
    catalog: Catalog, framework: Framework, statuses: dict[str, ControlStatus]
) -> list[RequirementRow]:
    """Every requirement of a framework in catalog order, with its controls and their rolled-up status."""
    depth: dict[str, int] = {}
    rows: list[RequirementRow] = []
    for requirement in framework.requirements:
        depth[requirement.id] = 0 if requirement.parent is None else depth.get(requirement.parent, 0) + 1
        control_ids = catalog.controls_for(framework.id, requirement.id)
        present = {statuses[c].status for c in control_ids if c in statuses}
        status = next((STATUS_LABEL[s.value] for s in ROLL_UP if s in present), "unmet" if not control_ids else "")
        rows.append(RequirementRow(requirement, depth[requirement.id], control_ids, status))
    return rows


class RequirementsScreen(WorkbenchScreen):
    """A framework's requirements (with how many controls meet each); below, the controls of the one chosen."""

    AUTO_FOCUS = "#requirements-table"
    BINDINGS = [
        Binding("left_square_bracket", "framework(-1)", "Prev framework", id="requirements.previous"),
        Binding("right_square_bracket", "framework(1)", "Next framework", id="requirements.next"),
        Binding("tab", "switch_table", "Requirements/controls", id="requirements.switch", show=False),
        Binding("escape", "back", "Back", id="requirements.back"),
    ]

    def __init__(self, workspace: Workspace, framework_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.framework_id = framework_id
        self.rows: list[RequirementRow] = []
        self.statuses: dict[str, ControlStatus] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="requirements-heading")
        yield PlainTable(id="requirements-table", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="section-title", id="requirement-controls-title")
        yield PlainTable(id="requirement-controls", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#requirements-table", DataTable)
        table.add_column("Requirement", width=22)
        table.add_column("Title", width=52)
        table.add_column("Kind", width=16)  # fixed: the table is reused for every framework
        table.add_column("Controls", width=8)
        table.add_column("Status", width=8)
        controls = self.query_one("#requirement-controls", DataTable)
        controls.add_column("Control", width=8)
        controls.add_column("Title", width=52)
        controls.add_columns("Owner", "Status")
        self.show_framework(self.framework_id)

    def show_framework(self, framework_id: str) -> None:
        """Show another framework (the app keeps one of these screens)."""
        self.framework_id = framework_id
        framework = self.workspace.catalog.frameworks[framework_id]
        self.sub_title = framework.title
        notice = f"\n[dim]{markup_safe(framework.notice)}[/dim]" if framework.notice else ""
        self.query_one("#requirements-heading", Static).update(
            f"[b]{markup_safe(framework.title)}[/b] {markup_safe(framework.version)} · "
            f"{counted(len(framework.requirements), 'requirement')}"
            f" · \\[ and ] for the other frameworks{notice}"
        )
        self.load()

    @work(thread=True, exclusive=True, group="requirements", exit_on_error=False)
    def load(self) -> None:
        """Read the controls' statuses (as the dashboard read them, when it did) off the UI thread."""
        statuses = self.app.statuses if isinstance(self.app, StatusCache) else None
        if statuses is None:
            statuses = control_statuses(self.workspace)
        catalog = self.workspace.catalog
        rows = requirement_rows(catalog, catalog.frameworks[self.framework_id], statuses)
        self.app.call_from_thread(self.show, self.framework_id, rows, statuses)

    def show(self, framework_id: str, rows: list[RequirementRow], statuses: dict[str, ControlStatus]) -> None:
        if framework_id != self.framework_id:
            return  # another framework was chosen meanwhile
        self.rows = rows
        self.statuses = statuses
        table = self.query_one("#requirements-table", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*row.cells(), key=row.requirement.id)
        unmet = sum(1 for row in rows if not row.control_ids)
        self.query_one("#requirement-controls-title", Static).update(
            f"{counted(len(rows), 'requirement')}, {unmet} without a control"
        )
        if rows:
            self._show_controls(rows[0])

    @on(DataTable.RowHighlighted, "#requirements-table")
    def requirement_highlighted(self, event: DataTable.RowHighlighted) -> None:
        chosen = next((row for row in self.rows if row.requirement.id == event.row_key.value), None)
        if chosen is not None:
            self._show_controls(chosen)

    def _show_controls(self, row: RequirementRow) -> None:
        catalog = self.workspace.catalog
        self.query_one("#requirement-controls-title", Static).update(
            f"Controls meeting {row.requirement.id} ({counted(len(row.control_ids), 'control')}; Enter opens one)"
        )
        table = self.query_one("#requirement-controls", DataTable)
        table.clear()
        for control_id in row.control_ids:
            status = self.statuses.get(control_id)
            table.add_row(
                control_id,
                catalog.controls[control_id].title,
                OWNER_LABEL[status.owner.value] if status else "",
                STATUS_LABEL[status.status.value] if status else "",
                key=control_id,
            )

    @on(DataTable.RowSelected, "#requirements-table")
    def requirement_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        controls = self.query_one("#requirement-controls", DataTable)
        if controls.row_count:
            self.set_focus(controls)

    @on(DataTable.RowSelected, "#requirement-controls")
    def control_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.open_control(str(event.row_key.value))  # type: ignore[attr-defined]

    def action_switch_table(self) -> None:
        requirements = self.query_one("#requirements-table", DataTable)
        controls = self.query_one("#requirement-controls", DataTable)
        self.set_focus(controls if self.focused is requirements else requirements)

    def action_framework(self, step: int) -> None:
        ids = list(self.workspace.catalog.frameworks)
        self.show_framework(ids[(ids.index(self.framework_id) + step) % len(ids)])

    def action_back(self) -> None:
        if self.focused is self.query_one("#requirement-controls", DataTable):
            self.set_focus(self.query_one("#requirements-table", DataTable))
        else:
            self.app.pop_screen()
