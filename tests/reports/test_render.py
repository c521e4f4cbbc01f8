"""Rendering every kind from a workspace with real evidence: what the pages say, determinism, and no fetching."""

from __future__ import annotations

import re
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.reports.conftest import INJECTED_NOTE, LONG_ARN, options, seed_evidence
from workbench.reports.asset_fetcher import PackagedAssetFetcher
from workbench.reports.manifest import MANIFEST_NAME, parse_manifest
from workbench.reports.options import ReportKind
from workbench.reports.pipeline import render_report
from workbench.services.ownership import set_owner
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def words_outside_the_page(path: Path) -> list[str]:
    """Words whose box (from poppler's ``pdftotext -bbox``) runs past the right edge of the page's text area."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    outside: list[str] = []
    for page in re.finditer(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', boxes, re.S):
        right_edge = float(page.group(1)) - 15 * 72 / 25.4 + 1.0  # the page less its 15 mm right margin (1 pt slack)
        for word in re.finditer(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" [^>]*>([^<]*)</word>', page.group(2)
        ):
            if float(word.group(1)) > right_edge:
                outside.append(word.group(2))
    return outside


def flat(text: str) -> str:
    """Text without whitespace, so words and ids that wrap across lines still match."""
    return "".join(text.split())


@pytest.mark.parametrize("kind", [ReportKind.SOC2, ReportKind.HIPAA, ReportKind.GDPR])
def test_each_framework_report_shows_requirements_controls_owners_and_statuses(
    workspace: Workspace, tmp_path: Path, kind: ReportKind
) -> None:
    seeded = seed_evidence(workspace, tmp_path, kind.framework_id)
    out = tmp_path / f"{kind.value}.pdf"
    result = render_report(workspace, options(kind, out, sign=False))
    assert result.path == out and out.is_file() and not result.signed
    text = pdf_text(out)
    squeezed = flat(text)
    assert kind.document_title in text and "Acme Data" in text and "Acme Cloud" in text
    assert f"Page 2 of {result.pages}" in text, "running footer with page N of M"
    assert "Contents" in text
    catalog = workspace.catalog
    for control_id, status in ((seeded.passing, "Passing"), (seeded.failing, "Failing"), (seeded.excepted, "Excepted")):
        assert control_id in text
        requirement_id = catalog.controls[control_id].maps[kind.framework_id][0]
        assert flat(requirement_id) in squeezed, f"{requirement_id} of {control_id} is missing"
        assert status in text
    assert "Vendor" in text, "owners are printed"
    assert "Legacy system retired in Q1" in text and "CISO Jane Roe" in text, "the exceptions chapter"
    assert flat(LONG_ARN) in squeezed, "the long ARN is printed whole (wrapped, not clipped)"
    assert words_outside_the_page(out) == [], "nothing runs past the right margin"
    manifest = parse_manifest(PdfReader(out).attachments[MANIFEST_NAME][0])
    assert manifest["report"]["kind"] == kind.value and manifest["workspace"]["organisation"] == "Acme Data"
    cited = {item["id"] for item in manifest["evidence"]}
    assert len(cited) == result.evidence >= 4
    assert seeded.attachment_sha256 in {blob["sha256"] for blob in manifest["blobs"]}
    short = {item["digest"][:12] for item in manifest["evidence"]}
    assert any(digest in text for digest in short), "evidence is cited by short hash"
    if kind is ReportKind.HIPAA:
        assert "Required" in text and "Addressable" in text


def test_srm_shows_each_sides_part_for_the_customer(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "srm.pdf"
    result = render_report(workspace, options(ReportKind.SRM, out, sign=False))
    text = pdf_text(out)
    assert result.audience == "customer" and "Customer view" in text
    assert "YOUR PART (CUSTOMER)" in text.upper() and "VENDOR'S PART" in text.upper()
    control = workspace.catalog.controls[workspace.catalog.controls_in("srm")[0]]
    assert control.id in text
    assert flat(control.customer_part)[:40] in flat(text)


def test_unsigned_reports_are_byte_identical_for_the_same_as_of(workspace: Workspace, tmp_path: Path) -> None:
    seed_evidence(workspace, tmp_path, "gdpr")
    moment = datetime.now(UTC)
    first = render_report(workspace, options(ReportKind.GDPR, tmp_path / "a.pdf", sign=False, as_of=moment))
    second = render_report(workspace, options(ReportKind.GDPR, tmp_path / "b.pdf", sign=False, as_of=moment))
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert first.manifest_digest == second.manifest_digest
    # what happens after the as-of instant does not change the report: new evidence, a new owner
    control_id = workspace.catalog.controls_in("gdpr")[0]
    set_owner(workspace, control_id, owner="customer", customer_part="Takes it over.")
    (tmp_path / "later").mkdir()
    seed_evidence(workspace, tmp_path / "later", "gdpr")
    render_report(workspace, options(ReportKind.GDPR, tmp_path / "c.pdf", sign=False, as_of=moment))
    assert (tmp_path / "c.pdf").read_bytes() == (tmp_path / "a.pdf").read_bytes()
    info = PdfReader(tmp_path / "a.pdf").metadata
    assert info is not None and info["/CreationDate"].startswith(f"D:{moment:%Y%m%d%H%M%S}")


def test_markup_in_a_note_renders_as_text_and_nothing_is_fetched(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_evidence(workspace, tmp_path, "gdpr")
    requested: list[str] = []
    original = PackagedAssetFetcher.fetch

    def recording_fetch(self: PackagedAssetFetcher, url: str, headers: object = None) -> object:
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(PackagedAssetFetcher, "fetch", recording_fetch)
    out = tmp_path / "gdpr.pdf"
    render_report(workspace, options(ReportKind.GDPR, out, sign=False))
    assert requested, "the packaged stylesheet and logo go through the fetcher"
    assert all(url.startswith("workbench-asset:") for url in requested), requested
    assert not [url for url in requested if "passwd" in url or "attacker" in url or url.startswith(("file:", "http"))]
    assert flat(INJECTED_NOTE) in flat(pdf_text(out)), "the markup is printed literally"


def test_the_fetcher_refuses_files_and_the_network(tmp_path: Path) -> None:
    fetcher = PackagedAssetFetcher()
    for url in ("file:///etc/passwd", "https://attacker.example/x.png", "workbench-asset:../../etc/passwd"):
        with pytest.raises(ValueError, match="asset"):
            fetcher.fetch(url)
    assert fetcher.fetch("workbench-asset:logo.svg").read().startswith(b"<svg")


def test_progress_reports_each_stage_from_a_worker_thread(workspace: Workspace, tmp_path: Path) -> None:
    seen: list[tuple[str, float, str]] = []
    render_report(
        workspace,
        options(ReportKind.SRM, tmp_path / "srm.pdf", sign=False),
        progress=lambda stage, fraction: seen.append((stage, fraction, threading.current_thread().name)),
    )
    assert [stage for stage, _f, _t in seen] == ["collecting", "rendering", "writing", "done"]
    assert [fraction for _s, fraction, _t in seen] == sorted(fraction for _s, fraction, _t in seen)
    assert all(thread != threading.main_thread().name for _s, _f, thread in seen)
