"""RDS checks: storage encryption, no public access, backup retention and Multi-AZ, all from one listing."""

from __future__ import annotations

from typing import Any

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding

MIN_BACKUP_DAYS = 7


def _instances(api: AwsApi) -> list[dict[str, Any]]:
    return api.paginate("rds", "describe_db_instances", "DBInstances")


class StorageEncrypted(Check):
    id = "aws.rds.storage_encrypted"
    title = "RDS instances encrypt their storage"
    severity = "high"
    service = "rds"
    calls = ("rds:DescribeDBInstances",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        return [
            Finding(
                db["DBInstanceArn"],
                "pass" if db.get("StorageEncrypted") else "fail",
                "storage encrypted" if db.get("StorageEncrypted") else "storage not encrypted",
            )
            for db in _instances(api)
        ]


class NotPubliclyAccessible(Check):
    id = "aws.rds.not_publicly_accessible"
    title = "RDS instances are not publicly accessible"
    severity = "critical"
    service = "rds"
    calls = ("rds:DescribeDBInstances",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        return [
            Finding(
                db["DBInstanceArn"],
                "fail" if db.get("PubliclyAccessible") else "pass",
                "publicly accessible" if db.get("PubliclyAccessible") else "not publicly accessible",
            )
            for db in _instances(api)
        ]


class BackupRetention(Check):
    id = "aws.rds.backup_retention"
    title = f"RDS instances keep automated backups for at least {MIN_BACKUP_DAYS} days"
    severity = "medium"
    service = "rds"
    calls = ("rds:DescribeDBInstances",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for db in _instances(api):
            days = int(db.get("BackupRetentionPeriod", 0))
            findings.append(
                Finding(db["DBInstanceArn"], "pass" if days >= MIN_BACKUP_DAYS else "fail", f"backups kept {days} days")
            )
        return findings


class MultiAz(Check):
    id = "aws.rds.multi_az"
    title = "RDS instances run in more than one availability zone"
    severity = "medium"
    service = "rds"
    calls = ("rds:DescribeDBInstances",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        return [
            Finding(
                db["DBInstanceArn"],
                "pass" if db.get("MultiAZ") else "fail",
                "Multi-AZ" if db.get("MultiAZ") else "single availability zone",
            )
            for db in _instances(api)
        ]


CHECKS: tuple[type[Check], ...] = (StorageEncrypted, NotPubliclyAccessible, BackupRetention, MultiAz)
