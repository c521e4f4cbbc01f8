"""AWS collection as a service: choose accounts, regions and checks, run them, record every result as evidence."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from workbench.clock import utc_now
from workbench.collectors.aws.runner import GLOBAL_REGION, ProgressCallback, TaskResult, execute, plan
from workbench.collectors.aws.session import (
    AccountSession,
    BaseSession,
    ClientMaker,
    Timeouts,
    assume_role,
    client_config,
    enabled_regions,
    identify,
    open_base_session,
)
from workbench.collectors.base import Check
from workbench.collectors.registry import referenced_checks, select_checks
from workbench.errors import InputError
from workbench.services.evidence import write_evidence
from workbench.store.blobs import StoredBlob
from workbench.store.database import Writer
from workbench.store.digests import run_digest
from workbench.store.models import CollectionRun, Evidence, EvidenceBlob, new_id
from workbench.workspace import Workspace, default_actor

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
#: how many errors a run summary names (all of them are evidence records anyway)
_SUMMARY_ERRORS = 50


@dataclass(frozen=True)
class RoleTarget:
    """A role to assume into another account."""

    arn: str
    external_id: str | None = None


@dataclass
class CollectOptions:
    """What to collect and how."""

    profile: str | None = None
    roles: list[RoleTarget] = field(default_factory=list)
    regions: list[str] | None = None
    checks: list[str] | None = None
    workers: int = 16
    timeouts: Timeouts = field(default_factory=Timeouts)


@dataclass(frozen=True)
class RunSummary:
    """What a collection run did."""

    run_id: str
    status: str
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    checks: int
    tasks: int
    counts: dict[str, int]
    api_calls: int
    seconds: float
    errors: tuple[str, ...]
    evidence_records: int

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = dict(self.__dict__)
        data["accounts"] = list(self.accounts)
        data["regions"] = list(self.regions)
        data["errors"] = list(self.errors)
        data["seconds"] = round(self.seconds, 3)
        return data


def read_role_file(path: Path) -> list[RoleTarget]:
    """Read a file of roles to assume: one ``ROLE_ARN [EXTERNAL_ID]`` a line; ``#`` starts a comment.

    Raises:
        InputError: ``file:line: what is wrong`` for an unreadable file or a line that is not a role ARN.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the role file ({exc})") from None
    roles = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        parts = content.split()
        if len(parts) > 2 or not _ROLE_ARN.match(parts[0]):
            raise InputError(f"{path}:{number}: expected 'arn:aws:iam::ACCOUNT:role/NAME [EXTERNAL_ID]'")
        roles.append(RoleTarget(parts[0], parts[1] if len(parts) == 2 else None))
    if not roles:
        raise InputError(f"{path}: the role file names no role")
    return roles


