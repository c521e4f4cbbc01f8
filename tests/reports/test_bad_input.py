"""Each bad input gives one clear WorkbenchError and leaves no file (and no ledger entry) behind."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from keyring.backends import fail

from tests.conftest import table_counts
from tests.reports.conftest import MemoryKeyring, options, self_signed
from workbench.clock import utc_now
from workbench.errors import InputError, WorkbenchError
from workbench.reports.errors import (
    KeyringUnavailableError,
    NoMappedControlsError,
    OutputPathError,
    PassphraseError,
    ReportCancelled,
    SigningError,
    SigningIdentityMissing,
)
from workbench.reports.identity import KEYS_DIR, create_identity
from workbench.reports.options import ReportKind, ReportOptions, SigningChoice
from workbench.reports.pipeline import render_report
from workbench.resources import controls_dir
from workbench.workspace import Workspace, open_workspace


def assert_nothing_written(directory: Path, workspace: Workspace, ledger_before: int) -> None:
    assert [p.name for p in directory.iterdir() if p.suffix in (".pdf", ".part") or ".part" in p.name] == []
    assert table_counts(workspace.path)["ledger"] == ledger_before


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


def test_no_signing_identity(workspace: Workspace, memory_keyring: MemoryKeyring, out_dir: Path) -> None:
    before = table_counts(workspace.path)["ledger"]
    with pytest.raises(SigningIdentityMissing, match="workbench keys init"):
        render_report(workspace, options(ReportKind.SRM, out_dir / "srm.pdf"))
    assert_nothing_written(out_dir, workspace, before)


def test_a_wrong_passphrase_in_the_keyring(workspace: Workspace, memory_keyring: MemoryKeyring, out_dir: Path) -> None:
    info = create_identity(workspace)
    memory_keyring.entries[("compliance-evidence-workbench", info.keyring_entry)] = "not the passphrase"
    before = table_counts(workspace.path)["ledger"]
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        render_report(workspace, options(ReportKind.SRM, out_dir / "srm.pdf"))
    assert_nothing_written(out_dir, workspace, before)


def test_a_wrong_passphrase_in_the_environment_is_named_as_such(
    workspace: Workspace, memory_keyring: MemoryKeyring, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_identity(workspace)
    monkeypatch.setenv("WORKBENCH_SIGNING_PASSPHRASE", "guess")
    with pytest.raises(PassphraseError, match="wrong passphrase \\(from WORKBENCH_SIGNING_PASSPHRASE\\)"):
        render_report(workspace, options(ReportKind.SRM, out_dir / "srm.pdf"))


def test_a_passphrase_missing_from_the_keyring(
    workspace: Workspace, memory_keyring: MemoryKeyring, out_dir: Path
) -> None:
    create_identity(workspace)
    memory_keyring.entries.clear()
    with pytest.raises(PassphraseError, match="not in the OS keyring"):
        render_report(workspace, options(ReportKind.SRM, out_dir / "srm.pdf"))


def test_no_keyring_backend(workspace: Workspace, memory_keyring: MemoryKeyring, out_dir: Path) -> None:
    create_identity(workspace)
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailableError, match="no OS keyring"):
        render_report(workspace, options(ReportKind.SRM, out_dir / "srm.pdf"))
    shutil.rmtree(workspace.path / KEYS_DIR)
    with pytest.raises(KeyringUnavailableError, match="no OS keyring"):
        create_identity(workspace)
    assert not (workspace.path / KEYS_DIR).exists(), "no key is written without a keyring to hold its passphrase"


def test_keys_init_refuses_to_replace_an_identity_by_accident(
    workspace: Workspace, memory_keyring: MemoryKeyring
) -> None:
    first = create_identity(workspace)
    with pytest.raises(InputError, match="--replace"):
        create_identity(workspace)
    second = create_identity(workspace, replace=True)
    assert second.fingerprint_sha256 != first.fingerprint_sha256
    assert [entry for _service, entry in memory_keyring.entries] == [second.keyring_entry]


@pytest.mark.parametrize("where", ["missing-dir/report.pdf", "a-directory", "a-file/report.pdf"])
def test_an_output_path_that_cannot_be_written(workspace: Workspace, out_dir: Path, where: str) -> None:
    (out_dir / "a-directory").mkdir()
    (out_dir / "a-file").write_text("")
    before = table_counts(workspace.path)["ledger"]
    with pytest.raises(OutputPathError):
        render_report(workspace, options(ReportKind.SRM, out_dir / where, sign=False))
    assert_nothing_written(out_dir, workspace, before)


def test_a_failed_rename_leaves_no_file_and_no_ledger_entry(
    workspace: Workspace, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = table_counts(workspace.path)["ledger"]

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OutputPathError, match="No space left on device"):
        render_report(workspace, options(ReportKind.SRM, out_dir / "srm.pdf", sign=False))
    monkeypatch.undo()
    assert_nothing_written(out_dir, workspace, before)


def test_a_framework_without_mapped_controls(workspace: Workspace, tmp_path: Path, out_dir: Path) -> None:
    catalog = tmp_path / "catalog"
    (catalog / "library").mkdir(parents=True)
    shutil.copytree(controls_dir() / "frameworks", catalog / "frameworks")
    area = next(r.id for r in workspace.catalog.frameworks["srm"].requirements if r.parent)
    (catalog / "library" / "one.yaml").write_text(
        "controls:\n"
        "  - id: ONE-01\n    title: Only control\n    domain: Test\n    description: Mapped to the SRM only.\n"
        "    owner: vendor\n    vendor_part: All of it.\n    customer_part: None.\n    cadence: annual\n"
        f"    maps:\n      srm: ['{area}']\n"
    )
    narrow = open_workspace(workspace.path, catalog_dir=catalog)
    try:
        with pytest.raises(NoMappedControlsError, match="no control of the library is mapped"):
            render_report(narrow, options(ReportKind.SOC2, out_dir / "soc2.pdf", sign=False))
        # catalogs are cached per directory for the life of a process, so the narrower one gets its own
        without_hipaa = tmp_path / "catalog-without-hipaa"
        shutil.copytree(catalog, without_hipaa)
        (without_hipaa / "frameworks" / "hipaa.yaml").unlink()
        narrow_again = open_workspace(workspace.path, catalog_dir=without_hipaa)
        with pytest.raises(NoMappedControlsError, match="the catalog has no framework 'hipaa'"):
            render_report(narrow_again, options(ReportKind.HIPAA, out_dir / "hipaa.pdf", sign=False))
        narrow_again.close()
    finally:
        narrow.close()
    assert not list(out_dir.iterdir())


def test_bad_key_files(workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path, out_dir: Path) -> None:
    info = create_identity(workspace)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    cases: list[tuple[SigningChoice, str]] = [
        (SigningChoice(key_file=junk, cert_file=info.cert_path), "not a PEM private key"),
        (SigningChoice(key_file=info.key_path, cert_file=junk), "not an X.509 certificate"),
        (SigningChoice(key_file=info.key_path), "--key and --cert go together"),
        (SigningChoice(key_file=tmp_path / "absent.pem", cert_file=info.cert_path), "cannot read the signing key"),
        (SigningChoice(p12_file=junk), "cannot open it without a passphrase"),
        (SigningChoice(key_file=info.key_path, cert_file=info.cert_path), "the key is encrypted and no passphrase"),
    ]
    for choice, message in cases:
        chosen = ReportOptions(kind=ReportKind.SRM, as_of=utc_now(), out=out_dir / "x.pdf", signing=choice)
        with pytest.raises(WorkbenchError, match=message):
            render_report(workspace, chosen)
    assert not list(out_dir.iterdir())


def test_an_expired_signing_certificate(workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, certificate = self_signed("Old Signing", expired=True)
    key_file, cert_file = tmp_path / "old-key.pem", tmp_path / "old-cert.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    chosen = ReportOptions(
        kind=ReportKind.SRM,
        as_of=utc_now(),
        out=tmp_path / "srm.pdf",
        signing=SigningChoice(key_file=key_file, cert_file=cert_file),
    )
    with pytest.raises(SigningError, match="the signing certificate is valid only from"):
        render_report(workspace, chosen)
    assert not (tmp_path / "srm.pdf").exists()


def test_cancelling_stops_at_the_next_stage_and_writes_nothing(workspace: Workspace, out_dir: Path) -> None:
    cancel = threading.Event()
    before = table_counts(workspace.path)["ledger"]

    def cancel_while_collecting(stage: str, _fraction: float) -> None:
        if stage == "collecting":
            cancel.set()

    with pytest.raises(ReportCancelled, match="nothing was written"):
        render_report(
            workspace, options(ReportKind.SRM, out_dir / "srm.pdf", sign=False), cancel_while_collecting, cancel
        )
    assert_nothing_written(out_dir, workspace, before)
