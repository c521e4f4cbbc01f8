"""A signed SOC 2 packet over the whole control library and 5,000 evidence records: target < 20 s, < 600 MB RSS."""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workbench.clock import utc_now
from workbench.reports.options import ReportKind, ReportOptions, SigningChoice
from workbench.reports.pipeline import render_report
from workbench.services.evidence import write_evidence
from workbench.store.models import Evidence, EvidenceBlob, new_id
from workbench.workspace import init_workspace, open_workspace

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]
BENCH_PASSPHRASE = "bench-only passphrase"


def build(path: Path, records: int) -> float:
    """Fill a workspace with records spread over every control, accounts, regions and resources."""
    started = time.perf_counter()
    workspace = init_workspace(path, organisation="Bench Corp", system="Bench Cloud")
    controls = list(workspace.catalog.controls.values())
    rng = random.Random(7)
    now = utc_now()
    batch = 5000
    for start in range(0, records, batch):
        with workspace.store.transaction("bench") as writer:
            for i in range(start, min(records, start + batch)):
                control = controls[i % len(controls)]
                check = control.checks[i % len(control.checks)] if control.checks else None
                record = Evidence(
                    id=new_id(),
                    source="check" if check else "manual",
                    check_id=check,
                    check_version="1" if check else None,
                    account=f"{100000000000 + i % 5}",
                    region=REGIONS[i % len(REGIONS)],
                    resource=f"arn:aws:s3:::bench-data-platform-bucket-{i % 2000}/exports/object-{i}.parquet",
                    result="fail" if rng.random() < 0.07 else "pass",
                    observed_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                    collected_at=now,
                    collected_by="bench",
                    note="" if i % 3 else f"Reviewed by the bench, record {i}",
                )
                blobs = []
                if i % 20 == 0:
                    stored = workspace.store.blobs.put_stream(io.BytesIO(os.urandom(4096)))
                    blobs.append(
                        EvidenceBlob(
                            evidence_id=record.id,
                            position=0,
                            sha256=stored.sha256,
                            name="response.json",
                            size=stored.size,
                            role="raw",
                        )
                    )
                write_evidence(writer, record, [control.id], blobs)
    workspace.close()
    return time.perf_counter() - started


def signing_identity(directory: Path) -> SigningChoice:
    """An EC P-256 identity in PEM files; the bench hands the passphrase over in the environment, as CI would."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench report signing")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file = directory / "bench-key.pem"
    cert_file = directory / "bench-cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(BENCH_PASSPHRASE.encode()),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return SigningChoice(key_file=key_file, cert_file=cert_file)


def measure(path: Path, out: Path) -> None:
    """Render and sign the packet in this process and print its figures.

    It runs in a child process of the build, so the peak RSS it prints is the report's alone.
    """
    os.environ["WORKBENCH_SIGNING_PASSPHRASE"] = BENCH_PASSPHRASE
    stages: list[tuple[str, float]] = []
    started = time.perf_counter()
    workspace = open_workspace(path)
    options = ReportOptions(kind=ReportKind.SOC2, as_of=utc_now(), out=out, signing=signing_identity(out.parent))
    result = render_report(workspace, options, progress=lambda stage, _f: stages.append((stage, time.perf_counter())))
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workspace.close()
    previous = started
    timings = []
    for stage, moment in stages:
        timings.append(f"{stage} at {moment - started:.1f} s (+{moment - previous:.1f})")
        previous = moment
    mapped = len(workspace.catalog.controls_in("soc2"))
    print(f"controls: {mapped} mapped to SOC 2; {result.evidence:,} records in force")
    print(f"stages: {', '.join(timings)}")
    print(f"pdf: {result.pages} pages, {result.size / 1e6:.2f} MB, {result.cited:,} cited, signed={result.signed}")
    print(f"wall time: {wall:.2f} s (target < 20 s)")
    print(f"peak RSS: {peak_mb:.0f} MB (target < 600 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--keep", type=Path, default=None, help="Build (or reuse) the workspace here.")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        measure(args.measure, args.measure.parent / "bench-soc2.pdf")
        return
    scratch = tempfile.TemporaryDirectory(prefix="bench-report-")
    path = args.keep if args.keep is not None else Path(scratch.name) / "ws"
    if not (path / "workspace.yaml").exists():
        print(f"building {args.records:,} evidence records ...", flush=True)
        print(f"built in {build(path, args.records):.1f} s", flush=True)
    work = Path(scratch.name) / "render"
    work.mkdir()
    (work / "ws").symlink_to(path.absolute(), target_is_directory=True)
    subprocess.run([sys.executable, __file__, "--measure", str(work / "ws")], check=True)
    scratch.cleanup()


if __name__ == "__main__":
    main()
