"""The report CLI end to end: keys init, render (signed and not), bundle, and the verify output for the lead."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.reports.conftest import MemoryKeyring, seed_evidence
from workbench.workspace import Workspace

pytestmark = [pytest.mark.slow]


def test_render_unsigned_with_the_framework_alias(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "matrix.pdf"
    result = cli("-w", workspace.path, "report", "render", "--framework", "srm", "--no-sign", "--out", out, "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["kind"] == "srm" and data["signed"] is False and data["path"] == str(out) and data["pages"] > 1
    assert out.read_bytes().startswith(b"%PDF-")


def test_keys_render_bundle_and_verify(
    workspace: Workspace,
    memory_keyring: MemoryKeyring,
    cli: CliRunner,
    tmp_path: Path,
) -> None:
    seed_evidence(workspace, tmp_path, "gdpr")
    keys = cli("-w", workspace.path, "keys", "init", "--algorithm", "ec-p256", "--name", "Acme Audit Signing")
    assert keys.code == 0, keys.err
    assert "Acme Audit Signing" in keys.out and "OS keyring" in keys.out
    shown = cli("-w", workspace.path, "keys", "show", "--json")
    assert shown.code == 0 and shown.json()["subject"].endswith("CN=Acme Audit Signing")

    pdf = tmp_path / "gdpr.pdf"
    as_of = datetime.now(UTC).isoformat()
    rendered = cli("-w", workspace.path, "report", "render", "--kind", "gdpr", "--as-of", as_of, "--out", pdf)
    assert rendered.code == 0, rendered.err
    assert "signed by" in rendered.out and "recorded in the ledger as report" in rendered.out

    bundle = tmp_path / "gdpr.zip"
    bundled = cli("-w", workspace.path, "report", "bundle", "--report", pdf, "--out", bundle)
    assert bundled.code == 0, bundled.err and "SHA256SUMS" in bundled.out

    cert = workspace.path / "keys" / "signing-cert.pem"
    # 'workbench verify REPORT' needs no workspace: an auditor runs it anywhere
    verified = cli("verify", pdf, "--bundle", bundle, "--trust", cert)
    assert verified.code == 0, verified.err
    assert verified.out.startswith(f"OK: {pdf}: the signature is intact") and "; trusted (chains to" in verified.out
    assert "bundle:" in verified.out and verified.err == ""

    as_json = cli("verify", pdf, "--json")
    assert as_json.code == 0, as_json.err
    data = as_json.json()
    assert data["ok"] is True and data["trust"] == "not trusted (self-signed)" and data["problems"] == []
    assert data["signer_fingerprint"] == shown.json()["fingerprint_sha256"], "the fingerprint 'keys show' publishes"
    untrusted = cli("verify", pdf)
    assert untrusted.code == 0 and f"signer certificate SHA-256: {data['signer_fingerprint']}" in untrusted.out
    assert "authenticity not established" in untrusted.out, "without --trust the reader is told what is unchecked"
    assert "authenticity not established" not in verified.out

    tampered = tmp_path / "tampered.pdf"
    raw = bytearray(pdf.read_bytes())
    raw[raw.index(b"stream\n") + 40] ^= 0x01
    tampered.write_bytes(bytes(raw))
    failed = cli("verify", tampered, "--bundle", bundle)
    assert failed.code == 1
    assert failed.err.startswith("FAILED: signature: the signed bytes were changed after signing")

    misplaced = cli("-w", workspace.path, "verify", "--bundle", bundle)
    assert misplaced.code == 2 and "--bundle and --trust go with a REPORT" in misplaced.err


def test_bundle_by_kind_and_as_of(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    seed_evidence(workspace, tmp_path, "gdpr")
    out = tmp_path / "b.zip"
    as_of = datetime.now(UTC).isoformat()
    result = cli("-w", workspace.path, "report", "bundle", "--kind", "gdpr", "--as-of", as_of, "--out", out)
    assert result.code == 0, result.err
    assert "2 blobs" in result.out


def test_cli_errors_are_one_line(
    workspace: Workspace, memory_keyring: MemoryKeyring, cli: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "srm.pdf"
    missing = cli("-w", workspace.path, "report", "render", "--kind", "srm", "--out", out)
    assert missing.code == 1 and missing.err.startswith("error: no signing identity") and "Traceback" not in missing.err
    both = cli("-w", workspace.path, "report", "render", "--kind", "srm", "--no-sign", "--key", out, "--cert", out)
    assert both.code == 1 and "--no-sign contradicts" in both.err
    neither = cli("-w", workspace.path, "report", "bundle", "--out", tmp_path / "x.zip")
    assert neither.code == 1 and "either --report" in neither.err
    future = cli("-w", workspace.path, "report", "render", "--kind", "srm", "--no-sign", "--as-of", "2099-01-01")
    assert future.code == 1 and "--as-of 2099-01-01: that moment is still to come" in future.err
    unknown = cli("-w", workspace.path, "report", "render", "--kind", "iso27001")
    assert unknown.code == 2
    assert not out.exists()
    none = cli("-w", workspace.path, "keys", "show")
    assert none.code == 1 and "workbench keys init" in none.out
