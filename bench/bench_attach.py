"""Adding one large attachment: wall time against sha256sum of the same file, and peak RSS of the add."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_measured(command: list[str]) -> tuple[float, int]:
    """Run a command; return wall seconds and its peak RSS in MiB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workbench = str(Path(sys.executable).with_name("workbench"))
    with tempfile.TemporaryDirectory(prefix="bench-attach-") as scratch:
        root = Path(scratch)
        big = root / "large.bin"
        block = os.urandom(1 << 20)
        with big.open("wb") as handle:
            for i in range(args.size_mb):
                handle.write(block[i % 1024 :] + block[: i % 1024])
        subprocess.run(["sha256sum", str(big)], check=True, capture_output=True)  # warm the page cache
        env = dict(os.environ, WORKBENCH_ACTOR="bench")
        subprocess.run([workbench, "-w", str(root / "ws"), "init"], check=True, capture_output=True, env=env)
        control = "GOV-01"
        listed = subprocess.run(
            [workbench, "-w", str(root / "ws"), "control", "list", "--owner", "vendor", "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        import json

        control = json.loads(listed.stdout)[0]["id"]
        sums, adds = [], []
        for run in range(args.runs):
            sums.append(run_measured(["sha256sum", str(big)]))
            # A fresh workspace each run, so deduplication does not skip the write.
            ws = root / f"ws{run}"
            subprocess.run([workbench, "-w", str(ws), "init"], check=True, capture_output=True)
            adds.append(
                run_measured(
                    [
                        workbench,
                        "-w",
                        str(ws),
                        "evidence",
                        "add",
                        "--control",
                        control,
                        "--attach",
                        str(big),
                        "--note",
                        "bench",
                    ]
                )
            )
        best_sum = min(s[0] for s in sums)
        best_add = min(a[0] for a in adds)
        print(f"attachment size:           {args.size_mb} MiB")
        print(f"sha256sum (best of {args.runs}):     {best_sum:.2f} s")
        print(
            f"workbench evidence add:    {best_add:.2f} s (best of {args.runs}; includes start-up, hash, copy, fsync)"
        )
        print(f"ratio add / sha256sum:     {best_add / best_sum:.2f}x   (target <= 1.5x)")
        print(f"peak RSS of the add:       {max(a[1] for a in adds)} MiB   (target < 150 MB)")


if __name__ == "__main__":
    main()
