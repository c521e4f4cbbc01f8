"""Collection runs in-process against moto: every result recorded, faults recorded as errors, in bounded time."""

from __future__ import annotations

import gc
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import NoCredentialsError

from tests.collectors.conftest import ACCOUNT, client
from tests.conftest import table_counts
from workbench.collectors.aws.runner import Progress, TaskResult, execute, plan
from workbench.collectors.aws.session import (
    AccountSession,
    ClientMaker,
    Timeouts,
    assume_role,
    client_config,
    identify,
    open_base_session,
)
from workbench.collectors.registry import implemented_checks, referenced_checks
from workbench.errors import InputError
from workbench.services.collection import CollectOptions, collect_aws
from workbench.services.status import Status, control_statuses
from workbench.services.verify import verify_workspace
from workbench.workspace import Workspace


class _Body:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.body


def _error_response(status: int, body: dict[str, str], *, xml: bool) -> AWSResponse:
    if xml:
        payload = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{body['code']}</Code><Message>{body['message']}"
            "</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        ).encode()
    else:
        payload = json.dumps({"__type": body["code"], "message": body["message"]}).encode()
    return AWSResponse("https://fault.test", status, {}, _Body(payload))


@pytest.mark.usefixtures("aws")
def test_every_result_is_evidence_and_the_run_is_summarised(workspace: Workspace) -> None:
    iam = client("iam")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!")
    seen: list[Progress] = []
    summary = collect_aws(
        workspace,
        CollectOptions(regions=["us-east-1", "eu-west-1"], checks=["iam"], workers=4),
        progress=lambda p: seen.append(Progress(p.total, p.done, dict(p.results))),
    )
    assert summary.status == "completed"
    assert summary.accounts == (ACCOUNT,)
    assert summary.tasks == 1  # IAM is global: once per account
    assert summary.counts["error"] == 0
    assert summary.evidence_records == sum(summary.counts.values()) == table_counts(workspace.path)["evidence"]
    assert seen[0].done == 0 and seen[-1].done == seen[-1].total == 1
    assert seen[-1].results == summary.counts
    assert verify_workspace(workspace).ok
    # a failing check makes its controls failing
    controls_of = referenced_checks(workspace.catalog)
    failing_controls = controls_of["aws.iam.console_users_mfa"]
    statuses = control_statuses(workspace)
    for control_id in failing_controls:
        if statuses[control_id].status not in (Status.OTHER_PARTY, Status.NOT_APPLICABLE, Status.EXCEPTED):
            assert statuses[control_id].status is Status.FAILING, control_id
    # every record cites the raw responses it was judged on
    with workspace.store.session() as session:
        rows = (
            session.connection()
            .exec_driver_sql("SELECT e.check_id, b.sha256 FROM evidence e JOIN evidence_blob b ON b.evidence_id = e.id")
            .fetchall()
        )
    assert len(rows) == summary.evidence_records
    raw = json.loads(workspace.store.blobs.open(rows[0][1]).read())
    assert raw["account"] == ACCOUNT and any(c["operation"] == "get_account_summary" for c in raw["calls"])


@pytest.mark.usefixtures("aws")
def test_access_denied_on_one_service_is_recorded_and_the_run_completes(workspace: Workspace) -> None:
    session = boto3.Session(region_name="us-east-1")

    def deny(**_kwargs: Any) -> AWSResponse:
        return _error_response(403, {"code": "AccessDenied", "message": "not authorised"}, xml=True)

    session.events.register_first("before-send.iam", deny)
    summary = collect_aws(
        workspace, CollectOptions(regions=["us-east-1"], checks=["iam"], workers=2), base_session=session
    )
    assert summary.status == "completed"
    iam_checks = [c for c in implemented_checks().values() if c.service == "iam"]
    assert summary.counts == {"pass": 0, "fail": 0, "info": 0, "error": len(iam_checks)}
    with workspace.store.session() as s:
        codes = {r[0] for r in s.connection().exec_driver_sql("SELECT error_code FROM evidence").fetchall()}
    assert codes == {"AccessDenied"}
    assert all("AccessDenied" in line for line in summary.errors)
    assert verify_workspace(workspace).ok


