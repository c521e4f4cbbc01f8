"""CloudTrail checks against a seeded moto account: passing and failing trails for each check."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.collectors.conftest import ACCOUNT, REGION, client, evaluate, make_api, results
from workbench.collectors.aws.checks import cloudtrail

KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _trail(name: str, bucket: str | None = None, **options: Any) -> str:
    bucket = bucket or f"{name}-logs"
    s3_client = client("s3")
    if bucket not in {b["Name"] for b in s3_client.list_buckets()["Buckets"]}:
        s3_client.create_bucket(Bucket=bucket)
    return str(client("cloudtrail").create_trail(Name=name, S3BucketName=bucket, **options)["TrailARN"])


@pytest.mark.usefixtures("aws")
def test_multi_region_logging() -> None:
    account_wide = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trails"
    empty = evaluate(cloudtrail.MultiRegionLogging)
    assert [(f.resource, f.result, f.message) for f in empty] == [(account_wide, "fail", "no CloudTrail trail exists")]
    _trail("regional")
    assert evaluate(cloudtrail.MultiRegionLogging)[0].message == "1 trail(s), none multi-region"
    everywhere = _trail("everywhere", IsMultiRegionTrail=True)
    stopped = evaluate(cloudtrail.MultiRegionLogging)
    assert [(f.resource, f.result) for f in stopped] == [(account_wide, "fail")]
    assert stopped[0].message == "multi-region trail(s) not logging: everywhere"
    client("cloudtrail").start_logging(Name=everywhere)
    assert results(cloudtrail.MultiRegionLogging) == {everywhere: "pass"}


@pytest.mark.usefixtures("aws")
def test_log_file_validation() -> None:
    good = _trail("validated", EnableLogFileValidation=True)
    bad = _trail("unvalidated")
    assert results(cloudtrail.LogFileValidation) == {good: "pass", bad: "fail"}


@pytest.mark.usefixtures("aws")
def test_kms_encryption() -> None:
    good = _trail("encrypted", KmsKeyId=KEY)
    bad = _trail("sse-s3-only")
    findings = {f.resource: f for f in evaluate(cloudtrail.KmsEncryption)}
    assert {r: f.result for r, f in findings.items()} == {good: "pass", bad: "fail"}
    assert findings[good].message == f"logs encrypted with {KEY}"


@pytest.mark.usefixtures("aws")
def test_bucket_not_public() -> None:
    _trail("private")
    _trail("by-policy")
    _trail("by-acl")
    _trail("second", bucket="private-logs")  # two trails, one bucket: one finding
    s3_client = client("s3")
    s3_client.put_bucket_policy(
        Bucket="by-policy-logs",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::by-policy-logs/*",
                    }
                ],
            }
        ),
    )
    s3_client.put_bucket_acl(Bucket="by-acl-logs", ACL="authenticated-read")
    findings = {f.resource: f for f in evaluate(cloudtrail.BucketNotPublic)}
    assert {r: f.result for r, f in findings.items()} == {
        "arn:aws:s3:::private-logs": "pass",
        "arn:aws:s3:::by-policy-logs": "fail",
        "arn:aws:s3:::by-acl-logs": "fail",
    }
    assert (
        findings["arn:aws:s3:::private-logs"].message
        == "bucket of trail(s) private, second: not public by policy or ACL"
    )
    assert findings["arn:aws:s3:::by-policy-logs"].message.endswith("bucket policy is public")
    assert findings["arn:aws:s3:::by-acl-logs"].message.endswith("ACL grants AuthenticatedUsers")


@pytest.mark.usefixtures("aws")
def test_trails_are_described_once_for_all_checks() -> None:
    _trail("everywhere", IsMultiRegionTrail=True)
    _trail("regional")
    api = make_api()
    for check in cloudtrail.CHECKS:
        check().evaluate(api)
    operations = [r.operation for r in api.records]
    assert operations.count("describe_trails") == 1
