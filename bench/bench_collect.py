"""AWS collection against a moto server with injected latency: concurrent pool against one call at a time.

A moto server (in this process, threaded) answers every request after ``--latency-ms``; ``workbench collect aws``
runs as a subprocess over N accounts (assume-role) x M regions with every check. Prints wall time, API calls
and peak RSS for each pool size, and RSS with 1 account against N accounts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
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
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=5)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=32)
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
    try:
        with tempfile.TemporaryDirectory(prefix="bench-collect-") as scratch:
            root = Path(scratch)
            small = measured(server, endpoint, root, "one-account", 1, regions, args.workers)
            pooled = measured(server, endpoint, root, "pooled", args.accounts, regions, args.workers)
            serial = measured(server, endpoint, root, "serial", args.accounts, regions, 1)
    finally:
        server.terminate()
        server.wait()
    print(
        f"moto server latency {args.latency_ms:.0f} ms per call; {args.accounts} accounts x {len(regions)} regions; "
        f"{pooled['checks']} checks, {pooled['tasks']} tasks"
    )
    for label, s in ((f"pool of {args.workers}", pooled), ("one at a time", serial)):
        print(
            f"  {label:>14}: {s['wall']:6.1f} s wall; CPU {s['cpu']:4.1f} s in the collector, "
            f"{s['server_cpu']:4.1f} s in the moto server; {s['api_calls']:5d} API calls, "
            f"{s['evidence_records']} records, counts {s['counts']}"
        )
    print(f"  speed-up: {serial['wall'] / pooled['wall']:.1f}x   (target >= 8x)")
    print(
        f"  peak RSS of the collect process: 1 account {small['rss_mb']} MiB; "
        f"{args.accounts} accounts {pooled['rss_mb']} MiB"
    )


if __name__ == "__main__":
    main()
