"""AWS collection against a moto server with injected latency: concurrent pool against one call at a time.

A moto server (in its own process, threaded) answers every request after ``--latency-ms``; ``workbench collect
aws`` runs as a subprocess over N accounts (assume-role) x M regions with every check. Prints the median over
``--repeat`` runs of wall time, CPU, API calls and peak RSS for the pool and for one call at a time, and peak RSS
with 1 account against N accounts.

moto builds each account's and region's fake backends on their first request (several CPU seconds for 5 x 4):
one unmeasured warm-up run pays that first, so every measured run, pooled or serial, meets the same warm server.
Pooled and serial runs alternate, so a burst of load from elsewhere on the machine does not favour one of them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"]


def start_server(latency: float) -> str:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request would drown the figures
    app = DomainDispatcherApplication(create_backend_app)

    def slow(environ: dict[str, Any], start_response: Any) -> Any:
        time.sleep(latency)
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, slow, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def collect(endpoint: str, workspace: Path, roles: Path, regions: list[str], workers: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        WORKBENCH_ACTOR="bench",
    )
    workbench = str(Path(sys.executable).with_name("workbench"))
    subprocess.run([workbench, "-w", str(workspace), "init"], check=True, capture_output=True, env=env)
    out_path = workspace.with_suffix(".json")
    err_path = workspace.with_suffix(".err")
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            [
                workbench,
                "-w",
                str(workspace),
                "collect",
                "aws",
                "--roles-file",
                str(roles),
                "--regions",
                ",".join(regions),
                "--workers",
                str(workers),
                "--json",
            ],
            stdout=out,
            stderr=err,
            env=env,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"collect failed: {err_path.read_text()[-2000:]}")
    summary: dict[str, Any] = json.loads(out_path.read_text())
    summary["wall"] = elapsed
    summary["rss_mb"] = usage.ru_maxrss // 1024
    summary["cpu"] = usage.ru_utime + usage.ru_stime
    return summary


def verify(workspace: Path) -> bool:
    """Whether ``workbench verify`` accepts the workspace (every record, blob and ledger entry)."""
    workbench = str(Path(sys.executable).with_name("workbench"))
    return subprocess.run([workbench, "-w", str(workspace), "verify"], capture_output=True, check=False).returncode == 0


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of the server process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(
    server: subprocess.Popen[str], endpoint: str, root: Path, name: str, accounts: int, regions: list[str], workers: int
) -> dict[str, Any]:
    roles = root / f"{name}-roles.txt"
    roles.write_text("".join(f"arn:aws:iam::{100000000000 + i}:role/Audit\n" for i in range(accounts)))
    before = server_cpu_seconds(server.pid)
    summary = collect(endpoint, root / name, roles, regions, workers)
    summary["server_cpu"] = server_cpu_seconds(server.pid) - before
    return summary


def serve(latency: float) -> None:
    """Run the slow moto server in its own process: forked collectors then start small, and its memory and CPU
    are not counted as the collector's."""
    print(start_server(latency), flush=True)
    threading.Event().wait()


def median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=5)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of each kind (medians are printed)")
    parser.add_argument("--serve", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.latency_ms / 1000)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    endpoint = server.stdout.readline().strip()
    regions = REGIONS[: args.regions]
    runs: dict[str, list[dict[str, Any]]] = {"small": [], "pooled": [], "serial": []}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-collect-") as scratch:
            root = Path(scratch)
            cold = measured(server, endpoint, root, "warm-up", args.accounts, regions, args.workers)
            for n in range(args.repeat):
                for kind, accounts, workers in (
                    ("small", 1, args.workers),
                    ("pooled", args.accounts, args.workers),
                    ("serial", args.accounts, 1),
                ):
                    run = measured(server, endpoint, root, f"{kind}-{n}", accounts, regions, workers)
                    run["verified"] = verify(root / f"{kind}-{n}")
                    runs[kind].append(run)
    finally:
        server.terminate()
        server.wait()
    pooled, serial = runs["pooled"], runs["serial"]
    print(
        f"moto server latency {args.latency_ms:.0f} ms per call; {args.accounts} accounts x {len(regions)} regions; "
        f"{pooled[0]['checks']} checks, {pooled[0]['tasks']} tasks; medians of {args.repeat} runs"
    )
    print(
        f"  warm-up (moto builds its backends): {cold['wall']:.1f} s wall; {cold['server_cpu']:.1f} s CPU in the "
        "moto server (not measured below)"
    )
    for label, of_kind in ((f"pool of {args.workers}", pooled), ("one at a time", serial)):
        walls = ", ".join(f"{run['wall']:.1f}" for run in of_kind)
        print(
            f"  {label:>14}: {median(of_kind, 'wall'):6.1f} s wall ({walls}); "
            f"CPU {median(of_kind, 'cpu'):4.1f} s in the collector, {median(of_kind, 'server_cpu'):4.1f} s in the moto "
            f"server; {median(of_kind, 'api_calls'):.0f} "
            f"API calls, {of_kind[0]['evidence_records']} records, counts {of_kind[0]['counts']}"
        )
    ratios = ", ".join(f"{s['wall'] / p['wall']:.1f}" for p, s in zip(pooled, serial, strict=True))
    print(f"  speed-up: {median(serial, 'wall') / median(pooled, 'wall'):.1f}x ({ratios})   (target >= 8x)")
    print(
        f"  peak RSS of the collect process: 1 account {median(runs['small'], 'rss_mb'):.0f} MiB; "
        f"{args.accounts} accounts {median(pooled, 'rss_mb'):.0f} MiB (pool), {median(serial, 'rss_mb'):.0f} MiB "
        "(one at a time)"
    )
    outcomes = {(run["evidence_records"], json.dumps(run["counts"], sort_keys=True)) for run in pooled + serial}
    every_run = [run for of_kind in runs.values() for run in of_kind]
    if len(outcomes) != 1 or not all(run["status"] == "completed" and run["verified"] for run in every_run):
        raise SystemExit(f"the runs do not agree, or one did not verify: {sorted(outcomes)}")
    print(f"  every run completed, recorded the same {pooled[0]['evidence_records']} records and passed verify")


if __name__ == "__main__":
    main()
