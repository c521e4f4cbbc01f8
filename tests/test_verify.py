"""Tamper evidence: verify recomputes the ledger, every row and every blob, and names what changed."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import CliRunner, write_file
from tests.helpers import control_owned_by
from workbench.clock import utc_now
from workbench.services.evidence import EvidenceView, add_manual_evidence
from workbench.services.exceptions import add_exception
from workbench.services.ownership import set_owner
from workbench.services.verify import verify_workspace
from workbench.workspace import Workspace


@pytest.fixture
def filled(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, list[EvidenceView]]:
    control = control_owned_by("vendor")
    views = [
        add_manual_evidence(
            workspace,
            control_ids=[control],
            attachments=[write_file(tmp_path / f"f{i}.txt", f"file {i}" * 100)],
            note=f"record {i}",
        )
        for i in range(3)
    ]
    add_exception(workspace, control_id=control, rationale="r", approver="a", expires_at=utc_now() + timedelta(days=9))
    set_owner(workspace, control, owner="shared", customer_part="Reviews its own users.")
    return workspace, views


def _sqlite_shell(path: Path, sql: str) -> None:
    subprocess.run(["sqlite3", str(path / "workbench.db"), sql], check=True, capture_output=True)


def test_intact_workspace_verifies(filled: tuple[Workspace, list[EvidenceView]], cli: CliRunner) -> None:
    workspace, _views = filled
    report = verify_workspace(workspace)
    assert report.ok, report.problems
    assert report.ledger_entries == 5
    assert report.records == {
        "evidence": 3,
        "exception": 1,
        "ownership": 1,
        "run": 0,
        "catalog": 0,
        "packet": 0,
        "attestation": 0,
    }
    assert report.blobs == 3
    result = cli("-w", workspace.path, "verify")
    assert result.code == 0 and result.out.startswith(
        "OK: 5 ledger entries, 3 evidence records, 1 exception, 1 ownership change, 0 collection runs, "
        "0 catalog entries, 0 exchanged packets, 0 attestations, 3 blobs"
    )


def test_flipped_blob_byte_is_named(filled: tuple[Workspace, list[EvidenceView]], cli: CliRunner) -> None:
    workspace, views = filled
    blob = views[1].blobs[0]
    path = workspace.path / "objects" / blob.sha256[:2] / blob.sha256
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    result = cli("-w", workspace.path, "verify", "--json")
    assert result.code == 1
    report = result.json()
    assert report["ok"] is False
    assert report["first_problem"].startswith(f"blob {blob.sha256[:12]}: content changed")
    assert f"f1.txt of evidence {views[1].record.id}" in report["first_problem"]
    human = cli("-w", workspace.path, "verify")
    assert human.code == 1 and human.err.startswith(f"FAILED: blob {blob.sha256[:12]}: content changed")


def test_missing_blob_is_named(filled: tuple[Workspace, list[EvidenceView]], cli: CliRunner) -> None:
    workspace, views = filled
    blob = views[0].blobs[0]
    (workspace.path / "objects" / blob.sha256[:2] / blob.sha256).unlink()
    report = cli("-w", workspace.path, "verify", "--json").json()
    assert report["first_problem"] == f"blob {blob.sha256[:12]}: is missing (f0.txt of evidence {views[0].record.id})"


def test_row_changed_with_the_sqlite_shell_is_named(
    filled: tuple[Workspace, list[EvidenceView]], cli: CliRunner
) -> None:
    workspace, views = filled
    target = views[2].record.id
    _sqlite_shell(workspace.path, f"UPDATE evidence SET note = 'all good' WHERE id = '{target}'")
    result = cli("-w", workspace.path, "verify", "--json")
    assert result.code == 1
    assert result.json()["first_problem"] == (
        f"evidence {target}: differs from what ledger entry 3 recorded (changed after)"
    )


def test_changed_result_link_and_exception_are_named(filled: tuple[Workspace, list[EvidenceView]]) -> None:
    workspace, views = filled
    _sqlite_shell(
        workspace.path, f"UPDATE evidence_control SET control_id = 'XX-01' WHERE evidence_id = '{views[0].record.id}'"
    )
    _sqlite_shell(workspace.path, "UPDATE control_exception SET expires_at = '2099-01-01T00:00:00.000000Z'")
    problems = [str(p) for p in verify_workspace(workspace).problems]
    assert any(p.startswith(f"evidence {views[0].record.id}: differs") for p in problems)
    assert any(p.startswith("exception ") and "differs" in p for p in problems)


def test_deleted_row_is_named(filled: tuple[Workspace, list[EvidenceView]], cli: CliRunner) -> None:
    workspace, views = filled
    target = views[0].record.id
    _sqlite_shell(
        workspace.path,
        f"DELETE FROM evidence_blob WHERE evidence_id = '{target}'; DELETE FROM evidence_control WHERE evidence_id = "
        f"'{target}'; DELETE FROM evidence WHERE id = '{target}';",
    )
    result = cli("-w", workspace.path, "verify", "--json")
    assert result.code == 1
    assert (
        f"evidence {target}: recorded in ledger entry 1 but missing from the evidence table"
        in result.json()["problems"]
    )


def test_inserted_row_is_named(filled: tuple[Workspace, list[EvidenceView]]) -> None:
    workspace, views = filled
    _sqlite_shell(
        workspace.path,
        "INSERT INTO control_exception VALUES ('forged', 'IAM-01', 'trust me', 'nobody', "
        "'2099-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 'mallory')",
    )
    problems = [str(p) for p in verify_workspace(workspace).problems]
    assert problems == ["exception forged: is not in the ledger (written outside the workbench)"]


def test_truncated_ledger_is_named(filled: tuple[Workspace, list[EvidenceView]], cli: CliRunner) -> None:
    workspace, _views = filled
    _sqlite_shell(workspace.path, "DELETE FROM ledger WHERE seq >= 4")
    report = cli("-w", workspace.path, "verify", "--json").json()
    assert report["ok"] is False
    assert report["first_problem"] == "ledger: truncated: ledger.head records entry 5, but the ledger holds 3 entries"
    assert any("is not in the ledger" in p for p in report["problems"])


def test_truncated_ledger_with_its_rows_is_still_caught_by_the_anchor(
    filled: tuple[Workspace, list[EvidenceView]],
) -> None:
    workspace, _views = filled
    _sqlite_shell(workspace.path, "DELETE FROM ledger WHERE seq = 5; DELETE FROM ownership_change;")
    problems = [str(p) for p in verify_workspace(workspace).problems]
    assert problems == ["ledger: truncated: ledger.head records entry 5, but the ledger holds 4 entries"]


def test_edited_ledger_entry_is_named(filled: tuple[Workspace, list[EvidenceView]]) -> None:
    workspace, _views = filled
    _sqlite_shell(workspace.path, "UPDATE ledger SET actor = 'someone else' WHERE seq = 2")
    problems = [str(p) for p in verify_workspace(workspace).problems]
    assert problems[0] == "ledger entry 2: its contents no longer match its hash (the entry was changed)"


def test_removed_middle_entry_is_named(filled: tuple[Workspace, list[EvidenceView]]) -> None:
    workspace, _views = filled
    with sqlite3.connect(workspace.path / "workbench.db") as connection:
        connection.execute("DELETE FROM ledger WHERE seq = 2")
    problems = [str(p) for p in verify_workspace(workspace).problems]
    assert problems[0] == "ledger entry 3: expected entry 2 here: entries 2..2 are missing"


def test_a_removed_anchor_is_named_even_with_the_rows_and_entries_deleted_to_match(
    filled: tuple[Workspace, list[EvidenceView]], cli: CliRunner
) -> None:
    workspace, _views = filled
    (workspace.path / "ledger.head").unlink()
    result = cli("-w", workspace.path, "verify")
    assert result.code == 1
    assert result.err.startswith("FAILED: ledger head: ledger.head is missing")


def test_a_fresh_workspace_has_its_genesis_anchor_and_verifies(workspace: Workspace, cli: CliRunner) -> None:
    assert (workspace.path / "ledger.head").is_file()
    result = cli("-w", workspace.path, "verify")
    assert result.code == 0 and result.out.startswith("OK: 0 ledger entries")


def test_a_file_no_record_refers_to_is_noted_not_failed(workspace: Workspace, cli: CliRunner) -> None:
    """An interrupted write (files stored, then the process killed before its transaction) leaves such files."""
    import io

    workspace.store.blobs.put_stream(io.BytesIO(b"stored before a crash, never recorded"))
    report = verify_workspace(workspace)
    assert report.ok and report.unreferenced == 1 and report.as_dict()["unreferenced_files"] == 1
    result = cli("-w", workspace.path, "verify")
    assert result.code == 0 and "note: 1 stored file no record refers to" in result.out