def check_role_arn(value: str) -> RoleTarget:
    """Validate one ``--assume-role`` value.

    Raises:
        InputError: it is not an IAM role ARN.
    """
    if not _ROLE_ARN.match(value):
        raise InputError(f"--assume-role: {value!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
    return RoleTarget(value)


def resolve_regions(values: Sequence[str] | None) -> list[str] | None:
    """Split and validate ``--regions`` (comma-separated or repeated)."""
    if not values:
        return None
    regions = sorted({part.strip() for value in values for part in value.split(",") if part.strip()})
    for region in regions:
        if not _REGION.match(region):
            raise InputError(f"--regions: {region!r} is not an AWS region name such as eu-west-1")
    return regions


def collect_aws(
    workspace: Workspace,
    options: CollectOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    actor: str | None = None,
    base_session: boto3.Session | None = None,
) -> RunSummary:
    """Collect evidence from AWS and record every result; return the run's summary.

    Every check result becomes an evidence record linked to the controls that name the check; a failed call is an
    ``error`` record with the AWS error code. The raw API responses of each task are one blob that all its
    records cite. The tasks finished at one moment are written in one transaction, so a cancelled or interrupted run
    keeps what it finished.

    Raises:
        InputError: unknown checks, bad regions or roles.
        WorkbenchError: the credentials do not work or a role cannot be assumed.
    """
    who = actor or default_actor()
    checks: list[type[Check]] = select_checks(options.checks)
    regions_given = resolve_regions(options.regions)
    config = client_config(options.timeouts, options.workers)
    base_region = regions_given[0] if regions_given else None
    session = (
        BaseSession.of(base_session) if base_session else open_base_session(options.profile, base_region or "us-east-1")
    )
    base = identify(ClientMaker(session, config), "the caller")
    accounts = _assume_roles(base, options.roles, options.workers) if options.roles else [base]
    regions = regions_given or enabled_regions(accounts[0])
    tasks = plan(accounts, regions, checks)
    controls_of = referenced_checks(workspace.catalog)
    started = utc_now()
    clock = time.perf_counter()
    run_id = new_id()
    counts = {"pass": 0, "fail": 0, "info": 0, "error": 0}
    errors: list[str] = []
    api_calls = 0
    written = 0

    def record(results: Sequence[TaskResult]) -> None:
        """Record a batch of finished tasks in one transaction; each task's raw responses are one blob."""
        nonlocal api_calls, written
        raws = [workspace.store.blobs.put_stream(io.BytesIO(result.raw)) for result in results]
        observed = utc_now()
        with workspace.store.transaction(who) as writer:
            for result, raw in zip(results, raws, strict=True):
                api_calls += result.api_calls
                written += _record_task(writer, result, raw, observed, run_id, who, controls_of, counts, errors)

    finished_all = execute(tasks, workers=options.workers, on_results=record, progress=progress, cancel=cancel)
    seconds = time.perf_counter() - clock
    run = CollectionRun(
        id=run_id,
        source="aws",
        status="completed" if finished_all else "cancelled",
        started_at=started,
        finished_at=utc_now(),
        accounts=json.dumps([a.account_id for a in accounts]),
        regions=json.dumps(regions),
        checks=json.dumps([c.id for c in checks]),
        counts=json.dumps(counts, sort_keys=True),
        errors=json.dumps(errors[:_SUMMARY_ERRORS]),
        tasks=len(tasks),
        api_calls=api_calls,
        duration_ms=int(seconds * 1000),
        actor=who,
    )
    with workspace.store.transaction(who) as writer:
        writer.add(run)
        writer.record(kind="run", entity_id=run.id, digest=run_digest(run))
    return RunSummary(
        run_id=run_id,
        status=run.status,
        accounts=tuple(a.account_id for a in accounts),
        regions=tuple(regions),
        checks=len(checks),
        tasks=len(tasks),
        counts=counts,
        api_calls=api_calls,
        seconds=seconds,
        errors=tuple(errors),
        evidence_records=written,
    )


def _assume_roles(base: AccountSession, roles: Sequence[RoleTarget], workers: int) -> list[AccountSession]:
    """Assume every role at once (two STS round trips each), in the order given.

    Raises:
        WorkbenchError: the first role, in the order given, that cannot be assumed.
    """
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(roles))), thread_name_prefix="assume") as pool:
        futures = [pool.submit(assume_role, base, role.arn, role.external_id) for role in roles]
        return [future.result() for future in futures]


def iam_policy(checks: Sequence[type[Check]]) -> dict[str, Any]:
    """The minimal read-only IAM policy for ``checks``: exactly the actions they declare, plus the runner's own."""
    actions = sorted({action for check in checks for action in check.calls} | set(RUNNER_ACTIONS))
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "WorkbenchEvidenceCollection", "Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


#: what the runner itself calls: who am I, and which regions are enabled
RUNNER_ACTIONS = ("sts:GetCallerIdentity", "ec2:DescribeRegions")


def _record_task(
    writer: Writer,
    result: TaskResult,
    raw: StoredBlob,
    observed: datetime,
    run_id: str,
    who: str,
    controls_of: Mapping[str, Sequence[str]],
    counts: dict[str, int],
    errors: list[str],
) -> int:
    """Write the evidence of one finished task (every finding, or the error) and return how many records."""
    task = result.task
    region = "" if task.region == GLOBAL_REGION else task.region
    written = 0
    for outcome in result.outcomes:
        check = outcome.check
        items: list[tuple[str, str, str, str | None]] = [
            (f.resource, f.result, f.message, None) for f in outcome.findings
        ]
        if outcome.error is not None:
            error = outcome.error
            items = [("", "error", f"{error.operation}: {error.message}"[:2000], error.code)]
            errors.append(f"{task.account.account_id} {task.region} {check.id}: {error.code}")
        for resource, result_word, message, code in items:
            evidence = Evidence(
                id=new_id(),
                source="check",
                check_id=check.id,
                check_version=check.version,
                account=task.account.account_id,
                region=region,
                resource=resource,
                result=result_word,
                error_code=code,
                observed_at=observed,
                collected_at=observed,
                collected_by=f"workbench collect aws ({who})",
                note=message,
                run_id=run_id,
            )
            blob = EvidenceBlob(
                evidence_id=evidence.id,
                position=0,
                sha256=raw.sha256,
                name=f"{task.service}-{task.account.account_id}-{task.region}.json",
                size=raw.size,
                media_type="application/json",
                role="raw",
            )
            write_evidence(writer, evidence, controls_of.get(check.id, ()), [blob])
            counts[result_word] += 1
            written += 1
    return written
