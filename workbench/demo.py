"""``workbench demo``: a sample workspace of a fictional vendor, built through the same service functions as the CLI.

The workspace holds manual evidence with attachments (observed over the last weeks, so some of it is stale), a
filled responsibility matrix, an exception, and evidence collected by the real AWS collector from a fake account
that moto simulates in this process: nothing leaves the machine and no real credentials are read.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import demo_documents as docs
from workbench.clock import utc_now
from workbench.errors import InputError, WorkspaceError
from workbench.services.evidence import add_manual_evidence
from workbench.services.exceptions import add_exception
from workbench.services.ownership import set_owner
from workbench.services.status import STATUS_ORDER, control_statuses
from workbench.wording import counted
from workbench.workspace import Workspace, init_workspace

if TYPE_CHECKING:
    from workbench.services.collection import RunSummary

DEFAULT_PATH = Path("demo_workspace")
#: the fake account's regions: the first is the vendor's primary region
REGIONS = ("eu-west-1", "us-east-1")
#: what the demo needs beyond the workbench itself (moto, with what its Cognito fake imports)
REQUIREMENTS = ("moto", "joserfc")
INSTALL_HINT = "pip install 'compliance-evidence-workbench[demo]'"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ManualEvidence:
    """One manual record of the demo: what it shows, when it was observed, and the documents attached."""

    controls: tuple[str, ...]
    note: str
    days_ago: int
    documents: Callable[..., list[docs.Document]]
    result: str = "pass"
    #: valid for this many days after it was observed (None: the control's cadence decides)
    valid_days: int | None = None
    actor: str = docs.COMPLIANCE_OFFICER


MANUAL_EVIDENCE = (
    ManualEvidence(
        ("IAM-07", "HR-04", "HR-05", "IAM-03"),
        "Quarterly access review of SSO permission sets and console roles: 3 removed, 3 changed",
        9,
        docs.access_review,
    ),
    ManualEvidence(
        ("IR-01",),
        "Incident-response runbook v3.2 and the tabletop exercise that tested it",
        23,
        docs.incident_runbook,
        actor=docs.PLATFORM_ENGINEER,
    ),
    ManualEvidence(
        ("RSK-01", "MON-03"),
        "External penetration test by Corvid Lane Security: no critical or high findings",
        44,
        docs.pentest_summary,
    ),
    ManualEvidence(("HR-02",), "Awareness training completion: 51 of 52 people", 17, docs.training_record),
    ManualEvidence(
        ("CHG-01",), "Change sample test: 25 deployments, no exceptions", 104, docs.change_sample, actor=docs.CISO
    ),
    ManualEvidence(
        ("BCP-03",),
        "DR test: recovery point met, recovery time missed (6 h 10 min against 4 h)",
        30,
        docs.dr_test,
        result="fail",
        actor=docs.PLATFORM_ENGINEER,
    ),
    ManualEvidence(
        ("VND-01",),
        "Sub-processor review: AWS, paging and e-mail providers accepted",
        70,
        docs.vendor_assessment,
        valid_days=66,
    ),
)

#: control -> (owner, the vendor's part, the customer's part): the bring-your-own-cloud split of the seed papers
OWNERSHIP = {
    "ENC-05": (
        "customer",
        "The data-plane agent only uses the KMS key the customer names; Tallowmere's roles cannot decrypt with it.",
        "Creates, rotates and keeps the policy of the customer-managed KMS key that encrypts the data plane.",
    ),
    "DAT-02": (
        "customer",
        "Deploys the data plane only in the regions the customer lists in the Relay console.",
        "Chooses the regions of the data plane and of every destination it replicates to.",
    ),
    "NET-05": (
        "customer",
        "Publishes the data plane's network requirements: private subnets, egress to the control plane only.",
        "Builds and runs the VPC, subnets and routes that host the data plane, to the published requirements.",
    ),
    "IAM-11": (
        "shared",
        "Ships least-privilege IAM roles for the agent as a template and keeps them minimal release by release.",
        "Deploys the roles in its own account, reviews every change to them and can revoke them at any time.",
    ),
    "MON-06": (
        "shared",
        "Watches the health of every data-plane agent from the control plane and pages on failure.",
        "Keeps CloudWatch alarms and GuardDuty on in the data-plane account and reports findings on Relay resources.",
    ),
    "CHG-03": (
        "shared",
        "Releases a patched agent image within 14 days of a high-severity upstream fix.",
        "Lets automatic agent upgrades run, or applies each release within 30 days.",
    ),
    "IR-03": (
        "shared",
        "Hands the customer's investigators control-plane logs within 4 hours of a request.",
        "Leads incidents in its own account and tells Tallowmere when a Relay component is involved.",
    ),
    "PHY-02": (
        "third_party",
        "Holds no physical media: the control plane runs on AWS managed services only.",
        "None: the data plane runs on the customer's cloud provider, whose media handling it inherits.",
    ),
}

EXCEPTION_CONTROL = "LOG-03"
EXCEPTION_RATIONALE = (
    "Flow logs and access logs are off in the legacy staging VPC (us-east-1) until staging moves to eu-west-1; "
    "GuardDuty watches that VPC meanwhile."
)


@dataclass(frozen=True)
class DemoWorkspace:
    """What ``build_demo`` made."""

    path: Path
    manual_records: int
    attachments: int
    superseded: int
    ownership_changes: int
    exception_control: str
    run: RunSummary
    by_status: dict[str, int] = field(default_factory=dict)


def missing_requirement() -> str | None:
    """The first module the demo needs that is not installed, or None."""
    return next((name for name in REQUIREMENTS if importlib.util.find_spec(name) is None), None)


def check_target(path: Path) -> None:
    """Refuse a target that is a file or a directory with anything in it, before anything is written.

    Raises:
        WorkspaceError: naming the path and what is in the way.
    """
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"{path}: exists and is not a directory; choose a new directory for the demo")
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir())
        if inside:
            shown = ", ".join(inside[:3]) + (" ..." if len(inside) > 3 else "")
            raise WorkspaceError(
                f"{path}: the directory is not empty ({shown}); the demo needs a new or empty directory"
            )


def build_demo(path: Path, *, progress: Progress | None = None) -> DemoWorkspace:
    """Create the demo workspace at ``path`` (new or empty), reporting each step through ``progress``.

    Nothing is left behind when a step fails: the directory is removed (it was new or empty).

    Raises:
        WorkspaceError: the path is in the way.
        InputError: moto (the ``demo`` extra) is not installed.
    """
    say = progress or (lambda _line: None)
    missing = missing_requirement()
    if missing is not None:
        raise InputError(f"the demo needs {missing} to simulate an AWS account: {INSTALL_HINT}")
    check_target(path)
    existed = path.exists()
    now = utc_now()
    start = (now - timedelta(days=150)).date()
    workspace = init_workspace(
        path,
        organisation=docs.VENDOR,
        system=docs.SYSTEM,
        audit_period_start=start.replace(day=1),
        audit_period_end=(now + timedelta(days=60)).date(),
    )
    try:
        say(f"Created a vendor workspace in {path} for {docs.VENDOR} (a fictional company), system {docs.SYSTEM}")
        records, attachments, superseded = _manual_evidence(workspace, now)
        say(
            f"  {counted(records, 'manual evidence record')} with {counted(attachments, 'attachment')}, "
            "observed over the last 15 weeks (one superseded by a correction)"
        )
        changes = _ownership(workspace)
        say(f"  {counted(changes, 'ownership change')}: the responsibility matrix filled in, each side's part in words")
        add_exception(
            workspace,
            control_id=EXCEPTION_CONTROL,
            rationale=EXCEPTION_RATIONALE,
            approver=docs.CISO,
            expires_at=now + timedelta(days=75),
            actor=docs.COMPLIANCE_OFFICER,
        )
        say(f"  1 exception for {EXCEPTION_CONTROL}, approved by {docs.CISO}")
        say(f"  collecting from a fake AWS account ({docs.ACCOUNT}, simulated by moto) in {', '.join(REGIONS)} ...")
        run = _collect(workspace)
        counts = ", ".join(f"{n} {word}" for word, n in run.counts.items())
        say(
            f"  {counted(run.evidence_records, 'evidence record')} from {counted(run.checks, 'check')} "
            f"over {counted(run.tasks, 'task')}: {counts}"
        )
        statuses = control_statuses(workspace)
        tally = Counter(status.status.value for status in statuses.values())
        return DemoWorkspace(
            path=path,
            manual_records=records,
            attachments=attachments,
            superseded=superseded,
            ownership_changes=changes,
            exception_control=EXCEPTION_CONTROL,
            run=run,
            by_status={s.value: tally[s.value] for s in STATUS_ORDER if tally[s.value]},
        )
    except BaseException:
        workspace.close()
        _remove(path, existed)
        raise
    finally:
        workspace.close()


def _remove(path: Path, existed: bool) -> None:
    """Undo a demo that failed half-way: the directory was new or empty before."""
    if existed:
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _manual_evidence(workspace: Workspace, now: datetime) -> tuple[int, int, int]:
    """Write the documents to a scratch directory and record them as evidence; return records, files, superseded."""
    records = attachments = 0
    with tempfile.TemporaryDirectory(prefix="workbench-demo-") as scratch:
        folder = Path(scratch)

        def files(documents: list[docs.Document]) -> list[Path]:
            written = []
            for document in documents:
                target = folder / document.name
                target.write_text(document.text, encoding="utf-8")
                written.append(target)
            return written

        for item in MANUAL_EVIDENCE:
            observed = now - timedelta(days=item.days_ago, hours=3)
            attached = files(item.documents(observed.date()))
            add_manual_evidence(
                workspace,
                control_ids=item.controls,
                attachments=attached,
                note=item.note,
                observed_at=observed,
                valid_until=None if item.valid_days is None else observed + timedelta(days=item.valid_days),
                result=item.result,
                actor=item.actor,
            )
            records += 1
            attachments += len(attached)
        # a correction supersedes, never edits: the first upload of the policy approval named the wrong version
        approved = now - timedelta(days=35, hours=5)
        first = add_manual_evidence(
            workspace,
            control_ids=["GOV-01"],
            attachments=files(docs.policy_approval(approved.date(), corrected=False)),
            note="Leadership approved the information security policy",
            observed_at=approved,
            actor=docs.COMPLIANCE_OFFICER,
        )
        add_manual_evidence(
            workspace,
            control_ids=["GOV-01"],
            attachments=files(docs.policy_approval(approved.date(), corrected=True)),
            note="Corrected: the minute approves version 4.1, not 4.0",
            observed_at=approved,
            supersedes=first.record.id,
            actor=docs.COMPLIANCE_OFFICER,
        )
    add_manual_evidence(
        workspace,
        control_ids=["GOV-05"],
        note="Security roles named in the org chart: CISO Dana Okafor, security lead Tomasz Wierzbicki",
        observed_at=now - timedelta(days=12),
        actor=docs.COMPLIANCE_OFFICER,
    )
    return records + 3, attachments + 2, 1


def _ownership(workspace: Workspace) -> int:
    for control_id, (owner, vendor_part, customer_part) in OWNERSHIP.items():
        set_owner(
            workspace,
            control_id,
            owner=owner,
            vendor_part=vendor_part,
            customer_part=customer_part,
            note="Agreed in the 2026 shared-responsibility review",
            actor=docs.COMPLIANCE_OFFICER,
        )
    return len(OWNERSHIP)


def _collect(workspace: Workspace) -> RunSummary:
    """Seed a fake account and run the real collector against it, every check in every demo region."""
    from workbench.demo_account import fake_aws, seed_account  # moto and boto3 load only here
    from workbench.services.collection import CollectOptions, collect_aws

    with fake_aws(REGIONS[0]) as session:
        seed_account(session, REGIONS)
        return collect_aws(
            workspace,
            CollectOptions(regions=list(REGIONS), workers=8),
            base_session=session,
            actor=docs.COMPLIANCE_OFFICER,
        )
