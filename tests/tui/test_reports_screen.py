"""Reports from the app: a signed report rendered with progress from a worker, then verified; bad input in place."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static

from tests.reports.conftest import MemoryKeyring
from tests.tui.helpers import settle
from workbench.reports.identity import create_identity
from workbench.tui.app import make_app
from workbench.tui.reports import ReportsScreen
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def in_memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("WORKBENCH_SIGNING_PASSPHRASE", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def test_render_sign_and_verify_from_the_app(workspace: Workspace, tmp_path: Path, in_memory_keyring: None) -> None:
    create_identity(workspace)
    out = tmp_path / "matrix.pdf"
    stages: list[str] = []

    async def script(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ReportsScreen)
        original = screen.show_progress

        def spy(stage: str, fraction: float) -> None:
            stages.append(stage)
            original(stage, fraction)

        screen.show_progress = spy  # type: ignore[method-assign]
        screen.query_one("#report-kind", Select).value = "srm"
        screen.query_one("#report-as-of", Input).value = "2999-01-01"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "that moment is still to come" in str(screen.query_one("#report-status", Static).render())
        screen.query_one("#report-as-of", Input).value = ""
        screen.query_one("#report-out", Input).value = str(out)
        assert screen.query_one("#report-sign", Checkbox).value is True
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.result is not None and screen.result.signed and screen.result.path == out
        assert f"Wrote {out}" in str(screen.query_one("#report-status", Static).render())
        assert screen.query_one("#verify-pdf", Input).value == str(out), "ready to verify what was written"
        await pilot.press("ctrl+v")
        await settle(pilot)
        assert screen.verification is not None and screen.verification.ok
        assert str(screen.query_one("#verify-status", Static).render()).startswith(f"OK: {out}")

        tampered = tmp_path / "tampered.pdf"
        raw = bytearray(out.read_bytes())
        raw[raw.index(b"stream\n") + 40] ^= 0x01
        tampered.write_bytes(bytes(raw))
        screen.query_one("#verify-pdf", Input).value = str(tampered)
        await pilot.press("ctrl+v")
        await settle(pilot)
        assert screen.verification is not None and not screen.verification.ok
        assert "the signed bytes were changed after signing" in str(screen.query_one("#verify-status", Static).render())

    async def run() -> None:
        async with make_app(workspace.path).run_test(size=(120, 48)) as pilot:
            await script(pilot)

    asyncio.run(run())
    assert out.read_bytes().startswith(b"%PDF-")
    assert "signing" in stages and stages == sorted(set(stages), key=stages.index), "each stage reported, in order"
