"""The demo's fake AWS account: moto in this process, seeded like a small vendor's control-plane account.

Only ``workbench demo`` imports this module (moto is the ``demo`` extra).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

import boto3
from moto import mock_aws

from workbench import demo_documents as docs

#: moto's fake account takes any key; a fixed, obviously fake one keeps real keys out of the demo
_FAKE_KEY = "demo-not-a-real-key"  # noqa: S105


@contextlib.contextmanager
def fake_aws(region: str) -> Iterator[boto3.Session]:
    """moto's in-process AWS, with the user's AWS settings out of the way: no profile, endpoint or real key is read,
    so nothing the demo does can reach a real account. The settings are put back afterwards."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("AWS_") or name == "MOTO_ACCOUNT_ID"}
    for name in saved:
        del os.environ[name]
    os.environ.update(
        AWS_ACCESS_KEY_ID=_FAKE_KEY,
        AWS_SECRET_ACCESS_KEY=_FAKE_KEY,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        MOTO_ACCOUNT_ID=docs.ACCOUNT,
    )
    try:
        with mock_aws():
            yield boto3.Session(aws_access_key_id=_FAKE_KEY, aws_secret_access_key=_FAKE_KEY, region_name=region)
    finally:
        for name in [n for n in os.environ if n.startswith("AWS_") or n == "MOTO_ACCOUNT_ID"]:
            del os.environ[name]
        os.environ.update(saved)


def seed_account(session: boto3.Session, regions: Sequence[str]) -> None:
    """The vendor's control-plane account: mostly in order, with the gaps a real first audit finds.

    ``regions``: the primary region first, then the one that still holds the legacy staging network.
    """
    primary, secondary = regions[0], regions[-1]
    account = docs.ACCOUNT

    iam = session.client("iam")
    iam.update_account_password_policy(
        MinimumPasswordLength=16,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        PasswordReusePrevention=24,
    )
    iam.create_user(UserName="ci-deploy")
    iam.create_access_key(UserName="ci-deploy")
    iam.create_user(UserName="ops-breakglass")  # a console user without MFA: the access review missed it
    iam.create_login_profile(UserName="ops-breakglass", Password=secrets.token_urlsafe(24) + "!A1")

    kms = session.client("kms", region_name=primary)
    key = kms.create_key(Description="Relay control-plane data")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)

    s3 = session.client("s3", region_name=primary)
    s3control = session.client("s3control", region_name=primary)
    s3control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=_ALL_BLOCKED)
    logs_bucket = "tallowmere-relay-audit-logs"
    for name in (logs_bucket, "tallowmere-relay-artifacts", "tallowmere-relay-metadata-backups"):
        s3.create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": primary},
            ObjectLockEnabledForBucket=name == logs_bucket,
        )
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
            },
        )
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_ALL_BLOCKED)
        s3.put_bucket_policy(Bucket=name, Policy=_bucket_policy(name, receives_logs=name == logs_bucket))
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 400}}]
            },
        )
        if name != logs_bucket:
            s3.put_bucket_logging(
                Bucket=name,
                BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs_bucket, "TargetPrefix": f"{name}/"}},
            )
    # an export bucket made by hand for one customer's migration: no encryption, versioning or lifecycle
    s3.create_bucket(Bucket="tallowmere-migration-export", CreateBucketConfiguration={"LocationConstraint": primary})
    s3.put_public_access_block(Bucket="tallowmere-migration-export", PublicAccessBlockConfiguration=_ALL_BLOCKED)

    trail = session.client("cloudtrail", region_name=primary)
    trail.create_trail(
        Name="relay-account-trail",
        S3BucketName=logs_bucket,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
    )
    trail.start_logging(Name="relay-account-trail")
    logs = session.client("logs", region_name=primary)
    logs.create_log_group(logGroupName="/relay/control-plane", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="/relay/control-plane", retentionInDays=400)

    dynamodb = session.client("dynamodb", region_name=primary)
    dynamodb.create_table(
        TableName="relay-metadata",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
    )
    dynamodb.update_continuous_backups(
        TableName="relay-metadata", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    secrets_manager = session.client("secretsmanager", region_name=primary)
    secrets_manager.create_secret(Name="relay/control-plane/database", SecretString=secrets.token_urlsafe(32))

    for region in regions:
        session.client("ec2", region_name=region).enable_ebs_encryption_by_default()
        session.client("backup", region_name=region).create_backup_plan(
            BackupPlan={
                "BackupPlanName": f"relay-daily-{region}",
                "Rules": [
                    {"RuleName": "daily", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(0 3 * * ? *)"}
                ],
            }
        )
    session.client("guardduty", region_name=primary).create_detector(Enable=True)
    session.client("securityhub", region_name=primary).enable_security_hub()
    config = session.client("config", region_name=primary)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account}:role/config-recorder",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": logs_bucket})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    # the legacy staging network in the second region still has its old bastion rule
    ec2 = session.client("ec2", region_name=secondary)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="legacy-bastion", Description="staging bastion", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )


_ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _bucket_policy(bucket: str, *, receives_logs: bool) -> str:
    """Deny plain HTTP; a log bucket also lets S3 server access logging write to it."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyPlainHttp",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if receives_logs:
        statements.append(
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": ["s3:PutObject"],
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
