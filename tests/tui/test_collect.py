"""Collection from the app against moto: progress, the run summary, evidence in the store; bad input in place."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, ProgressBar, Static

from tests.conftest import CliRunner
from tests.tui.helpers import cells, settle
from workbench.services.evidence import list_evidence
from workbench.services.verify import verify_workspace
from workbench.tui.app import make_app
from workbench.tui.collect import CollectScreen
from workbench.wording import counted
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_run_iam_checks_with_progress_and_a_summary(workspace: Workspace, aws: None, cli: CliRunner) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")  # a console-less user: some checks pass, some do not
    seen: dict[str, object] = {}

    async def script(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("g")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CollectScreen)
        screen.query_one("#collect-workers", Input).value = "0"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "workers: give a number from 1 to 64" in str(screen.query_one("#collect-status", Static).render())
        screen.query_one("#collect-workers", Input).value = "4"
        screen.query_one("#collect-regions", Input).value = "us-east-1"
        screen.query_one("#collect-checks", Input).value = "iam"
        await pilot.press("ctrl+r")
        await settle(pilot)
        summary = screen.summary
        assert summary is not None and summary.status == "completed"
        seen["summary"] = summary
        bar = screen.query_one("#collect-progress", ProgressBar)
        assert bar.total == summary.tasks and bar.progress == summary.tasks
        status = str(screen.query_one("#collect-status", Static).render())
        assert f"{summary.tasks} of {summary.tasks} tasks" in status and "pass" in status
        assert f"Run {summary.run_id[:8]} completed" in str(screen.query_one("#collect-summary", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        last = str(pilot.app.screen.query_one("#dashboard-run", Static).render())
        assert last.startswith("Last collection run: completed") and f"over {counted(summary.tasks, 'task')}" in last
        run_row = cells(pilot.app.screen.query_one("#by-run", DataTable))
        assert run_row == [[summary.run_id[:8], str(summary.evidence_records), *map(str, summary.counts.values())]]

    async def run() -> None:
        async with make_app(workspace.path).run_test(size=(120, 40)) as pilot:
            await script(pilot)

    asyncio.run(run())
    summary = seen["summary"]
    rows, total = list_evidence(workspace, limit=1000)
    assert total == summary.evidence_records > 0  # type: ignore[attr-defined]
    assert {row.check_id.split(".")[1] for row in rows if row.check_id} == {"iam"}
    assert verify_workspace(workspace).ok
    status = cli("-w", workspace.path, "status", "--json")
    assert status.json()["last_collection_run"]["run_id"] == summary.run_id  # type: ignore[attr-defined]
    assert "Last collection run: completed" in cli("-w", workspace.path, "status").out
