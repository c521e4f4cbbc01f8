"""IAM checks: the root user, password policy, MFA, access keys, unused credentials and admin rights."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

from workbench.collectors.aws.api import AwsApi, AwsCallError
from workbench.collectors.base import Check, Finding

ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
ROOT_USER = "<root_account>"
REPORT_CALLS = ("iam:GenerateCredentialReport", "iam:GetCredentialReport")


def credential_report(api: AwsApi) -> list[dict[str, str]]:
    """The account's credential report as rows (generated first; polled until complete, a few seconds at most)."""
    cached = api.cached("iam-credential-report")
    if cached is not None:
        return list(cached)
    for attempt in range(10):
        state = api.call_fresh("iam", "generate_credential_report").get("State")
        if state == "COMPLETE":
            break
        time.sleep(min(0.5 * (attempt + 1), 2.0))
    content = api.call("iam", "get_credential_report")["Content"]
    rows = list(csv.DictReader(io.StringIO(content)))
    api.remember("iam-credential-report", rows)
    return rows


def _root_arn(api: AwsApi) -> str:
    return f"arn:aws:iam::{api.account}:root"


def _date(value: str) -> datetime | None:
    if not value or value in ("N/A", "not_supported", "no_information"):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class RootMfaEnabled(Check):
    id = "aws.iam.root_mfa_enabled"
    title = "The root user has MFA"
    severity = "critical"
    service = "iam"
    scope = "global"
    calls = ("iam:GetAccountSummary",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        summary = api.call("iam", "get_account_summary")["SummaryMap"]
        enabled = summary.get("AccountMFAEnabled") == 1
        return [
            Finding(
                _root_arn(api),
                "pass" if enabled else "fail",
                "root user has MFA" if enabled else "root user has no MFA device",
            )
        ]


class RootNoAccessKeys(Check):
    id = "aws.iam.root_no_access_keys"
    title = "The root user has no access keys"
    severity = "critical"
    service = "iam"
    scope = "global"
    calls = ("iam:GetAccountSummary",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        summary = api.call("iam", "get_account_summary")["SummaryMap"]
        present = summary.get("AccountAccessKeysPresent", 0) != 0
        return [
            Finding(
                _root_arn(api),
                "fail" if present else "pass",
                "root user has access keys" if present else "root user has no access keys",
            )
        ]


class PasswordPolicyStrong(Check):
    id = "aws.iam.password_policy_strong"
    title = "The password policy requires 14+ characters, all character classes and no reuse of the last 24"
    severity = "medium"
    service = "iam"
    scope = "global"
    calls = ("iam:GetAccountPasswordPolicy",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        resource = f"arn:aws:iam::{api.account}:account-password-policy"
        try:
            policy = api.call("iam", "get_account_password_policy")["PasswordPolicy"]
        except AwsCallError as failure:
            if failure.code == "NoSuchEntity":
                return [Finding(resource, "fail", "no password policy is set")]
            raise
        weak = []
        if policy.get("MinimumPasswordLength", 0) < 14:
            weak.append(f"minimum length {policy.get('MinimumPasswordLength', 0)} < 14")
        for key, words in (
            ("RequireUppercaseCharacters", "upper case"),
            ("RequireLowercaseCharacters", "lower case"),
            ("RequireNumbers", "numbers"),
            ("RequireSymbols", "symbols"),
        ):
            if not policy.get(key):
                weak.append(f"{words} not required")
        if policy.get("PasswordReusePrevention", 0) < 24:
            weak.append(f"reuse prevention {policy.get('PasswordReusePrevention', 0)} < 24")
        if weak:
            return [Finding(resource, "fail", "; ".join(weak))]
        return [Finding(resource, "pass", "password policy meets the baseline")]


class ConsoleUsersMfa(Check):
    id = "aws.iam.console_users_mfa"
    title = "Every IAM user with a console password has MFA"
    severity = "high"
    service = "iam"
    scope = "global"
    calls = REPORT_CALLS

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for row in credential_report(api):
            if row["user"] == ROOT_USER or row.get("password_enabled") != "true":
                continue
            ok = row.get("mfa_active") == "true"
            findings.append(
                Finding(
                    row["arn"], "pass" if ok else "fail", "console user has MFA" if ok else "console user without MFA"
                )
            )
        return findings


class AccessKeysRotated90d(Check):
    id = "aws.iam.access_keys_rotated_90d"
    title = "Active access keys are rotated within 90 days"
    severity = "medium"
    service = "iam"
    scope = "global"
    calls = REPORT_CALLS

    def evaluate(self, api: AwsApi) -> list[Finding]:
        limit = datetime.now(UTC) - timedelta(days=90)
        findings = []
        for row in credential_report(api):
            if row["user"] == ROOT_USER:
                continue
            for slot in ("1", "2"):
                if row.get(f"access_key_{slot}_active") != "true":
                    continue
                rotated = _date(row.get(f"access_key_{slot}_last_rotated", ""))
                resource = f"{row['arn']}/access-key-{slot}"
                if rotated is not None and rotated >= limit:
                    findings.append(Finding(resource, "pass", f"rotated {rotated:%Y-%m-%d}"))
                else:
                    when = f"{rotated:%Y-%m-%d}" if rotated else "never"
                    findings.append(Finding(resource, "fail", f"last rotated {when}, more than 90 days ago"))
        return findings


class UnusedCredentialsDisabled(Check):
    id = "aws.iam.unused_credentials_disabled"
    title = "Passwords and access keys unused for 45 days are disabled"
    severity = "medium"
    service = "iam"
    scope = "global"
    calls = REPORT_CALLS

    def evaluate(self, api: AwsApi) -> list[Finding]:
        limit = datetime.now(UTC) - timedelta(days=45)
        findings = []
        for row in credential_report(api):
            if row["user"] == ROOT_USER:
                continue
            stale = []
            if row.get("password_enabled") == "true":
                used = _date(row.get("password_last_used", "")) or _date(row.get("user_creation_time", ""))
                if used is not None and used < limit:
                    stale.append(f"password unused since {used:%Y-%m-%d}")
            for slot in ("1", "2"):
                if row.get(f"access_key_{slot}_active") == "true":
                    used = _date(row.get(f"access_key_{slot}_last_used_date", "")) or _date(
                        row.get(f"access_key_{slot}_last_rotated", "")
                    )
                    if used is not None and used < limit:
                        stale.append(f"access key {slot} unused since {used:%Y-%m-%d}")
            if stale:
                findings.append(Finding(row["arn"], "fail", "; ".join(stale)))
            else:
                findings.append(Finding(row["arn"], "pass", "no credential unused for 45 days"))
        return findings


class NoUserAdminPolicy(Check):
    id = "aws.iam.no_user_admin_policy"
    title = "No IAM user has AdministratorAccess attached directly"
    severity = "high"
    service = "iam"
    scope = "global"
    calls = ("iam:ListUsers", "iam:ListAttachedUserPolicies")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for user in api.paginate("iam", "list_users", "Users"):
            attached = api.paginate("iam", "list_attached_user_policies", "AttachedPolicies", UserName=user["UserName"])
            admin = any(p["PolicyArn"] == ADMIN_POLICY_ARN for p in attached)
            findings.append(
                Finding(
                    user["Arn"],
                    "fail" if admin else "pass",
                    "AdministratorAccess attached to the user" if admin else "no AdministratorAccess attached directly",
                )
            )
        return findings


class NoIamUsers(Check):
    id = "aws.iam.no_iam_users"
    title = "IAM users in the account (for accounts that claim SSO-only access)"
    severity = "info"
    service = "iam"
    scope = "global"
    calls = ("iam:ListUsers",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        users = api.paginate("iam", "list_users", "Users")
        resource = f"arn:aws:iam::{api.account}:users"
        if not users:
            return [Finding(resource, "info", "no IAM users: access is through SSO or roles only")]
        names = ", ".join(sorted(u["UserName"] for u in users)[:10])
        return [Finding(resource, "info", f"{len(users)} IAM user(s): {names}")]


CHECKS: tuple[type[Check], ...] = (
    RootMfaEnabled,
    RootNoAccessKeys,
    PasswordPolicyStrong,
    ConsoleUsersMfa,
    AccessKeysRotated90d,
    UnusedCredentialsDisabled,
    NoUserAdminPolicy,
    NoIamUsers,
)
