"""The shared-responsibility matrix: every control by area, who owns it, each side's part; one key changes an owner."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from workbench.catalog import OWNERS
from workbench.services.ownership import Responsibility, responsibilities, set_owner
from workbench.tui.base import PlainTable, WorkbenchScreen, forget_statuses
from workbench.tui.keybar import KeyBar
from workbench.wording import OWNER_LABEL
from workbench.workspace import Workspace

SRM = "srm"
#: the area shown for controls the matrix template does not place anywhere
NO_AREA = "(no area)"
#: the filters of the matrix, and what each shows
FILTERS: dict[str, str] = {
    "all": "all controls",
    "vendor": "the vendor's (vendor, shared, vendor and third party)",
    "customer": "the customer's (customer, shared)",
    "shared": "shared",
    "unassigned": "not placed in any area of the matrix",
}
VENDOR_SIDE = {"vendor", "shared", "shared_vendor_third_party"}
CUSTOMER_SIDE = {"customer", "shared"}


@dataclass(frozen=True)
class MatrixRow:
    """One line of the matrix: a control in one area."""

    area: str
    control_id: str
    title: str
    owner: str
    vendor_part: str
    customer_part: str


class MatrixScreen(WorkbenchScreen):
    """Every control by area, with a vendor and a customer column; ``o`` moves the owner on, 1-5 filter."""

    AUTO_FOCUS = "#matrix-table"
    BINDINGS = [
        Binding("o", "next_owner", "Next owner", id="matrix.next_owner"),
        Binding("1", "filter('all')", "All", id="matrix.filter_all"),
        Binding("2", "filter('vendor')", "Vendor", id="matrix.filter_vendor"),
        Binding("3", "filter('customer')", "Customer", id="matrix.filter_customer"),
        Binding("4", "filter('shared')", "Shared", id="matrix.filter_shared"),
        Binding("5", "filter('unassigned')", "Unassigned", id="matrix.filter_unassigned"),
        Binding("escape", "back", "Back", id="matrix.back"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.rows: list[MatrixRow] = []
        self.shown = "all"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Shared-responsibility matrix", id="matrix-heading")
        yield PlainTable(id="matrix-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#matrix-table", DataTable)
        table.add_column("Area", width=30)
        table.add_column("Control", width=8)
        table.add_column("Vendor", width=6)
        table.add_column("Customer", width=8)
        table.add_column("Owner", width=10)
        table.add_column("Customer's part", width=50)
        self.load()

    def on_screen_resume(self) -> None:
        if self.rows:  # back from another screen (the exchange may have imported a matrix): read it afresh
            self.load()

    @work(thread=True, exclusive=True, group="matrix", exit_on_error=False)
    def load(self) -> None:
        self.app.call_from_thread(self.show, matrix_rows(self.workspace, responsibilities(self.workspace)))

    def show(self, rows: list[MatrixRow]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#matrix-table", DataTable)
        selected = self._selected()
        table.clear()
        for row in self.rows:
            if not _wanted(row, self.shown):
                continue
            table.add_row(
                row.area,
                row.control_id,
                "✓" if row.owner in VENDOR_SIDE else "",
                "✓" if row.owner in CUSTOMER_SIDE else "",
                OWNER_LABEL[row.owner],
                row.customer_part,
                key=f"{row.area}|{row.control_id}",
            )
        if selected is not None:
            keys = [key.value for key in table.rows]
            if selected in keys:
                table.move_cursor(row=keys.index(selected))
        controls = len({row.control_id for row in self.rows if _wanted(row, self.shown)})
        self.query_one("#matrix-heading", Static).update(
            f"Shared-responsibility matrix: {controls} controls, {FILTERS[self.shown]}"
        )

    def _selected(self) -> str | None:
        table = self.query_one("#matrix-table", DataTable)
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if value is None else str(value)

    def action_filter(self, which: str) -> None:
        self.shown = which
        self._fill()

    def action_next_owner(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        control_id = selected.split("|", 1)[1]
        current = next(row.owner for row in self.rows if row.control_id == control_id)
        following = OWNERS[(OWNERS.index(current) + 1) % len(OWNERS)]
        self.change_owner(control_id, following)

    @work(thread=True, exclusive=True, group="matrix-owner", exit_on_error=False)
    def change_owner(self, control_id: str, owner: str) -> None:
        """Record the new owner (one ledger entry), then show the matrix as it now stands."""
        set_owner(self.workspace, control_id, owner=owner)
        self.app.call_from_thread(forget_statuses, self.app)
        rows = matrix_rows(self.workspace, responsibilities(self.workspace))
        self.app.call_from_thread(self.show, rows)
        self.app.call_from_thread(self.notify, f"{control_id}: now {OWNER_LABEL[owner]}")

    def action_back(self) -> None:
        self.app.pop_screen()


def matrix_rows(workspace: Workspace, owners: dict[str, Responsibility]) -> list[MatrixRow]:
    """Every control under each matrix area it is mapped to, in the template's order; the rest under NO_AREA."""
    catalog = workspace.catalog
    rows: list[MatrixRow] = []
    placed: set[str] = set()
    framework = catalog.frameworks.get(SRM)
    areas = [r for r in framework.requirements if r.parent] if framework is not None else []
    for area in areas:
        for control_id in sorted(c for c, control in catalog.controls.items() if area.id in control.maps.get(SRM, ())):
            placed.add(control_id)
            rows.append(_row(f"{area.id} {area.title}", control_id, catalog.controls[control_id].title, owners))
    for control_id in sorted(set(catalog.controls) - placed):
        rows.append(_row(NO_AREA, control_id, catalog.controls[control_id].title, owners))
    return rows


def _row(area: str, control_id: str, title: str, owners: dict[str, Responsibility]) -> MatrixRow:
    owner = owners[control_id]
    return MatrixRow(area, control_id, title, owner.owner.value, owner.vendor_part, owner.customer_part)


def _wanted(row: MatrixRow, which: str) -> bool:
    if which == "vendor":
        return row.owner in VENDOR_SIDE
    if which == "customer":
        return row.owner in CUSTOMER_SIDE
    if which == "shared":
        return row.owner == "shared"
    if which == "unassigned":
        return row.area == NO_AREA
    return True
