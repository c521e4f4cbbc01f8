"""End to end: the real CLI against a moto server, two accounts by assume-role and three regions."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from workbench.collectors.aws.actions import iam_action
from workbench.collectors.aws.checks import all_checks
from workbench.collectors.aws.runner import plan
from workbench.services.collection import RUNNER_ACTIONS, iam_policy

ACCOUNTS = ("111111111111", "222222222222")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def endpoint(moto_server: str) -> str:
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request).close()
    return moto_server


def _env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WORKBENCH_")) or k == "WORKBENCH_CONTROLS"}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        WORKBENCH_ACTOR="e2e@example.test",
    )
    return env


def _session_for(account: str, endpoint: str) -> boto3.Session:
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/Audit", RoleSessionName="seed")["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def _workbench(*args: str | Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from workbench.cli.main import main; main()", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_two_accounts_three_regions_end_to_end(endpoint: str, tmp_path: Path) -> None:
    env = _env(endpoint)
    # Seed each account differently, through its own assumed credentials.
    first = _session_for(ACCOUNTS[0], endpoint)
    first.client("iam", endpoint_url=endpoint).create_user(UserName="ops")
    second = _session_for(ACCOUNTS[1], endpoint)
    s3 = second.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="second-account-data")

    workspace = tmp_path / "ws"
    assert _workbench("-w", workspace, "init", "--org", "E2E", env=env).returncode == 0
    roles = tmp_path / "roles.txt"
    roles.write_text("# audit roles\n" + "".join(f"arn:aws:iam::{a}:role/Audit\n" for a in ACCOUNTS))
    result = _workbench(
        "-w",
        workspace,
        "collect",
        "aws",
        "--roles-file",
        roles,
        "--regions",
        ",".join(REGIONS),
        "--workers",
        "8",
        "--json",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed"
    assert sorted(summary["accounts"]) == list(ACCOUNTS)
    assert summary["regions"] == sorted(REGIONS)
    checks = all_checks()
    assert summary["checks"] == len(checks)
    services = {(c.service, c.scope) for c in checks}
    expected_tasks = len(ACCOUNTS) * sum(1 if scope == "global" else len(REGIONS) for _s, scope in services)
    assert summary["tasks"] == expected_tasks
    counts = summary["counts"]
    assert summary["evidence_records"] == sum(counts.values())
    assert counts["pass"] > 0 and counts["fail"] > 0

    listed = json.loads(_workbench("-w", workspace, "evidence", "list", "--limit", "10000", "--json", env=env).stdout)
    assert listed["total"] == summary["evidence_records"]
    per_account = {a: 0 for a in ACCOUNTS}
    for record in listed["records"]:
        per_account[record["account"]] += 1
    assert all(n > 0 for n in per_account.values())
    # Each account's evidence is that account's own data: the clients are shared, the credentials are not.
    buckets = {(r["account"], r["resource"]) for r in listed["records"] if r["check_id"] == "aws.s3.bucket_versioning"}
    assert buckets == {(ACCOUNTS[1], "arn:aws:s3:::second-account-data")}
    users = {r["account"]: r["note"] for r in listed["records"] if r["check_id"] == "aws.iam.no_iam_users"}
    assert users == {
        ACCOUNTS[0]: "1 IAM user(s): ops",
        ACCOUNTS[1]: "no IAM users: access is through SSO or roles only",
    }

    verified = _workbench("-w", workspace, "verify", "--json", env=env)
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["records"]["run"] == 1 and report["records"]["evidence"] == summary["evidence_records"]


def test_list_checks_and_the_iam_policy_cover_every_declared_call(tmp_path: Path) -> None:
    env = {**os.environ, "WORKBENCH_ACTOR": "t"}
    listed = json.loads(_workbench("collect", "aws", "--list-checks", "--json", env=env).stdout)
    assert len(listed) >= 40
    assert len({row["service"] for row in listed}) >= 14
    assert all(row["controls"] for row in listed), [r["id"] for r in listed if not r["controls"]]
    policy = json.loads(_workbench("collect", "aws", "--print-iam-policy", env=env).stdout)
    actions = policy["Statement"][0]["Action"]
    declared = {call for check in all_checks() for call in check.calls}
    assert set(actions) == declared | set(RUNNER_ACTIONS)
    assert all(a.split(":")[1].startswith(("Get", "List", "Describe", "Generate")) for a in actions)
    s3_only = json.loads(_workbench("collect", "aws", "--checks", "s3", "--print-iam-policy", env=env).stdout)
    assert {a.split(":")[0] for a in s3_only["Statement"][0]["Action"]} <= {"s3", "cloudtrail", "sts", "ec2"}
    assert iam_policy([]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "WorkbenchEvidenceCollection", "Effect": "Allow", "Action": sorted(RUNNER_ACTIONS), "Resource": "*"}
        ],
    }
    unknown = _workbench("collect", "aws", "--checks", "aws.nothing.here", "--list-checks", env=env)
    assert unknown.returncode == 1 and "matches no check" in unknown.stderr


def test_every_call_a_check_makes_is_declared(endpoint: str) -> None:
    """Run every check against a seeded moto server and map each recorded call to its IAM action."""
    from workbench.collectors.aws.api import AwsApi

    session = _session_for(ACCOUNTS[0], endpoint)
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bucket-one")
    session.client("iam", endpoint_url=endpoint).create_user(UserName="u1")
    undeclared: dict[str, set[str]] = {}
    for check in all_checks():
        api = AwsApi(
            ACCOUNTS[0],
            "us-east-1",
            lambda service: session.client(service, region_name="us-east-1", endpoint_url=endpoint),
        )
        try:
            check().evaluate(api)
        except Exception:  # noqa: BLE001, S110 - an error still shows which calls were attempted
            pass
        made = {iam_action(r.service, r.operation) for r in api.records}
        missing = made - set(check.calls)
        if missing:
            undeclared[check.id] = missing
    assert undeclared == {}


def test_plan_groups_checks_by_service_once_per_account_and_region() -> None:
    class Fake:
        def __init__(self, account: str) -> None:
            self.account_id = account

    accounts: Any = [Fake("1"), Fake("2")]
    tasks = plan(accounts, ["r1", "r2"], all_checks())
    keys = [(t.account.account_id, t.region, t.service) for t in tasks]
    assert len(keys) == len(set(keys))
    iam_tasks = [t for t in tasks if t.service == "iam"]
    assert [t.region for t in iam_tasks] == ["global", "global"]
    # the longest tasks (most checks, so most calls one after another) start first, not last
    sizes = [len(t.checks) for t in tasks]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    assert {t.service for t in tasks[:4]} == {"iam", "s3"}


@pytest.fixture
def slow_endpoint() -> Iterator[str]:
    """A moto server that answers every request after 0.3 s, so a run is still going when it is interrupted."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)

    def slow(environ: dict[str, Any], start_response: Any) -> Any:
        threading.Event().wait(0.3)
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, slow, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_ctrl_c_stops_promptly_and_keeps_what_was_recorded(slow_endpoint: str, tmp_path: Path) -> None:
    env = _env(slow_endpoint)
    workspace = tmp_path / "ws"
    assert _workbench("-w", workspace, "init", env=env).returncode == 0
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from workbench.cli.main import main; main()",
            "-w",
            str(workspace),
            "collect",
            "aws",
            "--regions",
            "us-east-1,eu-west-1,eu-central-1",
            "--workers",
            "1",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    recorded = 0
    while time.monotonic() < deadline and recorded == 0:  # wait until the first task is written
        try:
            process.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            with sqlite3.connect(workspace / "workbench.db") as connection:
                recorded = connection.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
    assert recorded > 0 and process.poll() is None, "the run ended before it could be interrupted"
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - interrupted < 10, "Ctrl-C did not stop the run promptly"
    assert process.returncode == 130, err
    summary = json.loads(out)
    assert summary["status"] == "cancelled"
    assert summary["tasks"] > 1 and 0 < summary["evidence_records"]
    verified = _workbench("-w", workspace, "verify", "--json", env=env)
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["records"]["run"] == 1 and report["records"]["evidence"] == summary["evidence_records"]
