"""Workspace catalog entries: frameworks, controls and mappings added to the packaged library, ledgered."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import CliRunner, snapshot
from workbench.catalog.schema import ControlSpec, FrameworkFile
from workbench.errors import InputError
from workbench.services.catalog_entries import add_catalog_entries, list_catalog_entries, next_control_ids
from workbench.services.evidence import add_manual_evidence
from workbench.services.ownership import responsibilities, set_owner
from workbench.services.verify import verify_workspace
from workbench.workspace import Workspace, open_workspace


def _framework() -> FrameworkFile:
    return FrameworkFile.model_validate(
        {
            "framework": {"id": "byoc", "title": "Imported matrix", "version": "1"},
            "requirements": [
                {"id": "NET", "title": "Network", "kind": "category"},
                {"id": "NET.1", "title": "Network security for the data plane", "kind": "area", "parent": "NET"},
            ],
        }
    )


def _control(control_id: str = "SRM-001", maps: dict[str, list[str]] | None = None) -> ControlSpec:
    return ControlSpec.model_validate(
        {
            "id": control_id,
            "title": "Data plane network is secured",
            "domain": "Network",
            "description": "The vendor secures its components; the customer allows access.",
            "owner": "shared",
            "vendor_part": "Secures the data plane components.",
            "customer_part": "Allows the required access.",
            "cadence": "annual",
            "maps": maps if maps is not None else {"byoc": ["NET.1"]},
        }
    )


def test_entries_extend_the_catalog_and_survive_reopening(workspace: Workspace) -> None:
    assert workspace.catalog.framework("byoc") is None
    add_catalog_entries(
        workspace,
        frameworks=[_framework()],
        controls=[_control()],
        mappings=[("IAM-01", "byoc", "NET.1")],
        source="srm-import",
        origin="matrix.md",
    )
    catalog = workspace.catalog
    framework = catalog.framework("byoc")
    assert framework is not None and [r.id for r in framework.requirements] == ["NET", "NET.1"]
    assert catalog.controls["SRM-001"].owner.value == "shared"
    assert catalog.controls_for("byoc", "NET.1") == ("IAM-01", "SRM-001")
    assert catalog.controls["IAM-01"].maps["byoc"] == ("NET.1",)
    # The packaged maps of IAM-01 are still there.
    assert "soc2" in catalog.controls["IAM-01"].maps

    reopened = open_workspace(workspace.path)
    try:
        assert reopened.catalog.controls["SRM-001"].title == "Data plane network is secured"
        assert responsibilities(reopened)["SRM-001"].customer_part == "Allows the required access."
        entries = list_catalog_entries(reopened)
        assert [(e.kind, e.key, e.source, e.origin) for e in entries] == [
            ("framework", "byoc", "srm-import", "matrix.md"),
            ("control", "SRM-001", "srm-import", "matrix.md"),
            ("mapping", "IAM-01>byoc:NET.1", "srm-import", "matrix.md"),
        ]
        # Evidence and ownership work on the new control like on any other.
        add_manual_evidence(reopened, control_ids=["SRM-001"], note="reviewed")
        set_owner(reopened, "SRM-001", owner="customer")
        report = verify_workspace(reopened)
        assert report.ok, report.problems
        assert report.records["catalog"] == 3
    finally:
        reopened.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"controls": [_control("IAM-01")]}, "control id 'IAM-01' already exists"),
        ({"controls": [_control(maps={"nope": ["X"]})]}, "unknown framework 'nope'"),
        ({"controls": [_control(maps={"soc2": ["CC99.9"]})]}, "soc2 'CC99.9', which it lacks"),
        ({"mappings": [("ZZZ-01", "soc2", "CC6.1")]}, "unknown control 'ZZZ-01'"),
        ({"frameworks": [_framework(), _framework()]}, "framework id 'byoc' already exists"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_written(
    workspace: Workspace, kwargs: dict[str, object], message: str
) -> None:
    before = snapshot(workspace.path)
    with pytest.raises(InputError, match=message):
        add_catalog_entries(workspace, source="test", **kwargs)  # type: ignore[arg-type]
    assert snapshot(workspace.path) == before


def test_an_entry_is_added_only_once(workspace: Workspace) -> None:
    add_catalog_entries(workspace, frameworks=[_framework()], controls=[_control()], source="test")
    before = snapshot(workspace.path)
    with pytest.raises(InputError, match="already exists"):
        add_catalog_entries(workspace, controls=[_control()], source="test")
    assert snapshot(workspace.path) == before


def test_entries_join_the_callers_transaction(workspace: Workspace) -> None:
    """An import writes its controls and its ownership changes in one transaction: all or nothing."""
    before = snapshot(workspace.path)
    with pytest.raises(RuntimeError), workspace.store.transaction("tester") as writer:
        add_catalog_entries(workspace, frameworks=[_framework()], controls=[_control()], source="t", writer=writer)
        set_owner(workspace, "IAM-01", owner="customer", writer=writer)
        raise RuntimeError("crash before commit")
    assert snapshot(workspace.path) == before
    assert "SRM-001" not in workspace.catalog.controls
    with workspace.store.transaction("tester") as writer:
        add_catalog_entries(workspace, frameworks=[_framework()], controls=[_control()], source="t", writer=writer)
        set_owner(workspace, "IAM-01", owner="customer", writer=writer)
    assert "SRM-001" in workspace.catalog.controls
    assert responsibilities(workspace)["IAM-01"].owner.value == "customer"
    assert verify_workspace(workspace).ok


def test_next_control_ids(workspace: Workspace) -> None:
    assert next_control_ids(workspace, "SRM", 2) == ["SRM-001", "SRM-002"]
    add_catalog_entries(workspace, frameworks=[_framework()], controls=[_control("SRM-007")], source="t")
    assert next_control_ids(workspace, "SRM", 1) == ["SRM-008"]
    assert next_control_ids(workspace, "SRM", 1000)[-1] == "SRM-1007"
    with pytest.raises(InputError, match="prefix"):
        next_control_ids(workspace, "srm", 1)


def test_a_changed_entry_is_named_by_verify(workspace: Workspace, cli: CliRunner) -> None:
    add_catalog_entries(workspace, frameworks=[_framework()], controls=[_control()], source="t")
    workspace.close()
    subprocess.run(
        [
            "sqlite3",
            str(workspace.path / "workbench.db"),
            "UPDATE catalog_entry SET body = replace(body, 'Allows the required access.', 'Nothing.') "
            "WHERE kind = 'control'",
        ],
        check=True,
    )
    result = cli("-w", workspace.path, "verify")
    assert result.code == 1
    assert "catalog" in result.out + result.err and "changed after" in result.out + result.err


def test_catalog_commands_show_what_the_workspace_imported(workspace: Workspace, cli: CliRunner) -> None:
    add_catalog_entries(workspace, frameworks=[_framework()], controls=[_control()], source="srm-import")
    listed = cli("-w", workspace.path, "catalog", "list", "--json")
    assert listed.code == 0 and "byoc" in [item["id"] for item in listed.json()]
    shown = cli("-w", workspace.path, "catalog", "show", "byoc")
    assert shown.code == 0 and "Network security for the data plane" in shown.out
    packaged = cli("catalog", "list", "--json")  # no workspace here: the packaged library
    assert packaged.code == 0 and "byoc" not in [item["id"] for item in packaged.json()]
