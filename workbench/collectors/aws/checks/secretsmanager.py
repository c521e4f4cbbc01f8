"""Secrets Manager check: every secret has rotation enabled."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


class RotationEnabled(Check):
    id = "aws.secretsmanager.rotation_enabled"
    title = "Secrets have automatic rotation enabled"
    severity = "medium"
    service = "secretsmanager"
    calls = ("secretsmanager:ListSecrets",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        return [
            Finding(
                secret["ARN"],
                "pass" if secret.get("RotationEnabled") else "fail",
                "rotation enabled" if secret.get("RotationEnabled") else "rotation not enabled",
            )
            for secret in api.paginate("secretsmanager", "list_secrets", "SecretList")
        ]


CHECKS: tuple[type[Check], ...] = (RotationEnabled,)
