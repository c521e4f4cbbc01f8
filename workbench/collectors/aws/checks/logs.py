"""CloudWatch Logs checks: every log group has a retention period and a KMS key."""

from __future__ import annotations

from typing import Any

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


def _groups(api: AwsApi) -> list[dict[str, Any]]:
    return api.paginate("logs", "describe_log_groups", "logGroups")


def _arn(api: AwsApi, group: dict[str, Any]) -> str:
    return f"arn:aws:logs:{api.region}:{api.account}:log-group:{group['logGroupName']}"


class RetentionSet(Check):
    id = "aws.logs.retention_set"
    title = "Log groups have a retention period"
    severity = "low"
    service = "logs"
    calls = ("logs:DescribeLogGroups",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for group in _groups(api):
            days = group.get("retentionInDays")
            findings.append(
                Finding(
                    _arn(api, group), "pass" if days else "fail", f"retained {days} days" if days else "never expires"
                )
            )
        return findings


class KmsEncryption(Check):
    id = "aws.logs.kms_encryption"
    title = "Log groups are encrypted with a KMS key"
    severity = "medium"
    service = "logs"
    calls = ("logs:DescribeLogGroups",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        return [
            Finding(
                _arn(api, group),
                "pass" if group.get("kmsKeyId") else "fail",
                f"encrypted with {group['kmsKeyId']}" if group.get("kmsKeyId") else "no KMS key",
            )
            for group in _groups(api)
        ]


CHECKS: tuple[type[Check], ...] = (RetentionSet, KmsEncryption)
