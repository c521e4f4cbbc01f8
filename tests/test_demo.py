"""``workbench demo``: a sample workspace built through the real services, verified, with every kind of record."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from workbench.demo import EXCEPTION_CONTROL, INSTALL_HINT, OWNERSHIP
from workbench.services.evidence import get_evidence, list_evidence
from workbench.services.exceptions import list_exceptions
from workbench.services.ownership import responsibilities
from workbench.services.status import Status, control_statuses
from workbench.workspace import open_workspace

pytestmark = pytest.mark.slow


def test_demo_workspace_verifies_and_has_every_kind_of_record(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the user's own AWS settings must neither be used nor lost: the demo never reaches a real account
    monkeypatch.setenv("AWS_PROFILE", "a-profile-that-does-not-exist")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    target = tmp_path / "demo"
    result = cli("demo", target, "--no-open")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"Created a vendor workspace in {target}")
    assert any("manual evidence records with" in line for line in lines)
    assert any(line.strip().startswith("8 ownership changes") for line in lines)
    assert lines[-1].startswith(f"Open it with:  workbench -w {target}")
    assert os.environ["AWS_PROFILE"] == "a-profile-that-does-not-exist"
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert "MOTO_ACCOUNT_ID" not in os.environ

    assert cli("-w", target, "verify").code == 0
    with open_workspace(target) as workspace:
        rows, total = list_evidence(workspace, limit=1000)
        assert len(rows) == total
        collected = [row for row in rows if row.source == "check"]
        manual = [row for row in rows if row.source == "manual"]
        assert collected and {row.result for row in collected} >= {"pass", "fail"}
        assert {row.account for row in collected} == {"480917236150"}
        assert {row.region for row in collected} >= {"", "eu-west-1", "us-east-1"}
        with_files = [row for row in manual if row.attachments]
        assert len(with_files) >= 3
        names = {blob.name for row in with_files for blob in get_evidence(workspace, row.id).blobs}
        assert {"incident-response-runbook.md", "pentest-summary.md"} <= names
        assert any(name.startswith("access-review-") for name in names)
        _, with_superseded = list_evidence(workspace, include_superseded=True, limit=1)
        assert with_superseded == total + 1, "one correction supersedes a record"

        exceptions = list_exceptions(workspace)
        assert [e.control_id for e in exceptions] == [EXCEPTION_CONTROL]
        owners = responsibilities(workspace)
        for control_id, (owner, vendor_part, customer_part) in OWNERSHIP.items():
            assert owners[control_id].origin == "workspace"
            assert (owners[control_id].owner.value, owners[control_id].vendor_part) == (owner, vendor_part)
            assert owners[control_id].customer_part == customer_part

        statuses = {status.status for status in control_statuses(workspace).values()}
        assert {Status.PASSING, Status.FAILING, Status.STALE, Status.EXCEPTED, Status.OTHER_PARTY} <= statuses
    status = cli("-w", target, "status", "--json").json()
    assert status["last_collection_run"]["status"] == "completed"


def test_demo_as_json(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("demo", tmp_path / "d", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["workspace"] == str(tmp_path / "d") and data["exception_control"] == EXCEPTION_CONTROL
    assert data["collection_run"]["status"] == "completed" and data["collection_run"]["counts"]["fail"] > 0
    assert {"passing", "failing", "stale", "excepted"} <= set(data["by_status"])


def test_a_non_empty_path_is_refused_and_nothing_written(cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = cli("demo", target, "--no-open")
    assert result.code == 1
    assert result.err.strip() == (
        f"error: {target}: the directory is not empty (notes.txt); the demo needs a new or empty directory"
    )
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert cli("demo", a_file).code == 1 and a_file.read_text() == "x"


def test_the_default_path_and_a_missing_moto(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workbench.demo.missing_requirement", lambda: "moto")
    result = cli("demo")
    assert result.code == 1 and result.err.strip() == (
        f"error: the demo needs moto to simulate an AWS account: {INSTALL_HINT}"
    )
    assert not (tmp_path / "demo_workspace").exists(), "nothing written"


def test_a_failure_half_way_leaves_nothing(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("simulated crash during collection")

    monkeypatch.setattr("workbench.demo._collect", broken)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("demo", empty).code == 70
    assert list(empty.iterdir()) == []
    assert cli("demo", tmp_path / "new").code == 70
    assert not (tmp_path / "new").exists()
