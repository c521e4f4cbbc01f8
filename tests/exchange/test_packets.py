"""Signed packets: canonical JSON and detached signatures, ``workbench verify PACKET``, and every bad input refused
with one clear line and nothing written."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from tests.conftest import CliRunner, snapshot
from tests.exchange.exchange_helpers import Parties, export_packet, load, make_parties, run_ok, save
from tests.helpers import control_owned_by
from tests.reports.conftest import self_signed
from workbench.clock import format_stored, utc_now
from workbench.exchange.packet import SigningKey, canonical_body, packet_bytes, sign_packet, verify_packet
from workbench.workspace import open_workspace


@pytest.fixture
def parties(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> Parties:
    return make_parties(cli, tmp_path)


@pytest.fixture
def packet(cli: CliRunner, parties: Parties, tmp_path: Path) -> Path:
    out = tmp_path / "packet.json"
    export_packet(cli, parties, out)
    return out


@pytest.fixture
def response(cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path) -> Path:
    """The customer imports the packet, attests to one of its rows with evidence, and responds."""
    control = control_owned_by("customer")
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    attachment = tmp_path / "vpc-design.txt"
    attachment.write_text("VPC built to the vendor's reference design.\n")
    run_ok(cli, "-w", parties.customer, "evidence", "add", "--control", control, "--attach", attachment)
    run_ok(cli, "-w", parties.customer, "srm", "attest", control, "--text", "We run this as agreed")
    out = tmp_path / "response.json"
    run_ok(cli, "-w", parties.customer, "srm", "respond", "--out", out)
    return out


def _key() -> SigningKey:
    private, certificate = self_signed("Test signer")
    return SigningKey(private, certificate)


def test_signature_covers_the_canonical_body_not_the_layout(tmp_path: Path) -> None:
    key = _key()
    body: dict[str, Any] = {"kind": "srm-packet", "format": 1, "id": "x", "created_at": format_stored(utc_now())}
    document = sign_packet(body, key)
    assert document["signature"]["body_sha256"] == hashlib.sha256(canonical_body(body)).hexdigest()
    assert canonical_body({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    # The same packet written with another layout still verifies: the signature is over the canonical form.
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    pretty = tmp_path / "pretty.json"
    pretty.write_bytes(packet_bytes(document))
    for path in (compact, pretty):
        check = verify_packet(path)
        assert check.ok, check.problems
        assert check.signer_fingerprint == key.fingerprint
    # A packet dated outside its certificate's validity does not verify.
    stale = dict(body, created_at="2020-01-01T00:00:00Z")
    old = tmp_path / "old.json"
    old.write_bytes(packet_bytes(sign_packet(stale, key)))
    assert "was not valid when the packet says it was made" in verify_packet(old).problems[0]


def test_verify_packet_shows_the_fingerprint_and_trust(cli: CliRunner, parties: Parties, packet: Path) -> None:
    fingerprint = run_ok(cli, "-w", parties.vendor, "keys", "show", "--json")["fingerprint_sha256"]
    plain = cli("verify", packet)
    assert plain.code == 0, plain.err
    assert f"signer certificate SHA-256: {fingerprint}" in plain.out
    assert "not trusted (self-signed)" in plain.out and "authenticity not established" in plain.out
    trusted = cli("verify", packet, "--trust", parties.vendor_cert, "--json")
    assert trusted.code == 0
    found = trusted.json()
    assert found["ok"] and found["trust"].startswith("trusted") and found["kind"] == "srm-packet"
    assert found["signer_fingerprint"] == fingerprint
    wrong = cli("verify", packet, "--trust", parties.customer_cert)
    assert wrong.code == 1
    assert "does not chain to the trusted certificate" in wrong.err


def test_verify_refuses_a_bundle_with_a_packet(cli: CliRunner, packet: Path, tmp_path: Path) -> None:
    result = cli("verify", packet, "--bundle", tmp_path / "x.zip")
    assert result.code == 2 and "--bundle" in result.err


def _tamper(packet: Path, tmp_path: Path) -> Path:
    document = load(packet)
    document["packet"]["rows"][0]["customer_part"] = "Nothing at all."
    return save(tmp_path / "tampered.json", document)


def test_tampered_packet_fails_verify_and_import(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    tampered = _tamper(packet, tmp_path)
    verified = cli("verify", tampered)
    assert verified.code == 1
    assert "changed after it was signed" in verified.err
    before = snapshot(parties.customer)
    refused = cli("-w", parties.customer, "srm", "import-vendor", tampered)
    assert refused.code == 1
    assert refused.err.startswith(f"error: {tampered}: the signature does not verify")
    assert refused.err.count("\n") == 1
    assert snapshot(parties.customer) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"rows": []}', "not a workbench packet"),
        (b"Control,Title\nIAM-01,Access\n", "not JSON"),
        (b"%PDF-1.7\n", "not JSON"),
        (b"", "not JSON"),
        (b'{"packet": {"kind": "invoice", "format": 1}, "signature": {}}', "kind 'invoice'"),
        (b'{"packet": {"kind": "srm-packet", "format": 9}, "signature": {}}', "packet format 9"),
        (b"\xff\xfe{\x00}\x00", "UTF-16"),
        (b'{"packet": "caf\xe9"}', "not UTF-8"),
        (b'{"packet": {"kind": "srm-packet", "format": 1}, "signature": {"algorithm": "md5"}}', "'md5'"),
    ],
)
def test_files_that_are_not_packets(
    cli: CliRunner, parties: Parties, tmp_path: Path, content: bytes, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    for workspace, command in ((parties.customer, "import-vendor"), (parties.vendor, "import-response")):
        before = snapshot(workspace)
        result = cli("-w", workspace, "srm", command, bad)
        assert result.code == 1, result.out
        assert expected in result.err and result.err.startswith(f"error: {bad}:")
        assert "Traceback" not in result.err
        assert snapshot(workspace) == before
    assert cli("verify", bad).code == 1


def test_packet_in_utf16_is_refused_as_a_wrong_encoding(cli: CliRunner, parties: Parties, packet: Path) -> None:
    utf16 = packet.with_name("utf16.json")
    utf16.write_bytes(packet.read_text(encoding="utf-8").encode("utf-16"))
    result = cli("-w", parties.customer, "srm", "import-vendor", utf16)
    assert result.code == 1 and "UTF-16" in result.err and "UTF-8 JSON" in result.err


def test_missing_file(cli: CliRunner, parties: Parties, tmp_path: Path) -> None:
    result = cli("-w", parties.customer, "srm", "import-vendor", tmp_path / "nope.json")
    assert result.code == 1 and "no such file" in result.err


def test_vendor_packet_is_not_for_a_vendor_workspace(cli: CliRunner, parties: Parties, packet: Path) -> None:
    before = snapshot(parties.vendor)
    result = cli("-w", parties.vendor, "srm", "import-vendor", packet)
    assert result.code == 1
    assert "customer workspace" in result.err and "vendor workspace" in result.err
    assert snapshot(parties.vendor) == before


def test_vendor_packet_is_not_a_response(cli: CliRunner, parties: Parties, packet: Path) -> None:
    before = snapshot(parties.vendor)
    result = cli("-w", parties.vendor, "srm", "import-response", packet)
    assert result.code == 1 and "this is a vendor packet, not a customer's response" in result.err
    assert snapshot(parties.vendor) == before


def test_packet_is_imported_once(cli: CliRunner, parties: Parties, packet: Path) -> None:
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    before = snapshot(parties.customer)
    again = cli("-w", parties.customer, "srm", "import-vendor", packet)
    assert again.code == 1 and "already imported" in again.err
    assert snapshot(parties.customer) == before


def test_response_is_not_a_vendor_packet(cli: CliRunner, parties: Parties, response: Path) -> None:
    result = cli("-w", parties.customer, "srm", "import-vendor", response)
    assert result.code == 1 and "customer's response, not a vendor packet" in result.err


def test_response_meant_for_another_workspace(cli: CliRunner, parties: Parties, response: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-vendor"
    run_ok(cli, "-w", other, "init", "--role", "vendor", "--org", "Someone Else")
    run_ok(cli, "-w", other, "keys", "init")
    export_packet(
        cli, Parties(other, parties.customer, parties.vendor_cert, parties.customer_cert), tmp_path / "o.json"
    )
    before = snapshot(other)
    result = cli("-w", other, "srm", "import-response", response)
    assert result.code == 1
    assert "which this workspace did not issue: it is meant for another workspace" in result.err
    assert snapshot(other) == before
    # The customer's own workspace did not issue it either.
    assert cli("-w", parties.customer, "srm", "import-response", response).code == 1


def test_tampered_response_is_refused(cli: CliRunner, parties: Parties, response: Path, tmp_path: Path) -> None:
    document = load(response)
    answer = next(a for a in document["packet"]["answers"] if a["attestation"])
    answer["attestation"]["text"] = "We never did any of this"
    tampered = save(tmp_path / "tampered-response.json", document)
    before = snapshot(parties.vendor)
    result = cli("-w", parties.vendor, "srm", "import-response", tampered)
    assert result.code == 1 and "the signature does not verify" in result.err
    assert snapshot(parties.vendor) == before


def test_resigned_response_with_a_swapped_file_is_refused(
    cli: CliRunner, parties: Parties, response: Path, tmp_path: Path
) -> None:
    """Signed again by someone else after a file was swapped: the signature holds, the file's hash does not."""
    document = load(response)
    blob = next(b for a in document["packet"]["answers"] for e in a["evidence"] for b in e["blobs"])
    blob["content_base64"] = base64.b64encode(b"a different file").decode()
    resigned = tmp_path / "resigned.json"
    resigned.write_bytes(packet_bytes(sign_packet(document["packet"], _key())))
    before = snapshot(parties.vendor)
    result = cli("-w", parties.vendor, "srm", "import-response", resigned)
    assert result.code == 1 and "does not match its recorded size and SHA-256" in result.err
    assert snapshot(parties.vendor) == before


