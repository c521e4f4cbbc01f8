"""DynamoDB checks: encryption with a customer-managed KMS key, point-in-time recovery."""

from __future__ import annotations

from typing import Any

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


def _tables(api: AwsApi) -> list[dict[str, Any]]:
    names = api.paginate("dynamodb", "list_tables", "TableNames")
    return [api.call("dynamodb", "describe_table", TableName=name)["Table"] for name in names]


class CmkEncryption(Check):
    id = "aws.dynamodb.cmk_encryption"
    title = "DynamoDB tables are encrypted with a customer-managed KMS key"
    severity = "medium"
    service = "dynamodb"
    calls = ("dynamodb:ListTables", "dynamodb:DescribeTable", "kms:DescribeKey")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for table in _tables(api):
            sse = table.get("SSEDescription") or {}
            key = sse.get("KMSMasterKeyArn")
            if sse.get("SSEType") != "KMS" or not key:
                findings.append(Finding(table["TableArn"], "fail", "encrypted with an AWS-owned key"))
                continue
            manager = api.call("kms", "describe_key", KeyId=key)["KeyMetadata"].get("KeyManager")
            if manager == "CUSTOMER":
                findings.append(Finding(table["TableArn"], "pass", f"customer-managed key {key}"))
            else:
                findings.append(Finding(table["TableArn"], "fail", "encrypted with the AWS-managed key aws/dynamodb"))
        return findings


class PitrEnabled(Check):
    id = "aws.dynamodb.pitr_enabled"
    title = "DynamoDB tables have point-in-time recovery"
    severity = "medium"
    service = "dynamodb"
    calls = ("dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for table in _tables(api):
            backups = api.call("dynamodb", "describe_continuous_backups", TableName=table["TableName"])
            status = (
                backups.get("ContinuousBackupsDescription", {})
                .get("PointInTimeRecoveryDescription", {})
                .get("PointInTimeRecoveryStatus")
            )
            enabled = status == "ENABLED"
            findings.append(
                Finding(
                    table["TableArn"],
                    "pass" if enabled else "fail",
                    "point-in-time recovery on" if enabled else "point-in-time recovery off",
                )
            )
        return findings


CHECKS: tuple[type[Check], ...] = (CmkEncryption, PitrEnabled)
