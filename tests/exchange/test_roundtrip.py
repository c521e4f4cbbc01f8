"""Vendor -> customer -> vendor between two real workspaces, through the real CLI only."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import CliRunner, snapshot
from tests.exchange.exchange_helpers import export_packet, load, make_parties, run_ok
from tests.helpers import control_owned_by
from tests.reports.conftest import add_check_evidence
from workbench.catalog.schema import ControlSpec
from workbench.clock import utc_now
from workbench.services.catalog_entries import add_catalog_entries
from workbench.workspace import open_workspace

VENDOR_ONLY = ControlSpec.model_validate(
    {
        "id": "BYOC-01",
        "title": "Data plane nodes are patched by the vendor's agent",
        "domain": "Data plane",
        "description": "The vendor's agent in the customer's account patches the data plane nodes weekly.",
        "owner": "shared",
        "vendor_part": "Ships and runs the patch agent.",
        "customer_part": "Allows the agent's role in its account.",
        "cadence": "monthly",
        "maps": {"soc2": ["CC7.1"]},
    }
)


def _evidence_rows(workspace: Path) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(workspace / "workbench.db") as connection:
        rows = connection.execute("SELECT id, source, note, result FROM evidence").fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def test_round_trip_vendor_customer_vendor(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> None:
    parties = make_parties(cli, tmp_path)
    shared = control_owned_by("shared")
    customer_owned = control_owned_by("customer")
    vendor_owned = control_owned_by("vendor")

    # The vendor: a control of its own (added to its catalog), evidence of its own, then the signed packet.
    with open_workspace(parties.vendor) as vendor:
        add_catalog_entries(vendor, controls=[VENDOR_ONLY], source="srm-import", origin="byoc.md")
    run_ok(cli, "-w", parties.vendor, "control", "set-owner", vendor_owned, "shared", "--customer-part", "Reviews it")
    note = tmp_path / "vendor-note.txt"
    note.write_text("Vendor's own review\n")
    run_ok(cli, "-w", parties.vendor, "evidence", "add", "--control", customer_owned, "--attach", note)
    vendor_before = _evidence_rows(parties.vendor)
    packet = tmp_path / "packet.json"
    summary = export_packet(cli, parties, packet)
    assert summary["rows"] == len(load(packet)["packet"]["rows"])

    # The customer imports it: vendor rows inherited, the control it lacked added to its catalog.
    imported = run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet, "--json")
    assert imported["packet_id"] == summary["packet_id"]
    assert imported["added_controls"] == ["BYOC-01"]
    assert imported["owner_changes"] == [vendor_owned]  # the vendor's owner and parts, where they differ
    views = {row["control"]: row for row in imported["rows"]}
    assert views[vendor_owned]["view"] == "shared" and views[vendor_owned]["customer_part"] == "Reviews it"
    inherited_id = control_owned_by("vendor", skip=1)
    assert views[inherited_id]["view"] == "inherited" and views[inherited_id]["owner"] == "vendor"
    assert views[customer_owned]["view"] == "customer" and views[customer_owned]["to_fill"]
    assert views["BYOC-01"]["view"] == "shared" and views["BYOC-01"]["to_fill"]
    shown = run_ok(cli, "-w", parties.customer, "control", "show", "BYOC-01", "--json")
    assert shown["title"] == VENDOR_ONLY.title
    assert shown["responsibility"]["customer_part"] == VENDOR_ONLY.customer_part
    taken = run_ok(cli, "-w", parties.customer, "control", "show", vendor_owned, "--json")["responsibility"]
    assert (taken["owner"], taken["customer_part"]) == ("shared", "Reviews it")
    inherited = run_ok(cli, "-w", parties.customer, "control", "list", "--owner", "vendor", "--json")
    assert inherited_id in {row["id"] for row in inherited} and vendor_owned not in {row["id"] for row in inherited}
    assert {row["status"] for row in inherited} == {"other_party"}

    # The customer fills its rows: evidence with attachments and attestations, then the signed response.
    design = tmp_path / "vpc-design.pdf"
    design.write_bytes(b"%PDF-1.4 the customer's network design\n")
    agent_role = tmp_path / "agent-role.json"
    agent_role.write_text('{"Role": "vendor-patch-agent"}\n')
    run_ok(cli, "-w", parties.customer, "evidence", "add", "--control", customer_owned, "--attach", design)
    run_ok(cli, "-w", parties.customer, "evidence", "add", "--control", "BYOC-01", "--attach", agent_role)
    run_ok(cli, "-w", parties.customer, "srm", "attest", "BYOC-01", "--text", "The agent's role is in place")
    run_ok(cli, "-w", parties.customer, "srm", "attest", shared, "--text", "We do our part of this")
    response = tmp_path / "response.json"
    responded = run_ok(cli, "-w", parties.customer, "srm", "respond", "--out", response, "--json")
    assert responded["packet_id"] == summary["packet_id"] and responded["answered"] >= 3
    assert responded["files_inline"] == 2
    assert run_ok(cli, "verify", response, "--trust", parties.customer_cert, "--json")["ok"]

    # The vendor imports the answers: evidence with source import, the files stored, nothing overwritten.
    result = run_ok(cli, "-w", parties.vendor, "srm", "import-response", response, "--json")
    assert result["conflicts"] == []
    answered = {item["control"]: item["evidence"] for item in result["imported"]}
    assert {customer_owned, "BYOC-01", shared} <= set(answered)
    after = _evidence_rows(parties.vendor)
    assert {k: v for k, v in after.items() if k in vendor_before} == vendor_before
    imported_rows = {k: v for k, v in after.items() if k not in vendor_before}
    assert set(imported_rows) == set(answered.values())
    assert all(source == "import" for source, _note, _result in imported_rows.values())
    byoc = run_ok(cli, "-w", parties.vendor, "evidence", "show", answered["BYOC-01"], "--json")
    assert byoc["source"] == "import" and byoc["result"] == "pass"
    assert "The agent's role is in place" in byoc["note"] and "Bank Ltd" in byoc["note"]
    files = {blob["name"]: blob for blob in byoc["blobs"]}
    assert files["agent-role.json"]["sha256"] == hashlib.sha256(agent_role.read_bytes()).hexdigest()
    assert files["customer-answer.json"]["role"] == "raw"
    digest = files["agent-role.json"]["sha256"]
    assert (parties.vendor / "objects" / digest[:2] / digest).read_bytes() == agent_role.read_bytes()
    network = run_ok(cli, "-w", parties.vendor, "evidence", "show", answered[customer_owned], "--json")
    assert [b["name"] for b in network["blobs"]] == ["vpc-design.pdf", "customer-answer.json"]
    assert run_ok(cli, "-w", parties.vendor, "verify", "--json")["ok"]
    assert run_ok(cli, "-w", parties.customer, "verify", "--json")["ok"]

    # A second import of the same response: already imported, exit 0, nothing is written.
    counts_before = _evidence_rows(parties.vendor)
    held = snapshot(parties.vendor)
    again = run_ok(cli, "-w", parties.vendor, "srm", "import-response", response, "--json")
    assert again["already_imported"] and again["imported"] == [] and again["conflicts"] == []
    assert _evidence_rows(parties.vendor) == counts_before
    text = cli("-w", parties.vendor, "srm", "import-response", response)
    assert text.code == 0 and "already imported on" in text.out and "conflict" not in text.out
    assert snapshot(parties.vendor) == held

    # A later response that changes an answer: reported as a conflict, the earlier record kept.
    run_ok(cli, "-w", parties.customer, "srm", "attest", "BYOC-01", "--text", "Changed our mind")
    second = tmp_path / "response-2.json"
    run_ok(cli, "-w", parties.customer, "srm", "respond", "--out", second)
    changed = run_ok(cli, "-w", parties.vendor, "srm", "import-response", second, "--json")
    conflict = next(c for c in changed["conflicts"] if c["control"] == "BYOC-01")
    assert (
        "differs from the answer to the same packet imported" in conflict["reason"]
        and "nothing overwritten" in conflict["reason"]
    )
    assert conflict["existing_evidence"] == answered["BYOC-01"]
    assert "BYOC-01" not in {item["control"] for item in changed["imported"]}
    assert _evidence_rows(parties.vendor)[answered["BYOC-01"]] == counts_before[answered["BYOC-01"]]
    assert run_ok(cli, "-w", parties.vendor, "verify", "--json")["ok"]


def test_respond_needs_an_imported_packet(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> None:
    parties = make_parties(cli, tmp_path)
    result = cli("-w", parties.customer, "srm", "respond", "--out", tmp_path / "r.json")
    assert result.code == 1 and "import-vendor" in result.err
    assert not (tmp_path / "r.json").exists()
    vendor = cli("-w", parties.vendor, "srm", "respond", "--out", tmp_path / "r.json")
    assert vendor.code == 1 and "customer workspace" in vendor.err
    attest = cli("-w", parties.customer, "srm", "attest", "IAM-01", "--text", "yes")
    assert attest.code == 1 and "import-vendor" in attest.err


def test_attest_only_rows_of_the_packet(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> None:
    parties = make_parties(cli, tmp_path)
    packet = tmp_path / "p.json"
    export_packet(cli, parties, packet)
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    unknown = cli("-w", parties.customer, "srm", "attest", "ZZZ-99", "--text", "yes")
    assert unknown.code == 1 and "not a row of vendor packet" in unknown.err
    empty = cli("-w", parties.customer, "srm", "attest", control_owned_by("customer"), "--text", "  ")
    assert empty.code == 1 and "--text" in empty.err


def test_large_files_travel_as_hashes_and_aws_evidence_travels_raw(
    cli: CliRunner, tmp_path: Path, memory_keyring: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.exchange.customer.MAX_INLINE_BLOB", 64)
    parties = make_parties(cli, tmp_path)
    packet = tmp_path / "packet.json"
    export_packet(cli, parties, packet)
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    control = control_owned_by("customer")
    big = tmp_path / "big-export.csv"
    big.write_bytes(b"x" * 1000)
    run_ok(cli, "-w", parties.customer, "evidence", "add", "--control", control, "--attach", big)
    with open_workspace(parties.customer) as customer:
        add_check_evidence(
            customer, control, resource="arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1", observed_at=utc_now()
        )
    response = tmp_path / "response.json"
    responded = run_ok(cli, "-w", parties.customer, "srm", "respond", "--out", response, "--json")
    assert len(responded["files_left_out"]) == 1 and "big-export.csv" in responded["files_left_out"][0]
    answer = next(a for a in load(response)["packet"]["answers"] if a["control"] == control)
    sources = {e["source"]: e for e in answer["evidence"]}
    assert sources["check"]["check_id"] == "aws.s3.bucket_default_encryption"
    assert sources["check"]["blobs"][0]["role"] == "raw" and sources["check"]["blobs"][0]["content_base64"]
    assert sources["manual"]["blobs"][0]["content_base64"] is None
    result = run_ok(cli, "-w", parties.vendor, "srm", "import-response", response, "--json")
    assert result["files_left_out"] == 1
    imported = {item["control"]: item["evidence"] for item in result["imported"]}
    evidence = run_ok(cli, "-w", parties.vendor, "evidence", "show", imported[control], "--json")
    assert "big-export.csv (1,000 bytes" in evidence["note"] and "was not included" in evidence["note"]
    assert "aws.s3.bucket_default_encryption" in evidence["note"]
    names = [blob["name"] for blob in evidence["blobs"]]
    assert names == ["get_bucket_encryption.json", "customer-answer.json"]
    assert run_ok(cli, "-w", parties.vendor, "verify", "--json")["ok"]


def test_customer_workspace_exports_no_packet(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> None:
    parties = make_parties(cli, tmp_path)
    result = cli("-w", parties.customer, "srm", "export", "--format", "json", "--out", tmp_path / "p.json")
    assert result.code == 1 and "srm respond" in result.err
    assert not (tmp_path / "p.json").exists()
