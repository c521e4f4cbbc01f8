"""A control's evidence in the app: grouped by scope (manual evidence on its own), newest first, as in the store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Tree

from tests.tui.helpers import grouped_ids, settle
from workbench.services.evidence import EvidenceRow, list_evidence
from workbench.tui.app import make_app
from workbench.tui.controls import ControlDetailScreen
from workbench.workspace import open_workspace

pytestmark = pytest.mark.slow


def shown(path: Path, control_id: str) -> list[tuple[str, list[str]]]:
    """Open a control in the app and read its evidence groups."""
    found: list[tuple[str, list[str]]] = []

    async def run() -> None:
        async with make_app(path).run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            pilot.app.open_control(control_id)  # type: ignore[attr-defined]
            await settle(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, ControlDetailScreen) and screen.control_id == control_id
            tree = screen.query_one("#control-evidence", Tree)
            found.extend(grouped_ids(tree))
            node = tree.cursor_node
            assert node is not None and node.data == found[0][1][0], "the cursor starts on the newest record"

    asyncio.run(run())
    return found


def expected_groups(rows: list[EvidenceRow]) -> dict[tuple[str, ...], list[EvidenceRow]]:
    grouped: dict[tuple[str, ...], list[EvidenceRow]] = {}
    for row in rows:
        key = (row.account, row.region, row.resource) if row.account or row.resource else (row.source,)
        grouped.setdefault(key, []).append(row)
    return grouped


@pytest.mark.parametrize("control_id", ["IAM-03", "ENC-01", "GOV-01"])
def test_evidence_is_grouped_by_scope_newest_first(demo_path: Path, control_id: str) -> None:
    with open_workspace(demo_path) as workspace:
        rows, total = list_evidence(workspace, control_id=control_id, limit=1000)
    assert rows and len(rows) == total
    by_id = {row.id: row for row in rows}
    expected = expected_groups(rows)
    groups = shown(demo_path, control_id)

    assert sorted(i for _, ids in groups for i in ids) == sorted(by_id), "every current record, once"
    assert len(groups) == len(expected)
    newest = [by_id[ids[0]].observed_at for _, ids in groups]
    assert newest == sorted(newest, reverse=True), "the group with the newest record first"
    for heading, ids in groups:
        members = [by_id[i] for i in ids]
        first = members[0]
        key = (first.account, first.region, first.resource) if first.account or first.resource else (first.source,)
        assert sorted(ids) == sorted(r.id for r in expected[key]), heading
        assert [r.observed_at for r in members] == sorted((r.observed_at for r in members), reverse=True)
        if key == ("manual",):
            assert heading.startswith("Manual evidence (")
        else:
            account, region, resource = key
            assert heading.startswith(f"account {account} · {region or 'global'} · {resource} (")
    if control_id == "IAM-03":  # the access review, and the collector's verdict on each console user
        assert {key[0] for key in expected} == {"manual", "480917236150"}
    if control_id == "ENC-01":
        assert {key[1] for key in expected} == {"", "eu-west-1", "us-east-1"}
