"""The demo's fictional documents: what a small vendor's compliance folder holds, dated to fit the demo's clock.

Everything here is invented for ``workbench demo``: Tallowmere Data, its people, its auditors and its numbers.
The company is modelled on the bring-your-own-cloud data platforms of the seed whitepapers (a control plane run by
the vendor, a data plane in the customer's AWS account), not on any real company.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

VENDOR = "Tallowmere Data"
SYSTEM = "Tallowmere Relay"
ACCOUNT = "480917236150"  # the fake AWS account the demo collects from
DOMAIN = "tallowmere.example"  # .example is reserved (RFC 2606): no real mailbox behind these addresses

COMPLIANCE_OFFICER = f"priya.raman@{DOMAIN}"
PLATFORM_ENGINEER = f"tomasz.wierzbicki@{DOMAIN}"
CISO = "Dana Okafor (CISO)"


@dataclass(frozen=True)
class Document:
    """One attachment: its file name and text."""

    name: str
    text: str


def access_review(day: date) -> list[Document]:
    """The quarterly access review of the control plane: a summary and the reviewed list."""
    quarter = (day.month - 1) // 3 + 1
    summary = f"""# Quarterly access review, {day.year} Q{quarter}

Tallowmere Relay control plane (AWS account {ACCOUNT}, SSO permission sets and the console)
Reviewed on {day:%Y-%m-%d} by Priya Raman (compliance) and Tomasz Wierzbicki (platform), approved by Dana Okafor (CISO).

## Scope

- AWS IAM Identity Center permission sets: PlatformAdmin, PlatformOperator, ReadOnlyAudit
- Relay console roles: Admin, Operator, Viewer
- Break-glass IAM user `ops-breakglass` (sealed credentials, see the emergency access procedure)

## Result

| population | accounts reviewed | removed | changed | kept |
|---|---|---|---|---|
| SSO permission sets | 23 | 2 | 1 | 20 |
| console Admin role | 6 | 1 | 0 | 5 |
| console Operator role | 14 | 0 | 2 | 12 |

Removed: two leavers whose SSO access had been disabled by the HR feed but whose group membership remained
(no sign-in since their last day), and one contractor whose engagement ended.
Changed: one engineer moved from PlatformAdmin to PlatformOperator; two operators moved to Viewer.

Every removal was completed on the review day; tickets SEC-412 to SEC-416.
"""
    listing = (
        "user,permission_set,manager_confirmed,action\n"
        "a.lindqvist,PlatformAdmin,yes,keep\n"
        "b.mensah,PlatformAdmin,yes,move to PlatformOperator\n"
        "c.duarte,PlatformOperator,yes,keep\n"
        "d.hargreaves,PlatformOperator,no (left the company),remove\n"
        "e.kowalczyk,ReadOnlyAudit,yes,keep\n"
        "f.osei,PlatformOperator,no (left the company),remove\n"
        "g.tanaka,PlatformOperator,yes,keep\n"
        "h.contractor,ReadOnlyAudit,no (engagement ended),remove\n"
    )
    return [
        Document(f"access-review-{day.year}-Q{quarter}.md", summary),
        Document(f"access-review-{day.year}-Q{quarter}-users.csv", listing),
    ]


def incident_runbook(day: date) -> list[Document]:
    """The incident-response runbook and the notes of the tabletop exercise that tested it."""
    runbook = f"""# Incident response runbook (version 3.2, approved {day:%Y-%m-%d})

Owner: security team, Tallowmere Data. Applies to the Relay control plane; incidents in a customer's data plane
are led by the customer, with Tallowmere supporting (see the shared-responsibility matrix).

## Severity

- SEV1: customer data exposed or the control plane unavailable for every customer. Page the on-call lead at once.
- SEV2: one customer affected, or a security control known to be bypassed. Page within 15 minutes.
- SEV3: a suspicious event with no known impact. Ticket, next business day.

## Steps

1. Declare: open an incident channel, name an incident lead and a scribe.
2. Contain: revoke sessions in IAM Identity Center, rotate affected secrets in Secrets Manager, isolate hosts by
   security group; never delete evidence (CloudTrail and the log bucket have Object Lock).
3. Assess: which customers, which data, since when. Query CloudTrail Lake and the Relay audit log.
4. Notify: customers within 24 hours of confirming their data is affected; the lead drafts, the CISO approves.
   Personal data breaches go to the customer (the controller) without undue delay so that they can meet the
   72-hour notification to their supervisory authority.
5. Recover and review: a blameless review within five business days, with actions tracked to closure.
"""
    exercise = f"""Tabletop exercise notes, {day:%Y-%m-%d}

Scenario: an API key of a customer's data-plane agent is found in a public code repository.
Participants: incident lead (T. Wierzbicki), CISO (D. Okafor), support lead, one customer success manager.