def test_trust_on_import(cli: CliRunner, parties: Parties, packet: Path) -> None:
    before = snapshot(parties.customer)
    wrong = cli("-w", parties.customer, "srm", "import-vendor", packet, "--trust", parties.customer_cert)
    assert wrong.code == 1 and "does not chain to the trusted certificate" in wrong.err
    assert snapshot(parties.customer) == before
    right = cli("-w", parties.customer, "srm", "import-vendor", packet, "--trust", parties.vendor_cert)
    assert right.code == 0, right.err
    assert "authenticity not established" not in right.out


def test_import_without_trust_says_authenticity_is_open(cli: CliRunner, parties: Parties, packet: Path) -> None:
    fingerprint = run_ok(cli, "-w", parties.vendor, "keys", "show", "--json")["fingerprint_sha256"]
    result = cli("-w", parties.customer, "srm", "import-vendor", packet)
    assert result.code == 0, result.err
    assert fingerprint in result.out and "authenticity not established" in result.out


def test_rsa_identity_signs_packets(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> None:
    vendor = tmp_path / "v"
    run_ok(cli, "-w", vendor, "init")
    run_ok(cli, "-w", vendor, "keys", "init", "--algorithm", "rsa-3072")
    out = tmp_path / "p.json"
    run_ok(cli, "-w", vendor, "srm", "export", "--format", "json", "--out", out)
    assert load(out)["signature"]["algorithm"] == "rsa-pkcs1v15-sha256"
    assert cli("verify", out).code == 0


def test_own_key_and_certificate_sign_without_a_keyring(cli: CliRunner, workspace: Any, tmp_path: Path) -> None:
    private, certificate = self_signed("Acme release signing")
    key_file, cert_file = tmp_path / "k.pem", tmp_path / "c.pem"
    key_file.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    out = tmp_path / "p.json"
    run_ok(
        cli,
        "-w",
        workspace.path,
        "srm",
        "export",
        "--format",
        "json",
        "--out",
        out,
        "--key",
        key_file,
        "--cert",
        cert_file,
    )
    assert cli("verify", out, "--trust", cert_file).code == 0


def test_workspace_id_is_stable_and_kept_for_old_workspaces(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "old"
    run_ok(cli, "-w", path, "init")
    settings_file = path / "workspace.yaml"
    settings = yaml.safe_load(settings_file.read_text())
    assert len(settings["workspace_id"]) == 36
    with open_workspace(path) as opened:
        assert opened.workspace_id == settings["workspace_id"]
    # A workspace made before ids were written: one is derived from its creation instant, the same every time.
    del settings["workspace_id"]
    settings_file.write_text(yaml.safe_dump(settings))
    with open_workspace(path) as first, open_workspace(path) as second:
        assert first.workspace_id == second.workspace_id != settings.get("workspace_id")
        assert len(first.workspace_id) == 36


def test_verify_notices_a_changed_packet_row(cli: CliRunner, parties: Parties, packet: Path) -> None:
    run_ok(cli, "-w", parties.customer, "srm", "import-vendor", packet)
    assert cli("-w", parties.customer, "verify").code == 0
    with sqlite3.connect(parties.customer / "workbench.db") as connection:
        connection.execute("UPDATE exchange_packet SET body = replace(body, 'vendor', 'customer')")
    result = cli("-w", parties.customer, "verify")
    assert result.code == 1 and "packet " in result.err and "differs from what ledger entry" in result.err


def test_verify_notices_a_changed_attestation(cli: CliRunner, parties: Parties, response: Path) -> None:
    with sqlite3.connect(parties.customer / "workbench.db") as connection:
        connection.execute("UPDATE attestation SET text = 'something else'")
    result = cli("-w", parties.customer, "verify")
    assert result.code == 1 and "attestation " in result.err


def test_text_from_a_packet_is_printed_plainly(cli: CliRunner, tmp_path: Path, memory_keyring: object) -> None:
    vendor, customer = tmp_path / "v", tmp_path / "c"
    run_ok(cli, "-w", vendor, "init", "--org", "Evil [bold]Corp[/bold]\x1b]0;owned\x07")
    run_ok(cli, "-w", customer, "init", "--role", "customer")
    run_ok(cli, "-w", vendor, "keys", "init")
    packet = tmp_path / "p.json"
    run_ok(cli, "-w", vendor, "srm", "export", "--format", "json", "--out", packet)
    result = cli("-w", customer, "srm", "import-vendor", packet)
    assert result.code == 0, result.err
    assert "Evil [bold]Corp[/bold]?]0;owned?" in result.out
    assert "\x1b" not in result.out and "\x07" not in result.out


def test_a_row_that_cannot_become_a_control_is_refused(
    cli: CliRunner, parties: Parties, packet: Path, tmp_path: Path
) -> None:
    document = load(packet)
    row = dict(document["packet"]["rows"][0], control="NEW-01", title="   ")
    document["packet"]["rows"].append(row)
    resigned = tmp_path / "resigned.json"
    resigned.write_bytes(packet_bytes(sign_packet(document["packet"], _key())))
    before = snapshot(parties.customer)
    result = cli("-w", parties.customer, "srm", "import-vendor", resigned)
    assert result.code == 1 and "not a usable packet" in result.err and "title" in result.err
    assert snapshot(parties.customer) == before
