"""KMS checks: automatic rotation of customer-managed symmetric keys."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


class CmkRotationEnabled(Check):
    id = "aws.kms.cmk_rotation_enabled"
    title = "Every enabled customer-managed symmetric KMS key has automatic rotation on"
    severity = "medium"
    service = "kms"
    scope = "regional"
    calls = ("kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for key in api.paginate("kms", "list_keys", "Keys"):
            meta = api.call("kms", "describe_key", KeyId=key["KeyArn"])["KeyMetadata"]
            if (
                meta.get("KeyManager") != "CUSTOMER"
                or meta.get("KeySpec") != "SYMMETRIC_DEFAULT"
                or meta.get("KeyState") != "Enabled"
            ):
                continue
            if meta.get("Origin", "AWS_KMS") != "AWS_KMS":
                # imported material and custom key stores cannot rotate automatically
                findings.append(Finding(meta["Arn"], "info", f"origin {meta['Origin']}: rotate manually"))
                continue
            status = api.call("kms", "get_key_rotation_status", KeyId=meta["Arn"])
            if status.get("KeyRotationEnabled"):
                days = status.get("RotationPeriodInDays")
                findings.append(Finding(meta["Arn"], "pass", f"rotation every {days} days" if days else "rotation on"))
            else:
                findings.append(Finding(meta["Arn"], "fail", "automatic rotation off"))
        return findings


CHECKS: tuple[type[Check], ...] = (CmkRotationEnabled,)
