"""The CLI's workspace handling, init, controls, owners and exceptions: success and failure paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliRunner, snapshot
from tests.helpers import control_owned_by
from workbench.workspace import Workspace


def test_init_creates_a_workspace_and_refuses_twice(tmp_path: Path, cli: CliRunner) -> None:
    target = tmp_path / "acme"
    result = cli(
        "-w",
        target,
        "init",
        "--role",
        "customer",
        "--org",
        "Acme",
        "--system",
        "Acme Cloud",
        "--audit-start",
        "2026-01-01",
        "--audit-end",
        "2026-12-31",
        "--json",
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["role"] == "customer" and data["organisation"] == "Acme" and data["audit_period_end"] == "2026-12-31"
    assert (
        (target / "workspace.yaml").is_file() and (target / "workbench.db").is_file() and (target / "objects").is_dir()
    )
    again = cli("-w", target, "init")
    assert again.code == 1 and again.err == f"error: {target}: already a workspace; nothing changed\n"


def test_init_uses_the_default_workspace_and_its_readme(tmp_path: Path, cli: CliRunner) -> None:
    default = tmp_path / "evidence_store"
    default.mkdir()
    (default / "README.md").write_text("the embedded default workspace")
    assert cli("init").code == 0
    assert (default / "workspace.yaml").is_file()
    assert cli("status", "--json").json()["workspace"] == str(default)


def test_init_refuses_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = cli("-w", busy, "init")
    assert result.code == 1 and "the directory is not empty (notes.txt)" in result.err
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    file = tmp_path / "file"
    file.write_text("x")
    assert "exists and is not a directory" in cli("-w", file, "init").err
    reversed_period = cli("-w", tmp_path / "p", "init", "--audit-start", "2026-12-31", "--audit-end", "2026-01-01")
    assert reversed_period.code == 1 and "the audit period ends before it starts" in reversed_period.err
    assert not (tmp_path / "p").exists()
    bad_date = cli("-w", tmp_path / "q", "init", "--audit-start", "31/12/2026")
    assert bad_date.code == 1 and "--audit-start: '31/12/2026' is not a date" in bad_date.err
    under_a_file = cli("-w", file / "ws", "init")
    assert under_a_file.code == 1, "an OS error is the user's to fix, not an internal error"
    assert under_a_file.err == f"error: {file / 'ws'}: cannot create the workspace: Not a directory\n"


@pytest.mark.parametrize("kind", ["missing", "plain-directory", "file", "no-database"])
def test_commands_on_something_that_is_not_a_workspace(tmp_path: Path, cli: CliRunner, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "plain-directory":
        target.mkdir()
    elif kind == "file":
        target.write_text("x")
    elif kind == "no-database":
        target.mkdir()
        (target / "workspace.yaml").write_text("format: 1\nrole: vendor\n")
    expected = {
        "missing": "no workspace here; create one with 'workbench init'",
        "plain-directory": "not a workbench workspace (no workspace.yaml)",
        "file": "not a directory, so not a workspace",
        "no-database": "the workspace has lost its database (workbench.db)",
    }[kind]
    for command in (["status"], ["verify"], ["control", "list"], ["evidence", "list"]):
        result = cli("-w", target, *command)
        assert result.code == 1
        assert result.err == f"error: {target}: {expected}" + result.err.split(expected, 1)[1]
        assert result.err.count("\n") == 1


def test_corrupt_settings_file_is_named(workspace: Workspace, cli: CliRunner) -> None:
    (workspace.path / "workspace.yaml").write_text("format: 1\nrole: auditor\n")
    result = cli("-w", workspace.path, "status")
    assert result.code == 1
    assert result.err.startswith(f"error: {workspace.path / 'workspace.yaml'}: role: Input should be 'vendor' or")


def test_malformed_settings_yaml_is_one_line_with_its_line(workspace: Workspace, cli: CliRunner) -> None:
    (workspace.path / "workspace.yaml").write_text("format: 1\nrole: vendor\norganisation: [Acme\nsystem: x\n")
    result = cli("-w", workspace.path, "status")
    assert result.code == 1 and result.err.count("\n") == 1
    assert result.err.startswith(f"error: {workspace.path / 'workspace.yaml'}:")
    assert "that starts on line 3" in result.err, result.err


def test_control_list_show_and_filters(workspace: Workspace, cli: CliRunner) -> None:
    listed = cli("-w", workspace.path, "control", "list", "--json").json()
    assert len(listed) >= 60
    assert {row["status"] for row in listed} <= {"missing", "other_party", "not_applicable"}
    customers = cli("-w", workspace.path, "control", "list", "--owner", "customer", "--json").json()
    assert customers and all(row["owner"] == "customer" for row in customers)
    hipaa = cli("-w", workspace.path, "control", "list", "--framework", "hipaa", "--json").json()
    assert 0 < len(hipaa) <= len(listed)
    control = control_owned_by("vendor")
    shown = cli("-w", workspace.path, "control", "show", control.lower(), "--json").json()
    assert shown["id"] == control
    assert shown["responsibility"]["origin"] == "library"
    assert shown["status"]["status"] == "missing"
    assert {r["framework"] for r in shown["requirements"]} >= {"soc2"}
    assert all(c["state"] in ("implemented", "pending") for c in shown["checks"])
    human = cli("-w", workspace.path, "control", "show", control)
    assert "Vendor's part:" in human.out and "Customer's part:" in human.out and "No evidence yet" in human.out
    unknown = cli("-w", workspace.path, "control", "show", "ZZZ-00")
    assert (
        unknown.code == 1 and unknown.err == "error: unknown control 'ZZZ-00'; 'workbench control list' shows the ids\n"
    )
    bad_framework = cli("-w", workspace.path, "control", "list", "--framework", "pci")
    assert bad_framework.code == 1 and "unknown framework 'pci'" in bad_framework.err


def test_set_owner_is_recorded_and_shown(workspace: Workspace, cli: CliRunner) -> None:
    control = control_owned_by("vendor")
    result = cli(
        "-w",
        workspace.path,
        "control",
        "set-owner",
        control,
        "shared",
        "--customer-part",
        "Assigns its own users to roles.",
        "--note",
        "agreed with customer",
        "--json",
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["owner"] == "shared" and data["origin"] == "workspace"
    assert data["customer_part"] == "Assigns its own users to roles."
    assert data["changed_by"] == "tester@example.test"
    shown = cli("-w", workspace.path, "control", "show", control, "--json").json()
    assert shown["responsibility"]["owner"] == "shared"
    assert cli("-w", workspace.path, "verify").code == 0
    before = snapshot(workspace.path)
    bad = cli("-w", workspace.path, "control", "set-owner", control, "everyone")
    assert bad.code == 2 and "'everyone' is not one of 'vendor'" in bad.err
    unknown = cli("-w", workspace.path, "control", "set-owner", "NOPE-01", "vendor")
    assert unknown.code == 1 and "unknown control 'NOPE-01'" in unknown.err
    assert snapshot(workspace.path) == before


def test_exception_add_and_list(workspace: Workspace, cli: CliRunner) -> None:
    control = control_owned_by("vendor")
    result = cli(
        "-w",
        workspace.path,
        "exception",
        "add",
        "--control",
        control,
        "--rationale",
        "Vendor migration",
        "--approver",
        "CISO",
        "--expires",
        "2099-06-30",
        "--json",
    )
    assert result.code == 0, result.err
    assert result.json()["expires_at"] == "2099-06-30T23:59:59Z"
    listed = cli("-w", workspace.path, "exception", "list", "--json").json()
    assert [e["rationale"] for e in listed] == ["Vendor migration"]
    assert cli("-w", workspace.path, "control", "show", control, "--json").json()["status"]["status"] == "excepted"
    before = snapshot(workspace.path)
    past = cli(
        "-w",
        workspace.path,
        "exception",
        "add",
        "--control",
        control,
        "--rationale",
        "x",
        "--approver",
        "y",
        "--expires",
        "2001-01-01",
    )
    assert past.code == 1 and "is already past" in past.err
    empty = cli(
        "-w",
        workspace.path,
        "exception",
        "add",
        "--control",
        control,
        "--rationale",
        " ",
        "--approver",
        "y",
        "--expires",
        "2099-01-01",
    )
    assert empty.code == 1 and "needs a rationale" in empty.err
    assert snapshot(workspace.path) == before


def test_help_and_version_and_no_traceback_from_the_real_entry_point(tmp_path: Path) -> None:
    executable = Path(sys.executable).with_name("workbench")
    helped = subprocess.run([executable, "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0 and "evidence" in helped.stdout and "verify" in helped.stdout
    version = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0 and version.stdout.startswith("workbench, version ")
    missing = subprocess.run(
        [executable, "-w", tmp_path / "nowhere", "status"], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith(f"error: {tmp_path / 'nowhere'}: no workspace here")


def test_words_that_look_like_emoji_codes_are_printed_as_text(workspace: Workspace, cli: CliRunner) -> None:
    """An ARN holds ':secret:'; rich would draw it as a picture unless told not to."""
    control = control_owned_by("vendor")
    part = "Rotates arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password monthly."
    assert cli("-w", workspace.path, "control", "set-owner", control, "shared", "--vendor-part", part).code == 0
    shown = cli("-w", workspace.path, "control", "show", control)
    assert shown.code == 0 and ":secret:db-password" in shown.out.replace("\n", "")
