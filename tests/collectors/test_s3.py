"""S3 checks against a seeded moto account: passing and failing buckets for each check."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from tests.collectors.conftest import ACCOUNT, client, evaluate, make_api, results
from workbench.collectors.aws.api import AwsCallError
from workbench.collectors.aws.checks import s3


def _buckets(*names: str) -> None:
    s3_client = client("s3")
    for name in names:
        s3_client.create_bucket(Bucket=name)


def _arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@pytest.mark.usefixtures("aws")
def test_bucket_default_encryption_tells_kms_from_sse_s3() -> None:
    _buckets("kms-bucket", "sse-s3-bucket", "plain-bucket")
    s3_client = client("s3")
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    s3_client.put_bucket_encryption(
        Bucket="kms-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
        },
    )
    s3_client.put_bucket_encryption(
        Bucket="sse-s3-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    findings = {f.resource: f for f in evaluate(s3.BucketDefaultEncryption)}
    assert {r: f.result for r, f in findings.items()} == {
        _arn("kms-bucket"): "pass",
        _arn("sse-s3-bucket"): "pass",
        _arn("plain-bucket"): "fail",
    }
    assert findings[_arn("kms-bucket")].message == f"SSE-KMS with key {key}"
    assert findings[_arn("sse-s3-bucket")].message == "SSE-S3 (AES256)"
    assert findings[_arn("plain-bucket")].message == "no default encryption"


@pytest.mark.usefixtures("aws")
def test_unexpected_error_propagates() -> None:
    api = make_api()
    with Stubber(api.client("s3")) as stub:
        stub.add_response("list_buckets", {"Buckets": [{"Name": "locked-out"}]})
        stub.add_client_error("get_bucket_encryption", "AccessDenied", "Access Denied")
        with pytest.raises(AwsCallError) as raised:
            s3.BucketDefaultEncryption().evaluate(api)
    assert raised.value.code == "AccessDenied"


@pytest.mark.usefixtures("aws")
def test_account_public_access_block() -> None:
    resource = f"arn:aws:s3:{ACCOUNT}:account-public-access-block"
    missing = evaluate(s3.AccountPublicAccessBlock)
    assert [(f.resource, f.result) for f in missing] == [(resource, "fail")]
    assert "no public access block configured" in missing[0].message
    control = client("s3control")
    control.put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration={**ALL_ON, "RestrictPublicBuckets": False}
    )
    partial = evaluate(s3.AccountPublicAccessBlock)
    assert partial[0].result == "fail" and "RestrictPublicBuckets" in partial[0].message
    control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=ALL_ON)
    assert results(s3.AccountPublicAccessBlock) == {resource: "pass"}


@pytest.mark.usefixtures("aws")
def test_bucket_public_access_block() -> None:
    _buckets("blocked", "half-open", "unset")
    s3_client = client("s3")
    s3_client.put_public_access_block(Bucket="blocked", PublicAccessBlockConfiguration=ALL_ON)
    s3_client.put_public_access_block(
        Bucket="half-open", PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False}
    )
    findings = {f.resource: f for f in evaluate(s3.BucketPublicAccessBlock)}
    assert {r: f.result for r, f in findings.items()} == {
        _arn("blocked"): "pass",
        _arn("half-open"): "fail",
        _arn("unset"): "fail",
    }
    assert findings[_arn("half-open")].message == "not enabled: BlockPublicPolicy"


@pytest.mark.usefixtures("aws")
def test_bucket_versioning() -> None:
    _buckets("good", "bad", "suspended")
    s3_client = client("s3")
    s3_client.put_bucket_versioning(Bucket="good", VersioningConfiguration={"Status": "Enabled"})
    s3_client.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})
    assert results(s3.BucketVersioning) == {_arn("good"): "pass", _arn("bad"): "fail", _arn("suspended"): "fail"}


def _log_to(bucket: str, target: str) -> None:
    s3_client = client("s3")
    s3_client.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    s3_client.put_bucket_logging(
        Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}}
    )


@pytest.mark.usefixtures("aws")
def test_bucket_access_logging() -> None:
    _buckets("logged", "access-logs")
    _log_to("logged", "access-logs")
    findings = {f.resource: f for f in evaluate(s3.BucketAccessLogging)}
    assert {r: f.result for r, f in findings.items()} == {_arn("logged"): "pass", _arn("access-logs"): "fail"}
    assert findings[_arn("logged")].message == "access logs delivered to s3://access-logs/logs/"


def _tls_policy(bucket: str, value: object, effect: str = "Deny") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": effect,
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": value}},
                }
            ],
        }
    )


@pytest.mark.usefixtures("aws")
def test_bucket_tls_only_policy() -> None:
    _buckets("tls-string", "tls-bool", "allow-only", "no-policy")
    s3_client = client("s3")
    s3_client.put_bucket_policy(Bucket="tls-string", Policy=_tls_policy("tls-string", "false"))
    s3_client.put_bucket_policy(Bucket="tls-bool", Policy=_tls_policy("tls-bool", False))
    s3_client.put_bucket_policy(Bucket="allow-only", Policy=_tls_policy("allow-only", "true", effect="Allow"))
    findings = {f.resource: f for f in evaluate(s3.BucketTlsOnlyPolicy)}
    assert {r: f.result for r, f in findings.items()} == {
        _arn("tls-string"): "pass",
        _arn("tls-bool"): "pass",
        _arn("allow-only"): "fail",
        _arn("no-policy"): "fail",
    }
    assert "no bucket policy" in findings[_arn("no-policy")].message


@pytest.mark.usefixtures("aws")
def test_log_bucket_object_lock() -> None:
    _buckets("ordinary")
    none = evaluate(s3.LogBucketObjectLock)
    assert [(f.resource, f.result) for f in none] == [(f"arn:aws:s3:{ACCOUNT}:log-buckets", "info")]
    s3_client = client("s3")
    s3_client.create_bucket(Bucket="trail-logs", ObjectLockEnabledForBucket=True)
    _buckets("access-logs", "gone-logs")
    _log_to("ordinary", "access-logs")
    cloudtrail = client("cloudtrail")
    cloudtrail.create_trail(Name="main", S3BucketName="trail-logs")
    cloudtrail.create_trail(Name="elsewhere", S3BucketName="gone-logs")
    s3_client.delete_bucket(Bucket="gone-logs")  # stands in for a bucket in a central logging account
    findings = {f.resource: f for f in evaluate(s3.LogBucketObjectLock)}
    assert {r: f.result for r, f in findings.items()} == {
        _arn("trail-logs"): "pass",
        _arn("access-logs"): "fail",
        _arn("gone-logs"): "info",
    }
    assert findings[_arn("access-logs")].message == "access log bucket without Object Lock"


@pytest.mark.usefixtures("aws")
def test_bucket_lifecycle_rules() -> None:
    _buckets("expiring", "disabled-rule", "forever")
    s3_client = client("s3")
    for bucket, status in (("expiring", "Enabled"), ("disabled-rule", "Disabled")):
        s3_client.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [{"ID": "expire", "Status": status, "Filter": {"Prefix": ""}, "Expiration": {"Days": 365}}]
            },
        )
    assert results(s3.BucketLifecycleRules) == {
        _arn("expiring"): "pass",
        _arn("disabled-rule"): "fail",
        _arn("forever"): "fail",
    }


@pytest.mark.usefixtures("aws")
def test_buckets_are_listed_once_for_all_checks() -> None:
    _buckets("one", "two")
    _log_to("one", "two")
    api = make_api()
    for check in s3.CHECKS:
        check().evaluate(api)
    operations = [r.operation for r in api.records]
    assert operations.count("list_buckets") == 1
    assert operations.count("get_bucket_logging") == 2  # shared by access logging and the log bucket check
