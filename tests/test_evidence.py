"""Manual evidence: attachments, notes, superseding, and bad input that changes nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import CliRunner, snapshot, stored_objects, table_counts, write_file
from tests.helpers import control_owned_by
from workbench.clock import utc_now
from workbench.errors import InputError
from workbench.services.evidence import add_manual_evidence, get_evidence, list_evidence
from workbench.workspace import Workspace


def test_add_with_several_attachments_and_controls(workspace: Workspace, tmp_path: Path) -> None:
    first, second = control_owned_by("vendor"), control_owned_by("vendor", skip=1)
    policy = write_file(tmp_path / "in" / "policy.pdf", b"%PDF-1.4 policy")
    shot = write_file(tmp_path / "in" / "screen shot.png", b"\x89PNG screenshot")
    view = add_manual_evidence(
        workspace,
        control_ids=[first.lower(), second, first],
        attachments=[policy, shot],
        note="Annual access policy review",
        valid_until=utc_now() + timedelta(days=30),
    )
    assert view.control_ids == tuple(sorted({first, second}))
    assert [b.name for b in view.blobs] == ["policy.pdf", "screen shot.png"]
    assert view.blobs[0].sha256 == hashlib.sha256(b"%PDF-1.4 policy").hexdigest()
    assert view.blobs[0].media_type == "application/pdf"
    assert (workspace.path / "objects" / view.blobs[1].sha256[:2] / view.blobs[1].sha256).read_bytes() == (
        b"\x89PNG screenshot"
    )
    assert view.record.source == "manual" and view.record.result == "pass"
    assert view.record.collected_by == "tester@example.test"
    counts = table_counts(workspace.path)
    assert counts["evidence"] == 1 and counts["evidence_control"] == 2 and counts["evidence_blob"] == 2
    assert counts["ledger"] == 1


def test_same_bytes_are_stored_once(workspace: Workspace, tmp_path: Path) -> None:
    control = control_owned_by("vendor")
    a = write_file(tmp_path / "a.txt", b"same bytes")
    b = write_file(tmp_path / "b.txt", b"same bytes")
    add_manual_evidence(workspace, control_ids=[control], attachments=[a])
    add_manual_evidence(workspace, control_ids=[control], attachments=[b])
    objects = [name for name in stored_objects(workspace.path) if not name.startswith("tmp")]
    assert objects == [f"{hashlib.sha256(b'same bytes').hexdigest()[:2]}/{hashlib.sha256(b'same bytes').hexdigest()}"]


def test_supersede_instead_of_edit(workspace: Workspace, tmp_path: Path) -> None:
    control = control_owned_by("vendor")
    old = add_manual_evidence(workspace, control_ids=[control], note="wrong date on screenshot", result="fail")
    new = add_manual_evidence(workspace, control_ids=[control], note="corrected", supersedes=old.record.id[:8])
    assert new.record.supersedes_id == old.record.id
    assert get_evidence(workspace, old.record.id).superseded_by == new.record.id
    assert get_evidence(workspace, old.record.id).record.note == "wrong date on screenshot"  # never edited
    current, total = list_evidence(workspace, control_id=control)
    assert [r.id for r in current] == [new.record.id] and total == 1
    everything, total_all = list_evidence(workspace, control_id=control, include_superseded=True)
    assert total_all == 2 and {r.superseded for r in everything} == {True, False}
    with pytest.raises(InputError, match="already superseded by"):
        add_manual_evidence(workspace, control_ids=[control], note="again", supersedes=old.record.id)


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d: ["--control", "NOPE-99", "--note", "x"], "unknown control 'NOPE-99'"),
        (lambda d: ["--control", "{c}", "--attach", d / "missing.pdf"], "missing.pdf: no such file"),
        (lambda d: ["--control", "{c}", "--attach", d], "is a directory"),
        (lambda d: ["--control", "{c}", "--attach", d / "escape.txt"], "is a symlink to"),
        (lambda d: ["--control", "{c}", "--attach", d / "elsewhere" / "secret.txt"], "/elsewhere, a symlink to"),
        (lambda d: ["--control", "{c}", "--note", "x", "--observed-at", "yesterday"], "is not a date"),
        (
            lambda d: ["--control", "{c}", "--note", "x", "--observed-at", "2026-01-02", "--valid-until", "2026-01-01"],
            "is not after observed-at",
        ),
        (lambda d: ["--control", "{c}", "--note", "x", "--supersedes", "abcdef12"], "no evidence record"),
        (lambda d: ["--control", "{c}", "--note", "x", "--observed-at", "2999-01-01"], "is in the future"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    workspace: Workspace, tmp_path: Path, cli: CliRunner, make_args: object, message: str
) -> None:
    control = control_owned_by("vendor")
    good = write_file(tmp_path / "in" / "good.txt", b"good")
    secret = write_file(tmp_path / "outside" / "secret.txt", b"secret")
    os.symlink(secret, tmp_path / "in" / "escape.txt")
    os.symlink(secret.parent, tmp_path / "in" / "elsewhere")  # a directory link out of the evidence folder
    # One good attachment first: a later bad one must not leave the good one half-recorded.
    args = [str(a).replace("{c}", control) for a in make_args(tmp_path / "in")]  # type: ignore[operator]
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "evidence", "add", "--attach", good, *args)
    assert result.code == 1, result
    assert result.err.count("\n") == 1 and result.err.startswith("error: ")
    assert message in result.err
    assert "Traceback" not in result.err
    assert snapshot(workspace.path) == before


def test_evidence_needs_a_note_or_an_attachment(workspace: Workspace, cli: CliRunner) -> None:
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "evidence", "add", "--control", control_owned_by("vendor"))
    assert result.code == 1
    assert result.err == "error: evidence needs a note (--note) or at least one attachment (--attach)\n"
    assert snapshot(workspace.path) == before


def test_symlink_inside_the_named_directory_is_fine(workspace: Workspace, tmp_path: Path) -> None:
    real = write_file(tmp_path / "in" / "real.txt", b"inside")
    os.symlink("real.txt", tmp_path / "in" / "alias.txt")
    view = add_manual_evidence(
        workspace, control_ids=[control_owned_by("vendor")], attachments=[tmp_path / "in" / "alias.txt"]
    )
    assert view.blobs[0].name == "alias.txt" and view.blobs[0].size == real.stat().st_size


def test_unreadable_attachment_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    locked = write_file(tmp_path / "in" / "locked.txt", b"no")
    locked.chmod(0)
    command = [
        sys.executable,
        "-c",
        "from workbench.cli.main import main; main()",
        "-w",
        str(workspace.path),
        "evidence",
        "add",
        "--control",
        control_owned_by("vendor"),
        "--attach",
        str(locked),
    ]
    if os.geteuid() == 0:
        # root reads every file; without the capabilities that let it, it obeys the file mode like anyone else
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"error: attachment {locked}: permission denied"
    assert table_counts(workspace.path)["evidence"] == 0


def test_evidence_cli_add_list_show(workspace: Workspace, tmp_path: Path, cli: CliRunner) -> None:
    control = control_owned_by("vendor")
    doc = write_file(tmp_path / "report.pdf", b"%PDF pen test")
    added = cli(
        "-w",
        workspace.path,
        "evidence",
        "add",
        "--control",
        control,
        "--attach",
        doc,
        "--note",
        "Pen test 2026",
        "--observed-at",
        "2026-11-01",
        "--valid-until",
        "2027-11-01",
        "--json",
    )
    assert added.code == 0, added.err
    record = added.json()
    assert record["observed_at"] == "2026-11-01T00:00:00Z"
    assert record["valid_until"] == "2027-11-01T23:59:59Z"
    assert record["blobs"][0]["name"] == "report.pdf"
    listed = cli("-w", workspace.path, "evidence", "list", "--json").json()
    assert listed["total"] == 1 and listed["records"][0]["id"] == record["id"]
    shown = cli("-w", workspace.path, "evidence", "show", record["id"][:10], "--json").json()
    assert shown == record | {"superseded_by": None}
    human = cli("-w", workspace.path, "evidence", "show", record["id"])
    assert "Pen test 2026" in human.out and record["blobs"][0]["sha256"] in human.out
    table = cli("-w", workspace.path, "evidence", "list", "--control", control)
    assert record["id"][:8] in table.out and "1 of 1 record(s)" in table.out
    unknown = cli("-w", workspace.path, "evidence", "show", "zzzzzzzz")
    assert unknown.code == 1 and unknown.err == "error: no evidence record 'zzzzzzzz'\n"


def test_the_same_file_named_twice_is_attached_once(workspace: Workspace, tmp_path: Path) -> None:
    doc = write_file(tmp_path / "a.txt", b"once")
    view = add_manual_evidence(workspace, control_ids=[control_owned_by("vendor")], attachments=[doc, doc])
    assert [b.name for b in view.blobs] == ["a.txt"]
