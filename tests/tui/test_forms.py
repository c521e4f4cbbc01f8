"""The forms of the control screen, driven by Pilot: what they write to the store, and errors that keep the form."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static, TextArea, Tree

from tests.reports.conftest import add_check_evidence
from tests.tui.helpers import groups, settle
from workbench.clock import utc_now
from workbench.services.evidence import add_manual_evidence, get_evidence, list_evidence
from workbench.services.exceptions import list_exceptions
from workbench.services.ownership import responsibilities
from workbench.tui.app import WorkbenchApp, make_app
from workbench.tui.controls import ControlDetailScreen
from workbench.tui.dashboard import DashboardScreen
from workbench.tui.evidence import EvidenceScreen
from workbench.tui.forms import EvidenceForm, ExceptionForm, OwnerForm
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


def on_control(workspace: Workspace, control_id: str, script: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    """Open the app on ``control_id``'s screen and play ``script``."""
    app: WorkbenchApp = make_app(workspace.path)

    async def run() -> None:
        async with app.run_test(size=(120, 48)) as pilot:
            await settle(pilot)
            app.open_control(control_id)
            await settle(pilot)
            assert isinstance(app.screen, ControlDetailScreen)
            await script(pilot)

    asyncio.run(run())


def test_add_evidence_with_files_a_note_and_dates(workspace: Workspace, tmp_path: Path) -> None:
    first, second = tmp_path / "policy.txt", tmp_path / "screenshot.txt"
    first.write_text("access policy v3")
    second.write_text("console screenshot")

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("a")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, EvidenceForm)
        form.query_one("#evidence-files", Input).value = f"{first}; {second}"
        form.query_one("#evidence-note", Input).value = "Quarterly review"
        form.query_one("#evidence-observed", Input).value = "2026-01-15"
        form.query_one("#evidence-valid-until", Input).value = "2099-01-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ControlDetailScreen), "the form closes once the record is written"
        ((_, records),) = groups(pilot.app.screen.query_one("#control-evidence", Tree))
        assert len(records) == 1 and "Quarterly review" in records[0]
        await pilot.press("escape")
        await settle(pilot)
        dashboard = pilot.app.screen
        assert isinstance(dashboard, DashboardScreen) and dashboard.summary is not None
        assert sum(f.by_status.get("passing", 0) for f in dashboard.summary.frameworks) > 0, "the figures follow"

    on_control(workspace, "IAM-02", script)
    rows, total = list_evidence(workspace, control_id="IAM-02")
    assert total == 1 and rows[0].note == "Quarterly review" and rows[0].attachments == 2
    assert f"{rows[0].observed_at:%Y-%m-%d}" == "2026-01-15" and rows[0].valid_until is not None


def test_a_bad_file_keeps_the_form_open_with_the_message_and_writes_nothing(workspace: Workspace) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("a")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, EvidenceForm)
        form.query_one("#evidence-files", Input).value = "does-not-exist.pdf"
        form.query_one("#evidence-note", Input).value = "typed with care"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form, "an error never throws away what was typed"
        assert "attachment does-not-exist.pdf: no such file" in str(form.query_one("#form-error", Static).render())
        assert form.query_one("#evidence-note", Input).value == "typed with care"
        form.query_one("#evidence-observed", Input).value = "last tuesday"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "observed: 'last tuesday' is not a date" in str(form.query_one("#form-error", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ControlDetailScreen)

    on_control(workspace, "IAM-02", script)
    assert list_evidence(workspace, control_id="IAM-02")[1] == 0


def test_supersede_the_selected_record(workspace: Workspace) -> None:
    old = add_manual_evidence(workspace, control_ids=["IAM-02"], note="first take")

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("s")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, EvidenceForm) and form.supersedes == old.record.id
        form.query_one("#evidence-note", Input).value = "corrected"
        await pilot.press("ctrl+s")
        await settle(pilot)

    on_control(workspace, "IAM-02", script)
    rows, total = list_evidence(workspace, control_id="IAM-02")
    assert total == 1 and rows[0].note == "corrected", "the superseded record leaves the list"


def test_add_an_exception_and_change_the_owner(workspace: Workspace) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("x")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, ExceptionForm)
        form.query_one("#exception-rationale", Input).value = "Legacy bucket retired in Q1"
        form.query_one("#exception-approver", Input).value = "CISO Jane Roe"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Legacy bucket retired" in str(pilot.app.screen.query_one("#control-exceptions", Static).render())

        await pilot.press("o")
        await pilot.pause()
        owner_form = pilot.app.screen
        assert isinstance(owner_form, OwnerForm)
        owner_form.query_one("#owner-select", Select).value = "shared"
        owner_form.query_one("#owner-customer-part", TextArea).text = "Enables logging in its own accounts."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Owner: shared" in str(pilot.app.screen.query_one("#control-ownership", Static).render())

    on_control(workspace, "LOG-03", script)
    exceptions = list_exceptions(workspace, control_id="LOG-03")
    assert [e.approver for e in exceptions] == ["CISO Jane Roe"]
    owner = responsibilities(workspace)["LOG-03"]
    assert owner.owner.value == "shared" and owner.customer_part == "Enables logging in its own accounts."
    assert owner.origin == "workspace"


def test_an_evidence_record_shows_its_raw_payload_as_json(workspace: Workspace) -> None:
    record_id = add_check_evidence(workspace, "ENC-01", resource="arn:aws:s3:::acme-logs", observed_at=utc_now())
    raw = get_evidence(workspace, record_id).blobs[0]

    async def script(pilot: Pilot[None]) -> None:
        pilot.app.screen.query_one("#control-evidence", Tree).focus()
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, EvidenceScreen) and screen.evidence_id == record_id
        summary = str(screen.query_one("#evidence-summary", Static).render())
        assert "Result: pass" in summary and "arn:aws:s3:::acme-logs" in summary
        assert str(screen.query_one("#evidence-blobs", DataTable).get_row_at(0)[3]) == raw.sha256
        assert screen.payload == '{\n  "ServerSideEncryptionConfiguration": {}\n}', "pretty-printed JSON"

    on_control(workspace, "ENC-01", script)
