"""Every AWS check, one module per service. A module lists its checks in ``CHECKS``."""

from __future__ import annotations

from workbench.collectors.base import Check


def all_checks() -> tuple[type[Check], ...]:
    """Every implemented AWS check, in a stable order (imported on first use, not at package import)."""
    from workbench.collectors.aws.checks import (
        backup,
        cloudtrail,
        cognito,
        config,
        dynamodb,
        ec2,
        elbv2,
        guardduty,
        iam,
        kms,
        lambda_,
        logs,
        rds,
        s3,
        secretsmanager,
        securityhub,
    )

    modules = (
        iam,
        cloudtrail,
        s3,
        kms,
        ec2,
        rds,
        dynamodb,
        guardduty,
        config,
        securityhub,
        logs,
        secretsmanager,
        elbv2,
        lambda_,
        cognito,
        backup,
    )
    return tuple(check for module in modules for check in module.CHECKS)
