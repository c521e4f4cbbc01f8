"""Long lists read page by page: a control's evidence (Enter on the last line), a run's evidence (as you scroll)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, Tree

from tests.tui.helpers import settle
from workbench.clock import utc_now
from workbench.services.evidence import add_manual_evidence, list_evidence
from workbench.tui import controls, evidence
from workbench.tui.app import make_app
from workbench.tui.controls import MORE, ControlDetailScreen
from workbench.tui.evidence import EvidenceListScreen
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


def test_a_controls_evidence_reads_the_next_page_on_enter(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(controls, "EVIDENCE_SHOWN", 5)
    now = utc_now()
    for day in range(12):
        add_manual_evidence(
            workspace, control_ids=["IAM-01"], note=f"review {day}", observed_at=now - timedelta(days=day)
        )
    newest_first = [row.id for row in list_evidence(workspace, control_id="IAM-01", limit=50)[0]]

    async def run() -> None:
        app = make_app(workspace.path)
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            app.open_control("IAM-01")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ControlDetailScreen)
            tree = screen.query_one("#control-evidence", Tree)

            def leaves() -> list[str]:
                return [str(leaf.data) for group in tree.root.children for leaf in group.children]

            assert leaves() == newest_first[:5]
            last = tree.root.children[-1]
            assert last.data == MORE and "7 more records" in str(last.label)
            assert "newest 5 read" in str(screen.query_one("#control-evidence-title", Static).render())
            screen.set_focus(tree)
            for expected in (10, 12):
                await pilot.press("end")  # the last line: the one that reads more
                assert tree.cursor_node is tree.root.children[-1]
                await pilot.press("enter")
                await settle(pilot)
                assert leaves() == newest_first[:expected]
            assert all(node.data != MORE for node in tree.root.children), "everything read: no more line"
            assert screen.detail is not None and len(screen.detail.evidence) == 12

            # the screen reads itself again (after a write, or when shown again): it keeps what was read
            screen.load()
            await settle(pilot)
            assert leaves() == newest_first

    asyncio.run(run())


def test_a_runs_evidence_reads_the_next_page_as_the_cursor_nears_the_end(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence, "LIST_SHOWN", 20)
    monkeypatch.setattr(evidence, "PAGE_AHEAD", 5)
    with sqlite3.connect(demo_path / "workbench.db") as db:
        run_id, recorded = db.execute(
            "SELECT run_id, COUNT(*) FROM evidence WHERE run_id IS NOT NULL GROUP BY run_id"
        ).fetchone()
    assert recorded > 40

    async def run() -> None:
        app = make_app(demo_path)
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            await app.push_screen(EvidenceListScreen(app.workspace, run_id=run_id))
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, EvidenceListScreen)
            table = screen.query_one("#evidence-list", DataTable)
            assert table.row_count == 20 and "more as you scroll" in str(
                screen.query_one("#evidence-list-heading", Static).render()
            )
            while table.row_count < recorded:
                before = table.row_count
                table.move_cursor(row=table.row_count - 1)
                await settle(pilot)
                assert table.row_count > before, "the next page was read"
            assert len(screen.evidence_ids) == len(set(screen.evidence_ids)) == recorded
            assert "more as you scroll" not in str(screen.query_one("#evidence-list-heading", Static).render())

    asyncio.run(run())
