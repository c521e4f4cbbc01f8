"""What the app's tests share: waiting for the screens' workers, and reading a table."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Tree


async def settle(pilot: Pilot[None]) -> None:
    """Let the screens' thread workers finish and their results reach the screen.

    The file picker's directory loader runs for as long as the picker is open, so it is not waited for.
    """
    await pilot.pause()
    ours = [worker for worker in pilot.app.workers if worker.group != "_loader"]
    if ours:  # an empty list would mean "all of them", the loader included
        await pilot.app.workers.wait_for_complete(ours)
    await pilot.pause()


def cells(table: DataTable[object]) -> list[list[str]]:
    """Every row of a table, as text."""
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def groups(tree: Tree[str | None]) -> list[tuple[str, list[str]]]:
    """A control's evidence as shown: each group's heading, with the lines of its records in order."""
    return [(str(node.label), [str(leaf.label) for leaf in node.children]) for node in tree.root.children]


def grouped_ids(tree: Tree[str | None]) -> list[tuple[str, list[str]]]:
    """A control's evidence as shown: each group's heading, with the ids of its records in order."""
    return [
        (str(node.label), [str(leaf.data) for leaf in node.children])
        for node in tree.root.children
        if node.data != "more"  # the line that reads the next page
    ]
