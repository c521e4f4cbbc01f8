"""`status` and `verify` on a workspace with many evidence records (default 100,000)."""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from workbench.clock import utc_now
from workbench.services.evidence import write_evidence
from workbench.services.summary import summarise
from workbench.services.verify import verify_workspace
from workbench.store.models import Evidence, EvidenceBlob, new_id
from workbench.workspace import init_workspace, open_workspace

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]


def build(path: Path, records: int) -> float:
    """Fill a workspace with records spread over controls, accounts, regions and resources."""
    started = time.perf_counter()
    workspace = init_workspace(path, organisation="Bench Corp", system="Bench Cloud")
    controls = [c for c in workspace.catalog.controls.values()]
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
                    resource=f"arn:aws:s3:::bucket-{i % 2000}",
                    result="fail" if rng.random() < 0.07 else "pass",
                    observed_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                    collected_at=now,
                    collected_by="bench",
                    note="",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="Build (or reuse) the workspace here.")
    args = parser.parse_args()
    scratch = None
    if args.keep is None:
        scratch = tempfile.TemporaryDirectory(prefix="bench-status-")
        path = Path(scratch.name) / "ws"
    else:
        path = args.keep
    if not (path / "workspace.yaml").exists():
        print(f"building {args.records:,} evidence records ...", flush=True)
        print(f"built in {build(path, args.records):.1f} s")
    workbench = str(Path(sys.executable).with_name("workbench"))

    workspace = open_workspace(path)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        summary = summarise(workspace)
        timings.append(time.perf_counter() - started)
    print(f"status, in process (best of 3):        {min(timings):.3f} s over {len(summary.statuses)} controls")
    cli = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([workbench, "-w", str(path), "status"], check=True, capture_output=True)
        cli.append(time.perf_counter() - started)
    print(f"`workbench status`, whole command:     {min(cli):.3f} s (best of 3; target < 1 s)")

    report = verify_workspace(workspace)
    assert report.ok, report.problems[:3]
    records = sum(report.records.values())
    print(
        f"verify: {report.ledger_entries:,} ledger entries, {records:,} records, {report.blobs:,} blobs "
        f"({report.blob_bytes / 1e6:.1f} MB) in {report.seconds:.2f} s"
    )
    print(
        f"verify rate: {records / report.seconds:,.0f} records/s, "
        f"{report.blob_bytes / report.seconds / 1e6:.1f} MB/s of blobs (with everything else it does)"
    )
    workspace.close()
    if scratch is not None:
        scratch.cleanup()


if __name__ == "__main__":
    main()
