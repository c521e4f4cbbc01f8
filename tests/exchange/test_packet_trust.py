"""Forged and confused packets: a signer other than the one pinned for an issuer, a second vendor in one customer
workspace, answers to a newer packet, duplicate JSON keys, a signature without its body digest, and a response
issued by a vendor. Each refused with one line and nothing written, or accepted as the exchange intends."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import CliRunner, snapshot
from tests.exchange.exchange_helpers import Parties, export_packet, load, make_parties, run_ok
from tests.helpers import control_owned_by
from tests.reports.conftest import self_signed
from workbench.exchange.packet import SigningKey, packet_bytes, sign_packet


@pytest.fixture
def parties(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> Parties:
    return make_parties(cli, tmp_path)


@pytest.fixture
def packet(cli: CliRunner, parties: Parties, tmp_path: Path) -> Path:
    out = tmp_path / "packet.json"
    export_packet(cli, parties, out)
    return out


def _other_key(tmp_path: Path, name: str = "Mallory") -> tuple[SigningKey, Path]:
    """Another signer (as forge.py uses), and its certificate written out for --trust."""
    private, certificate = self_signed(name)
    cert = tmp_path / f"{name.lower()}.cert.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return SigningKey(private, certificate), cert


def _resign(source: Path, out: Path, key: SigningKey, change: Any = None) -> Path:
    """Re-sign the body of ``source`` (changed by ``change``) with ``key``: a well-formed forgery."""
    body = load(source)["packet"]
    if change is not None:
        change(body)
    out.write_bytes(packet_bytes(sign_packet(body, key)))
    return out


def _fingerprint(cli: CliRunner, workspace: Path) -> str:
    return str(run_ok(cli, "-w", workspace, "keys", "show", "--json")["fingerprint_sha256"])


def _respond(cli: CliRunner, parties: Parties, out: Path, control: str, text: str) -> Path:
    run_ok(cli, "-w", parties.customer, "srm", "attest", control, "--text", text)
    run_ok(cli, "-w", parties.customer, "srm", "respond", "--out", out)
    return out


def _evidence(workspace: Path) -> dict[str, tuple[Any, ...]]:
    with sqlite3.connect(workspace / "workbench.db") as connection:
        rows = connection.execute("SELECT id, source, note, result, supersedes_id FROM evidence").fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


# 1. Signer pinning (trust on first use)


def test_vendor_packet_signed_by_another_key_is_refused_unless_trusted(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    newer = tmp_path / "packet-2.json"
    export_packet(cli, parties, newer)
    key, cert = _other_key(tmp_path)

    def change(body: dict[str, Any]) -> None:
        body["rows"][0]["customer_part"] = "Everything, really."

    forged = _resign(newer, tmp_path / "forged.json", key, change)
    before = snapshot(parties.customer)
    refused = cli("-w", parties.customer, "srm", "import-vendor", forged)
    assert refused.code == 1 and refused.err.count("\n") == 1
    assert key.fingerprint in refused.err and _fingerprint(cli, parties.vendor) in refused.err
    assert "Acme Data" in refused.err and "--trust THEIR-NEW-CERT" in refused.err
    assert snapshot(parties.customer) == before

    # The vendor did change its key, and the customer has its new certificate: --trust accepts it.
    accepted = run_ok(cli, "-w", parties.customer, "srm", "import-vendor", forged, "--trust", cert, "--json")
    assert accepted["signer_fingerprint"] == key.fingerprint
    # From then on the new key is the pinned one: a packet signed with the old key needs --trust in its turn.
    third = tmp_path / "packet-3.json"
    export_packet(cli, parties, third)
    assert cli("-w", parties.customer, "srm", "import-vendor", third).code == 1
    assert run_ok(cli, "-w", parties.customer, "verify", "--json")["ok"]


def test_a_newer_packet_from_the_same_vendor_and_key_is_accepted(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    newer = tmp_path / "packet-2.json"
    summary = export_packet(cli, parties, newer)
    imported = run_ok(cli, "-w", parties.customer, "srm", "import-vendor", newer, "--json")
    assert imported["packet_id"] == summary["packet_id"]


def test_response_signed_by_another_key_is_refused_unless_trusted(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    control = control_owned_by("customer")
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    first = _respond(cli, parties, tmp_path / "r1.json", control, "We run this as agreed")
    run_ok(cli, "-w", parties.vendor, "srm", "import-response", first)
    key, cert = _other_key(tmp_path)

    def change(body: dict[str, Any]) -> None:
        body["id"] = str(uuid.uuid4())
        body["answers"] = []

    forged = _resign(first, tmp_path / "forged.json", key, change)
    before = snapshot(parties.vendor)
    refused = cli("-w", parties.vendor, "srm", "import-response", forged)
    assert refused.code == 1 and refused.err.count("\n") == 1
    assert key.fingerprint in refused.err and _fingerprint(cli, parties.customer) in refused.err
    assert "Bank Ltd" in refused.err and "--trust THEIR-NEW-CERT" in refused.err
    assert snapshot(parties.vendor) == before
    accepted = cli("-w", parties.vendor, "srm", "import-response", forged, "--trust", cert)
    assert accepted.code == 0 and "0 answers imported" in accepted.out
    assert run_ok(cli, "-w", parties.vendor, "verify", "--json")["ok"]


# 2. One vendor per customer workspace


def test_a_second_vendor_packet_in_one_customer_workspace_is_refused(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    other = tmp_path / "other-vendor"
    run_ok(cli, "-w", other, "init", "--role", "vendor", "--org", "Beta Hosting", "--system", "Beta Cloud")
    run_ok(cli, "-w", other, "keys", "init")
    theirs = tmp_path / "beta.json"
    run_ok(cli, "-w", other, "srm", "export", "--format", "json", "--out", theirs)
    vendor_id = load(packet)["packet"]["issuer"]["workspace_id"]
    before = snapshot(parties.customer)
    refused = cli("-w", parties.customer, "srm", "import-vendor", theirs)
    assert refused.code == 1 and refused.err.count("\n") == 1
    assert "holds the matrix of Acme Data / Acme Cloud" in refused.err and vendor_id in refused.err
    assert "Beta Hosting" in refused.err and "one workspace per vendor" in refused.err
    assert "workbench init --role customer" in refused.err
    assert snapshot(parties.customer) == before


# 3. Answers to a newer packet supersede; the same answer twice is a conflict


def test_an_answer_to_a_newer_packet_supersedes_the_older_one(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    control = control_owned_by("customer")
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    first = _respond(cli, parties, tmp_path / "r1.json", control, "We run this as agreed")
    imported = run_ok(cli, "-w", parties.vendor, "srm", "import-response", first, "--json")
    old_evidence = dict((item["control"], item["evidence"]) for item in imported["imported"])[control]
    held = _evidence(parties.vendor)

    newer = tmp_path / "packet-2.json"
    export_packet(cli, parties, newer)
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", newer)
    shared = control_owned_by("shared")
    run_ok(cli, "-w", parties.customer, "srm", "attest", shared, "--text", "We do our part")  # to the newer only
    second = _respond(cli, parties, tmp_path / "r2.json", control, "We changed how we do it")
    result = run_ok(cli, "-w", parties.vendor, "srm", "import-response", second, "--json")
    assert result["conflicts"] == []
    item = next(i for i in result["imported"] if i["control"] == control)
    assert item["supersedes"] == old_evidence
    after = _evidence(parties.vendor)
    assert {k: v for k, v in after.items() if k in held} == held  # no old row changed
    assert after[item["evidence"]][0] == "import" and after[item["evidence"]][3] == old_evidence
    assert "We changed how we do it" in after[item["evidence"]][1]
    in_force = run_ok(cli, "-w", parties.vendor, "control", "show", control, "--json")
    assert item["evidence"] in json.dumps(in_force)
    text = cli("-w", parties.vendor, "srm", "import-response", second)
    assert text.code == 0 and "already imported on" in text.out and "conflict" not in text.out

    # Late answers to the older packet: the same control again is a conflict (that packet's answer is held); a
    # control answered only for the newer packet is not superseded by an answer to the older one.
    older = load(packet)["packet"]["id"]
    run_ok(cli, "-w", parties.customer, "srm", "attest", control, "--packet", older, "--text", "Another answer")
    run_ok(cli, "-w", parties.customer, "srm", "attest", shared, "--packet", older, "--text", "Our older part")
    late = tmp_path / "r-late.json"
    run_ok(cli, "-w", parties.customer, "srm", "respond", "--packet", older, "--out", late)
    before = _evidence(parties.vendor)
    stale = run_ok(cli, "-w", parties.vendor, "srm", "import-response", late, "--json")
    assert not {control, shared} & {i["control"] for i in stale["imported"]}
    reasons = {c["control"]: c["reason"] for c in stale["conflicts"]}
    assert "differs from the answer to the same packet" in reasons[control]
    assert f"older than packet {load(newer)['packet']['id'][:8]}" in reasons[shared]
    assert {k: v for k, v in _evidence(parties.vendor).items() if k in before} == before
    assert run_ok(cli, "-w", parties.vendor, "verify", "--json")["ok"]


# 4. Duplicate JSON keys


def test_duplicate_keys_are_refused(cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path) -> None:
    document = load(packet)
    altered = json.loads(json.dumps(document["packet"]))
    altered["rows"][0]["customer_part"] = "Nothing at all."
    # A reader that keeps the first member sees the altered body; Python's json keeps the last (the signed one).
    twice = tmp_path / "twice.json"
    twice.write_text(
        f'{{"packet": {json.dumps(altered)}, "packet": {json.dumps(document["packet"])}, '
        f'"signature": {json.dumps(document["signature"])}}}',
        encoding="utf-8",
    )
    verified = cli("verify", twice)
    assert verified.code == 1 and "'packet' appears twice" in verified.err
    before = snapshot(parties.customer)
    refused = cli("-w", parties.customer, "srm", "import-vendor", twice)
    assert refused.code == 1 and refused.err.count("\n") == 1 and "'packet' appears twice" in refused.err
    assert snapshot(parties.customer) == before
    nested = tmp_path / "nested.json"
    text = packet.read_text(encoding="utf-8").replace('"control": ', '"control": "X", "control": ', 1)
    nested.write_text(text, encoding="utf-8")
    assert "'control' appears twice" in cli("-w", parties.customer, "srm", "import-vendor", nested).err
    assert snapshot(parties.customer) == before


# 5. A signature without its body digest; a response issued by a vendor


def test_signature_without_body_digest_is_refused(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    document = load(packet)
    del document["signature"]["body_sha256"]
    bare = tmp_path / "bare.json"
    bare.write_bytes(packet_bytes(document))
    verified = cli("verify", bare)
    assert verified.code == 1 and "no body_sha256" in verified.err
    before = snapshot(parties.customer)
    refused = cli("-w", parties.customer, "srm", "import-vendor", bare)
    assert refused.code == 1 and "no body_sha256" in refused.err
    assert snapshot(parties.customer) == before


def test_response_issued_by_a_vendor_is_refused(cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path) -> None:
    control = control_owned_by("customer")
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    response = _respond(cli, parties, tmp_path / "r1.json", control, "We run this as agreed")
    key, _cert = _other_key(tmp_path)

    def change(body: dict[str, Any]) -> None:
        body["issuer"]["role"] = "vendor"

    forged = _resign(response, tmp_path / "vendor-issued.json", key, change)
    before = snapshot(parties.vendor)
    refused = cli("-w", parties.vendor, "srm", "import-response", forged)
    assert refused.code == 1 and "not a customer's" in refused.err
    assert snapshot(parties.vendor) == before