What went well: the key was revoked from the console in 6 minutes; CloudTrail showed no use of the key.
What to improve: the customer notification template had no field for the key's creation date (fixed in v3.2);
the on-call rota in the paging tool was one week out of date (fixed the same day).
Result: runbook steps 1-5 exercised; two actions, both closed.
"""
    return [Document("incident-response-runbook.md", runbook), Document("tabletop-exercise-notes.txt", exercise)]


def pentest_summary(day: date) -> list[Document]:
    """The executive summary of the yearly external penetration test."""
    text = f"""# External penetration test: executive summary

Tester: Corvid Lane Security (a fictional firm), on behalf of Tallowmere Data
Test window: ten working days ending {day:%Y-%m-%d}; retest of the findings two weeks later.
Scope: the Relay console and public API, the control-plane AWS account (authenticated, read-only audit role), and
a data-plane agent installed in a test customer account.

| id | finding | severity | status at retest |
|---|---|---|---|
| CL-01 | Session cookie without the SameSite attribute on the legacy login page | medium | fixed |
| CL-02 | Verbose error pages reveal the framework version | low | fixed |
| CL-03 | Data-plane agent image carries an outdated OpenSSL package (no known exploit path) | medium | open, planned |
| CL-04 | Rate limiting on the token endpoint allows 300 attempts a minute | low | accepted |

No critical or high findings. Tenant isolation held: no request from one test tenant reached another's metadata.
"""
    return [Document("pentest-summary.md", text)]


def training_record(day: date) -> list[Document]:
    """Completion of the yearly security and privacy awareness training."""
    text = (
        f"Security and privacy awareness training {day.year}: completion report of {day:%Y-%m-%d}\n\n"
        "team,people,completed,overdue\n"
        "engineering,31,31,0\nsupport,9,9,0\nsales,7,6,1\noperations,5,5,0\n\n"
        "The one overdue person was on leave; a new deadline is set for their return.\n"
        "Modules: phishing, handling customer metadata, secrets in code, reporting an incident, GDPR basics.\n"
    )
    return [Document("awareness-training-completion.csv", text)]


def change_sample(day: date) -> list[Document]:
    """A sample of production changes checked for review and approval (an old one: the demo shows it as stale)."""
    text = f"""Change management sample test, {day:%Y-%m-%d}

25 production deployments of the Relay control plane were drawn at random from the quarter.
Every one had a merged pull request with one approving review by someone other than the author, a passing
CI run (unit, integration, dependency and container scans) and a deployment record.
Exceptions: none.
"""
    return [Document("change-sample-test.txt", text)]


def dr_test(day: date) -> list[Document]:
    """The disaster-recovery test that missed its recovery time objective."""
    text = f"""# Disaster recovery test, {day:%Y-%m-%d}

Scenario: loss of the control plane's primary region (eu-west-1); fail over to us-east-1.
Objectives: recovery point 15 minutes, recovery time 4 hours.

Result: recovery point met (7 minutes of data lost, from DynamoDB point-in-time recovery).
Recovery time NOT met: 6 hours 10 minutes. The DNS failover worked; restoring the metadata database from the
cross-region snapshot took 4 hours 40 minutes because the snapshot copy job had been paused since a quota change.

Actions: alarm on paused snapshot copies (done); re-run the test within the quarter (planned).
"""
    return [Document("dr-test-report.md", text)]


def vendor_assessment(day: date) -> list[Document]:
    """The yearly review of sub-processors (expired: the demo shows it as stale past its valid-until date)."""
    text = (
        f"Sub-processor review of {day:%Y-%m-%d}\n\n"
        "sub_processor,service,data,assurance_reviewed,result\n"
        "Amazon Web Services,hosting of the control plane,customer metadata,SOC 2 Type 2 report,accepted\n"
        "Example Paging Co,on-call paging,staff names and phone numbers,SOC 2 Type 2 report,accepted\n"
        "Example Mail Co,transactional e-mail,customer contact e-mail addresses,ISO 27001 certificate,accepted\n"
    )
    return [Document("subprocessor-review.csv", text)]


def policy_approval(day: date, *, corrected: bool) -> list[Document]:
    """The board minute approving the information security policy (the first upload named the wrong version)."""
    version = "4.1" if corrected else "4.0"
    text = (
        f"Minute of the leadership meeting of {day:%Y-%m-%d}, item 3\n\n"
        f"The information security policy, version {version}, was presented by the CISO and approved.\n"
        "Changes from the previous version: AI coding assistants added to the acceptable use section; the data\n"
        "retention schedule now follows the customer contracts of 2026.\n"
    )
    return [Document(f"security-policy-approval-v{version}.txt", text)]
