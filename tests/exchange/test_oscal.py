"""OSCAL exports validated against the OSCAL 1.1 models of compliance-trestle (1.1.3, the patch release of 1.1.2;
its models accept documents that declare 1.1.2)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic.v1 import ValidationError
from trestle.oscal import OSCAL_VERSION_REGEX
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.component import ComponentDefinition

from tests.conftest import CliRunner
from tests.helpers import control_owned_by
from tests.reports.conftest import add_check_evidence
from workbench.clock import utc_now
from workbench.services.evidence import add_manual_evidence
from workbench.workspace import Workspace


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_component_definition_is_valid_oscal(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "component.json"
    result = cli("-w", workspace.path, "srm", "export", "--format", "oscal", "--out", out)
    assert result.code == 0, result.err
    document = _read(out)
    assert document["component-definition"]["metadata"]["oscal-version"] == "1.1.2"
    assert re.match(OSCAL_VERSION_REGEX, "1.1.2")  # the models this test validates with accept 1.1.2
    model = ComponentDefinition.parse_obj(document["component-definition"])
    assert model.metadata.roles is not None
    assert {role.id for role in model.metadata.roles} == {"provider", "customer", "third-party"}
    assert model.components is not None and len(model.components) == 1
    implementations = model.components[0].control_implementations
    assert implementations is not None
    requirements = {r.control_id: r for r in implementations[0].implemented_requirements}
    assert len(requirements) == len(workspace.catalog.controls)

    def roles(control_id: str) -> list[str]:
        found = requirements[control_id.lower()].responsible_roles or []
        return [role.role_id for role in found]

    assert roles(control_owned_by("vendor")) == ["provider"]
    assert roles(control_owned_by("customer")) == ["customer"]
    assert roles(control_owned_by("shared")) == ["provider", "customer"]
    shared = requirements[control_owned_by("shared").lower()]
    labels = {prop.name: prop.value for prop in shared.props or []}
    assert labels["label"] == control_owned_by("shared") and labels["responsibility"] == "shared"
    statements = {s.statement_id: s for s in shared.statements or []}
    assert {s.responsible_roles[0].role_id for s in statements.values() if s.responsible_roles} == {
        "provider",
        "customer",
    }


def test_assessment_results_are_valid_oscal(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    passing, failing = control_owned_by("vendor"), control_owned_by("vendor", skip=1)
    policy = tmp_path / "policy.txt"
    policy.write_text("Policy v3\n")
    manual = add_manual_evidence(workspace, control_ids=[passing], note="Annual review", attachments=[policy])
    add_check_evidence(workspace, failing, resource="arn:aws:s3:::logs", observed_at=utc_now(), result="fail")
    superseded = add_manual_evidence(workspace, control_ids=[failing], note="Old note")
    add_manual_evidence(workspace, control_ids=[failing], note="Corrected", supersedes=superseded.record.id[:8])
    out = tmp_path / "results.json"
    result = cli("-w", workspace.path, "export", "oscal-results", "--out", out, "--json")
    assert result.code == 0, result.err
    summary = result.json()
    document = _read(out)
    assert document["assessment-results"]["metadata"]["oscal-version"] == "1.1.2"
    model = AssessmentResults.parse_obj(document["assessment-results"])
    outcome = model.results[0]
    observations = {str(o.uuid): o for o in outcome.observations or []}
    assert len(observations) == 3 == summary["observations"]  # the superseded record is not in force
    assert superseded.record.id not in observations
    assert observations[manual.record.id].methods == ["EXAMINE"]
    evidence = observations[manual.record.id].relevant_evidence or []
    assert [e.href for e in evidence] == [f"urn:sha256:{manual.blobs[0].sha256}"]
    findings = {f.title.split()[0]: f for f in outcome.findings or []}
    assert summary["findings"] == len(findings)
    assert findings[passing].target.status.state.value == "satisfied"
    assert findings[failing].target.status.state.value == "not-satisfied"
    assert {str(r.observation_uuid) for r in findings[passing].related_observations or []} == {manual.record.id}
    missing = next(
        cid
        for cid, c in workspace.catalog.controls.items()
        if cid not in (passing, failing) and c.owner.value == "vendor"
    )
    assert findings[missing].target.status.state.value == "not-satisfied"
    assert control_owned_by("customer") not in findings  # the other party's controls get no finding here


def test_assessment_results_as_of_leave_out_later_evidence(
    cli: CliRunner, workspace: Workspace, tmp_path: Path
) -> None:
    add_manual_evidence(workspace, control_ids=[control_owned_by("vendor")], note="Today")
    yesterday = (utc_now() - timedelta(days=1)).strftime("%Y-%m-%d")
    out = tmp_path / "r.json"
    result = cli("-w", workspace.path, "export", "oscal-results", "--as-of", yesterday, "--out", out, "--json")
    assert result.code == 0, result.err
    model = AssessmentResults.parse_obj(_read(out)["assessment-results"])
    assert not model.results[0].observations
    assert result.json()["observations"] == 0


def test_the_validator_bites(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    """The models reject a document that breaks OSCAL, so a pass above means something."""
    out = tmp_path / "component.json"
    assert cli("-w", workspace.path, "srm", "export", "--format", "oscal", "--out", out).code == 0
    document = _read(out)["component-definition"]
    broken = json.loads(json.dumps(document))
    broken["components"][0]["control-implementations"][0]["implemented-requirements"][0]["control-id"] = "not a token"
    with pytest.raises(ValidationError):
        ComponentDefinition.parse_obj(broken)
    unknown_field = json.loads(json.dumps(document))
    unknown_field["metadata"]["owner"] = "someone"
    with pytest.raises(ValidationError):
        ComponentDefinition.parse_obj(unknown_field)


def test_oscal_results_refuse_to_overwrite(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("keep")
    result = cli("-w", workspace.path, "export", "oscal-results", "--out", out)
    assert result.code == 1 and "--force" in result.err and out.read_text() == "keep"
    assert cli("-w", workspace.path, "export", "oscal-results", "--out", out, "--force").code == 0
