"""Evidence bundles: what they hold, names that stay inside the zip, and tampering that verification names."""

from __future__ import annotations

import hashlib
import struct
import zipfile
from pathlib import Path

import pytest

from tests.reports.conftest import MemoryKeyring, options, seed_evidence
from workbench.clock import parse_stored
from workbench.reports.bundle import write_bundle
from workbench.reports.embedded import manifest_of_report
from workbench.reports.errors import BundleError
from workbench.reports.identity import create_identity
from workbench.reports.options import ReportKind, ReportOptions
from workbench.reports.pipeline import ReportResult, render_report, report_manifest
from workbench.reports.verification import verify_report
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def signed_report(workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path) -> ReportResult:
    seed_evidence(workspace, tmp_path, "gdpr")
    create_identity(workspace)
    return render_report(workspace, options(ReportKind.GDPR, tmp_path / "gdpr.pdf"))


def rewrite(bundle: Path, target: Path, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None) -> None:
    """Copy a bundle, replacing (or with None dropping) entries, and adding extra ones."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = change.get(info.filename, source.read(info))
            if data is not None:
                out.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)


def test_a_bundle_holds_the_manifest_the_sums_and_every_cited_blob(
    workspace: Workspace, signed_report: ReportResult, tmp_path: Path
) -> None:
    manifest = manifest_of_report(signed_report.path)
    result = write_bundle(workspace, manifest, tmp_path / "bundle.zip")
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        blobs = sorted(blob["sha256"] for blob in manifest["blobs"])
        assert names == ["manifest.json", *(f"blobs/{sha}" for sha in blobs), "SHA256SUMS"]
        for sha in blobs:
            assert hashlib.sha256(archive.read(f"blobs/{sha}")).hexdigest() == sha
        sums = dict(reversed(line.split("  ")) for line in archive.read("SHA256SUMS").decode().splitlines())
        assert set(sums) == set(names) - {"SHA256SUMS"}
        assert all(not name.startswith("/") and ".." not in name for name in names)
    assert result.manifest_digest == signed_report.manifest_digest
    verified = verify_report(signed_report.path, bundle=result.path)
    assert verified.ok, verified.problems
    assert verified.bundle is not None and verified.bundle["blobs"] == len(blobs) >= 2


def test_a_bundle_for_a_kind_and_as_of_matches_the_report(
    workspace: Workspace, signed_report: ReportResult, tmp_path: Path
) -> None:
    same = ReportOptions(kind=ReportKind.GDPR, as_of=parse_stored(signed_report.as_of), out=tmp_path / "unused.pdf")
    result = write_bundle(workspace, report_manifest(workspace, same), tmp_path / "bundle.zip")
    assert verify_report(signed_report.path, bundle=result.path).ok


def test_a_flipped_byte_in_a_blob_is_named(workspace: Workspace, signed_report: ReportResult, tmp_path: Path) -> None:
    bundle = write_bundle(workspace, manifest_of_report(signed_report.path), tmp_path / "bundle.zip").path
    with zipfile.ZipFile(bundle) as archive:
        victim = next(name for name in archive.namelist() if name.startswith("blobs/"))
        data = bytearray(archive.read(victim))
    data[0] ^= 0x01
    rewrite(bundle, tmp_path / "tampered.zip", {victim: bytes(data)})
    verified = verify_report(signed_report.path, bundle=tmp_path / "tampered.zip")
    assert not verified.ok
    assert any(victim in problem and "SHA256SUMS says" in problem for problem in verified.problems)
    assert any(victim in problem and "the blob was changed" in problem for problem in verified.problems)


def test_a_flipped_byte_in_the_zip_itself_is_named(
    workspace: Workspace, signed_report: ReportResult, tmp_path: Path
) -> None:
    bundle = write_bundle(workspace, manifest_of_report(signed_report.path), tmp_path / "bundle.zip").path
    with zipfile.ZipFile(bundle) as archive:
        victim = next(info for info in archive.infolist() if info.filename.startswith("blobs/"))
    raw = bytearray(bundle.read_bytes())
    header = victim.header_offset
    name_length, extra_length = struct.unpack("<HH", raw[header + 26 : header + 30])
    data_start = header + 30 + name_length + extra_length
    raw[data_start + 2] ^= 0xFF
    (tmp_path / "corrupt.zip").write_bytes(bytes(raw))
    verified = verify_report(signed_report.path, bundle=tmp_path / "corrupt.zip")
    assert not verified.ok
    assert any(victim.filename in problem for problem in verified.problems), verified.problems


def test_missing_extra_and_escaping_entries_are_named(
    workspace: Workspace, signed_report: ReportResult, tmp_path: Path
) -> None:
    bundle = write_bundle(workspace, manifest_of_report(signed_report.path), tmp_path / "bundle.zip").path
    with zipfile.ZipFile(bundle) as archive:
        victim = next(name for name in archive.namelist() if name.startswith("blobs/"))
    rewrite(bundle, tmp_path / "odd.zip", {victim: None}, extra={"../escape.txt": b"x", "notes.txt": b"y"})
    problems = verify_report(signed_report.path, bundle=tmp_path / "odd.zip").problems
    assert any("'../escape.txt'" in p and "never leave the zip root" in p for p in problems), problems
    assert any("'notes.txt'" in p for p in problems)
    assert any(victim in p and "missing" in p for p in problems)


def test_a_changed_manifest_in_the_bundle_is_named(
    workspace: Workspace, signed_report: ReportResult, tmp_path: Path
) -> None:
    bundle = write_bundle(workspace, manifest_of_report(signed_report.path), tmp_path / "bundle.zip").path
    with zipfile.ZipFile(bundle) as archive:
        manifest = archive.read("manifest.json").replace(b'"gdpr"', b'"soc2"', 1)
        sums = archive.read("SHA256SUMS").decode().splitlines()
    fixed = [
        f"{hashlib.sha256(manifest).hexdigest()}  manifest.json" if line.endswith("manifest.json") else line
        for line in sums
    ]
    rewrite(
        bundle, tmp_path / "forged.zip", {"manifest.json": manifest, "SHA256SUMS": ("\n".join(fixed) + "\n").encode()}
    )
    problems = verify_report(signed_report.path, bundle=tmp_path / "forged.zip").problems
    assert problems == ["bundle: manifest.json differs from the manifest embedded in the report"]


def test_a_blob_changed_in_the_store_stops_the_bundle(
    workspace: Workspace, signed_report: ReportResult, tmp_path: Path
) -> None:
    manifest = manifest_of_report(signed_report.path)
    sha = manifest["blobs"][0]["sha256"]
    stored = workspace.path / "objects" / sha[:2] / sha
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes() + b"tampered")
    with pytest.raises(BundleError, match=f"blob {sha[:12]} in the store now hashes to"):
        write_bundle(workspace, manifest, tmp_path / "bundle.zip")
    assert not (tmp_path / "bundle.zip").exists()
    assert not list(tmp_path.glob(".bundle.zip.*"))