@pytest.mark.usefixtures("aws")
def test_throttling_recovers_through_adaptive_retries(workspace: Workspace) -> None:
    session = boto3.Session(region_name="us-east-1")
    throttled = {"count": 0}

    def throttle(**_kwargs: Any) -> AWSResponse | None:
        if throttled["count"] < 2:
            throttled["count"] += 1
            return _error_response(400, {"code": "Throttling", "message": "Rate exceeded"}, xml=True)
        return None  # let moto answer

    session.events.register_first("before-send.iam.GetAccountSummary", throttle)
    summary = collect_aws(
        workspace,
        CollectOptions(regions=["us-east-1"], checks=["aws.iam.root_mfa_enabled"], workers=1),
        base_session=session,
    )
    assert throttled["count"] == 2
    assert summary.counts["error"] == 0 and summary.counts["fail"] == 1  # moto's root has no MFA


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A local socket that accepts connections and never answers."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                held.append(connection)  # keep it open, never reply
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.mark.usefixtures("aws")
def test_endpoint_that_never_answers_costs_seconds_not_minutes(
    workspace: Workspace, silent_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", silent_endpoint)
    started = time.perf_counter()
    summary = collect_aws(
        workspace,
        CollectOptions(
            regions=["us-east-1"], checks=["iam"], workers=4, timeouts=Timeouts(connect=1, read=1, max_attempts=2)
        ),
    )
    elapsed = time.perf_counter() - started
    assert summary.status == "completed"
    assert summary.counts["error"] == len([c for c in implemented_checks().values() if c.service == "iam"])
    assert {line.rsplit(": ", 1)[1] for line in summary.errors} == {"ReadTimeout"}
    assert elapsed < 30, f"took {elapsed:.1f} s"
    assert verify_workspace(workspace).ok


@pytest.mark.usefixtures("aws")
def test_cancel_stops_and_keeps_what_was_recorded(workspace: Workspace) -> None:
    cancel = threading.Event()

    def stop_after_first(progress: Progress) -> None:
        if progress.done >= 1:
            cancel.set()

    summary = collect_aws(
        workspace,
        CollectOptions(regions=["us-east-1", "eu-west-1", "eu-central-1"], workers=1),
        progress=stop_after_first,
        cancel=cancel,
    )
    assert summary.status == "cancelled"
    recorded = table_counts(workspace.path)["evidence"]
    assert recorded == summary.evidence_records > 0
    with workspace.store.session() as s:
        status = s.connection().exec_driver_sql("SELECT status FROM collection_run").scalar()
    assert status == "cancelled"
    assert verify_workspace(workspace).ok


@pytest.mark.usefixtures("aws")
def test_shared_clients_sign_as_the_account_bound_to_each_thread() -> None:
    maker = ClientMaker(open_base_session(None, "us-east-1"), client_config(Timeouts(), 8))
    own = identify(maker, "the caller")
    other = assume_role(own, "arn:aws:iam::111111111111:role/Audit")
    assert (own.account_id, other.account_id) == (ACCOUNT, "111111111111")
    sts = maker.client("sts", "us-east-1")

    def who(account: AccountSession) -> set[str]:
        with account.bound():
            return {sts.get_caller_identity()["Account"] for _ in range(5)}

    with ThreadPoolExecutor(max_workers=8) as pool:  # both accounts at once, through the one client
        answers = list(pool.map(who, [own, other] * 8))
    assert answers == [{ACCOUNT}, {"111111111111"}] * 8
    # a thread bound to no account has no credentials: it never borrows another account's
    with pytest.raises(NoCredentialsError):
        sts.get_caller_identity()


@pytest.mark.usefixtures("aws")
def test_the_clients_made_do_not_grow_with_the_number_of_accounts() -> None:
    client("s3").create_bucket(Bucket="own-bucket")
    checks = [c for c in implemented_checks().values() if c.service in ("s3", "ec2", "kms")]
    made = {}
    for roles in ((), ("111111111111", "222222222222")):
        maker = ClientMaker(open_base_session(None, "us-east-1"), client_config(Timeouts(), 4))
        own = identify(maker, "the caller")
        accounts = [own] + [assume_role(own, f"arn:aws:iam::{n}:role/Audit") for n in roles]
        tasks = plan(accounts, ["us-east-1", "eu-west-1"], checks)
        results: list[TaskResult] = []
        assert execute(tasks, workers=4, on_results=results.extend)
        assert len(results) == len(tasks)
        made[len(accounts)] = maker.clients_made
    assert made[3] == made[1] < len(tasks)
    buckets = {
        r.task.account.account_id: {f.resource for o in r.outcomes for f in o.findings if "s3:::" in f.resource}
        for r in results
        if r.task.service == "s3"
    }
    assert buckets == {ACCOUNT: {"arn:aws:s3:::own-bucket"}, "111111111111": set(), "222222222222": set()}


@pytest.mark.usefixtures("aws")
def test_a_run_leaves_nothing_frozen_from_the_garbage_collector(workspace: Workspace) -> None:
    summary = collect_aws(workspace, CollectOptions(regions=["us-east-1"], checks=["ec2", "kms"], workers=4))
    assert summary.status == "completed" and summary.evidence_records > 0
    assert gc.get_freeze_count() == 0  # the run's clients and models can be collected once it is over


def test_the_shared_clients_keep_the_callers_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile audit]\nregion = eu-west-1\nretry_mode = standard\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[audit]\naws_access_key_id = AKIDAUDIT\naws_secret_access_key = secret\n")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    base = open_base_session("audit", None)
    assert base.own is not None and base.own.access_key == "AKIDAUDIT"
    assert base.core.get_scoped_config()["retry_mode"] == "standard"
    assert base.core.get_config_variable("region") == "eu-west-1"
    with pytest.raises(InputError, match="'nobody'"):
        open_base_session("nobody", None)
