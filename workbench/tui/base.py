"""What every screen of the app shares: worker failures go to one place, the error modal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.screen import Screen
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, RowKey
from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError
from workbench.services.status import ControlStatus
from workbench.text import shown
from workbench.tui.errors import ErrorModal


class StatusCache:
    """What the app remembers between screens until something is written: the statuses the dashboard read, and
    the controls read ahead while the cursor rests on them in a list (control id -> what the control screen shows).
    """

    statuses: dict[str, ControlStatus] | None = None
    details: dict[str, Any] | None = None


def forget_statuses(app: object) -> None:
    """Something was written: the next list, dashboard or control reads afresh."""
    if isinstance(app, StatusCache):
        app.statuses = None
        app.details = None


class WorkbenchScreen(Screen[None]):
    """A screen whose thread workers report failures in a modal, never as a traceback on screen."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        self.app.push_screen(error_modal(event.worker.error))


def error_modal(error: BaseException) -> ErrorModal:
    """The modal for an error: a user's mistake in its own words; anything else with what to do next."""
    if isinstance(error, WorkbenchError):
        return ErrorModal("Cannot do that", error.message)
    return ErrorModal(
        "Something went wrong",
        f"{type(error).__name__}: {error}\n\nNothing was written. Run the same action with the CLI and "
        "WORKBENCH_DEBUG=1 for the details, and please report it.",
    )


def fill_table(table: DataTable[Any], labels: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Replace a table's columns and rows, each column as wide as its widest cell, the cursor kept where it was.

    DataTable measures auto-width columns only once the app is idle; a header drawn before then keeps the narrow
    widths until the next repaint. Widths given up front are right at once (and in every snapshot).
    """
    cursor = table.cursor_coordinate
    table.clear(columns=True)
    for index, label in enumerate(labels):
        table.add_column(label, width=max([cell_len(label), *(cell_len(cells[index]) for _, cells in rows)]))
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if rows:
        table.cursor_coordinate = cursor  # kept inside the table by DataTable


class PlainTable(DataTable[Any]):
    """A DataTable whose text cells are shown as they are: DataTable reads a string cell as markup, so a title
    holding '[/]' (from an imported matrix, say) would fail to draw, and '[link=...]' would become a link. Control
    characters are shown as '?'."""

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: Text | str | None = None,
    ) -> RowKey:
        plain = [Text(shown(cell)) if isinstance(cell, str) else cell for cell in cells]
        return super().add_row(*plain, height=height, key=key, label=label)
