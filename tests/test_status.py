"""Derived control status: every state, with its reason."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import CliRunner
from tests.helpers import control_owned_by, control_with_cadence
from workbench.catalog import CADENCE_DAYS
from workbench.clock import utc_now
from workbench.services.evidence import add_manual_evidence
from workbench.services.exceptions import add_exception
from workbench.services.ownership import set_owner
from workbench.services.status import Status, control_status, control_statuses
from workbench.services.summary import summarise
from workbench.workspace import Workspace, init_workspace


def test_missing_until_evidence_then_passing(workspace: Workspace) -> None:
    control = control_owned_by("vendor")
    before = control_statuses(workspace)[control]
    assert before.status is Status.MISSING and before.reason == "no evidence recorded"
    add_manual_evidence(workspace, control_ids=[control], note="screenshot of MFA settings")
    after = control_statuses(workspace)[control]
    assert after.status is Status.PASSING and after.reason == "1 of 1 scopes pass"


def test_failing_evidence_makes_it_failing_and_a_correction_passing(workspace: Workspace) -> None:
    control = control_owned_by("vendor")
    bad = add_manual_evidence(workspace, control_ids=[control], note="MFA off for 2 users", result="fail")
    status = control_statuses(workspace)[control]
    assert status.status is Status.FAILING
    assert status.reason.startswith("1 failing of 1 scopes")
    add_manual_evidence(workspace, control_ids=[control], note="fixed", supersedes=bad.record.id)
    assert control_statuses(workspace)[control].status is Status.PASSING


def test_old_evidence_is_stale_after_one_cadence(workspace: Workspace) -> None:
    control = control_with_cadence("annual")
    observed = utc_now() - timedelta(days=CADENCE_DAYS["annual"] + 5)
    add_manual_evidence(workspace, control_ids=[control], note="last year's review", observed_at=observed)
    status = control_statuses(workspace)[control]
    assert status.status is Status.STALE
    assert f"newest evidence observed {observed:%Y-%m-%d}, older than the annual review cadence" == status.reason


def test_valid_until_outlives_the_cadence_when_given(workspace: Workspace) -> None:
    control = control_with_cadence("annual")
    add_manual_evidence(
        workspace,
        control_ids=[control],
        note="three-year certificate",
        observed_at=utc_now() - timedelta(days=CADENCE_DAYS["annual"] + 5),
        valid_until=utc_now() + timedelta(days=300),
    )
    assert control_statuses(workspace)[control].status is Status.PASSING


def test_valid_until_in_the_past_is_stale(workspace: Workspace) -> None:
    control = control_with_cadence("annual")
    add_manual_evidence(
        workspace,
        control_ids=[control],
        note="expired certificate",
        observed_at=utc_now() - timedelta(days=10),
        valid_until=utc_now() - timedelta(days=1),
    )
    status = control_statuses(workspace)[control]
    assert status.status is Status.STALE
    assert status.reason.endswith("is past its valid-until date"), "the reason names the expiry, not the cadence"


def test_exception_in_force_means_excepted_until_it_expires(workspace: Workspace) -> None:
    control = control_owned_by("vendor")
    add_manual_evidence(workspace, control_ids=[control], note="gap", result="fail")
    add_exception(
        workspace,
        control_id=control,
        rationale="Legacy system retired in Q1",
        approver="CISO Jane Roe",
        expires_at=utc_now() + timedelta(days=60),
    )
    status = control_statuses(workspace)[control]
    assert status.status is Status.EXCEPTED
    assert status.reason.startswith("exception approved by CISO Jane Roe, in force until ")
    later = control_statuses(workspace, as_of=utc_now() + timedelta(days=61))[control]
    assert later.status is not Status.EXCEPTED


def test_other_party_and_not_applicable(workspace: Workspace, tmp_path: object) -> None:
    customer_control = control_owned_by("customer")
    third = control_owned_by("third_party")
    statuses = control_statuses(workspace)
    assert statuses[customer_control].status is Status.OTHER_PARTY
    assert statuses[customer_control].reason == "owned by the customer"
    assert statuses[third].status is Status.OTHER_PARTY
    vendor_control = control_owned_by("vendor")
    set_owner(workspace, vendor_control, owner="not_applicable", note="no PHI in scope")
    assert control_statuses(workspace)[vendor_control].status is Status.NOT_APPLICABLE


def test_customer_workspace_sees_vendor_controls_as_the_other_partys(tmp_path: object) -> None:
    from pathlib import Path

    customer = init_workspace(Path(str(tmp_path)) / "customer", role="customer")
    try:
        statuses = control_statuses(customer)
        assert statuses[control_owned_by("vendor")].status is Status.OTHER_PARTY
        assert statuses[control_owned_by("vendor")].reason == "owned by the vendor"
        assert statuses[control_owned_by("customer")].status is Status.MISSING
    finally:
        customer.close()


def test_info_only_evidence_does_not_pass(workspace: Workspace) -> None:
    control = control_owned_by("vendor")
    add_manual_evidence(workspace, control_ids=[control], note="inventory", result="info")
    assert control_statuses(workspace)[control].status is Status.MISSING


def test_as_of_ignores_later_evidence(workspace: Workspace) -> None:
    control = control_owned_by("vendor")
    add_manual_evidence(workspace, control_ids=[control], note="now")
    past = control_statuses(workspace, as_of=utc_now() - timedelta(days=1))[control]
    assert past.status is Status.MISSING


def test_summary_counts_by_status_and_owner(workspace: Workspace, cli: CliRunner) -> None:
    control = control_owned_by("vendor")
    add_manual_evidence(workspace, control_ids=[control], note="ok")
    summary = summarise(workspace)
    soc2 = next(f for f in summary.frameworks if f.framework_id == "soc2")
    assert soc2.requirements == 61 and soc2.requirements_mapped == 61
    assert sum(soc2.by_status.values()) == soc2.controls == sum(soc2.by_owner.values())
    result = cli("-w", workspace.path, "status", "--json")
    assert result.code == 0
    data = result.json()
    assert data["role"] == "vendor"
    frameworks = {f["framework"]: f for f in data["frameworks"]}
    assert set(frameworks) == {"soc2", "hipaa", "gdpr", "srm"}
    assert frameworks["hipaa"]["requirements"] == 65
    total = data["controls"]
    assert total["by_status"]["passing"] == 1
    assert sum(total["by_status"].values()) == total["total"] >= 60
    human = cli("-w", workspace.path, "status")
    assert "Acme Data / Acme Cloud" in human.out and "soc2" in human.out and "Controls by owner" in human.out
    bad = cli("-w", workspace.path, "status", "--as-of", "soon")
    assert bad.code == 1 and "--as-of: 'soon' is not a date" in bad.err


def test_one_control_status_reads_the_same_as_the_whole_library(workspace: Workspace) -> None:
    control = control_owned_by("vendor")
    first = add_manual_evidence(workspace, control_ids=[control], note="broken", result="fail")
    add_manual_evidence(workspace, control_ids=[control], note="fixed", supersedes=first.record.id)
    other = control_with_cadence("annual")
    add_manual_evidence(workspace, control_ids=[other], note="old", observed_at=utc_now() - timedelta(days=400))
    everything = control_statuses(workspace)
    for control_id in (control, other, *list(workspace.catalog.controls)[:5]):
        assert control_status(workspace, control_id) == everything[control_id]
    assert everything[control].status is Status.PASSING, "the superseded failure no longer counts"
