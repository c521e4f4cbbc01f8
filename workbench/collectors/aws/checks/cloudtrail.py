"""CloudTrail checks: a logging multi-region trail, log file validation, KMS encryption and a private log bucket."""

from __future__ import annotations

from typing import Any

from workbench.collectors.aws.api import AwsApi, AwsCallError
from workbench.collectors.base import Check, Finding

DESCRIBE = "cloudtrail:DescribeTrails"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def trails(api: AwsApi) -> list[dict[str, Any]]:
    """The trails visible from this region, shadow copies of other regions' multi-region trails included."""
    return list(api.call("cloudtrail", "describe_trails", includeShadowTrails=True).get("trailList", []))


class MultiRegionLogging(Check):
    id = "aws.cloudtrail.multi_region_logging"
    title = "A multi-region CloudTrail trail is logging"
    severity = "high"
    service = "cloudtrail"
    scope = "global"
    calls = (DESCRIBE, "cloudtrail:GetTrailStatus")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        everything = trails(api)
        multi = [t for t in everything if t.get("IsMultiRegionTrail")]
        for trail in multi:
            if api.call("cloudtrail", "get_trail_status", Name=trail["TrailARN"]).get("IsLogging"):
                return [Finding(trail["TrailARN"], "pass", f"multi-region trail {trail['Name']} is logging")]
        if not everything:
            why = "no CloudTrail trail exists"
        elif not multi:
            why = f"{len(everything)} trail(s), none multi-region"
        else:
            why = "multi-region trail(s) not logging: " + ", ".join(sorted(t["Name"] for t in multi))
        return [Finding(f"arn:aws:cloudtrail:{api.region}:{api.account}:trails", "fail", why)]


class LogFileValidation(Check):
    id = "aws.cloudtrail.log_file_validation"
    title = "Every CloudTrail trail has log file validation enabled"
    severity = "medium"
    service = "cloudtrail"
    scope = "global"
    calls = (DESCRIBE,)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        return [
            Finding(t["TrailARN"], "pass", "log file validation enabled")
            if t.get("LogFileValidationEnabled")
            else Finding(t["TrailARN"], "fail", "log file validation disabled")
            for t in trails(api)
        ]


class KmsEncryption(Check):
    id = "aws.cloudtrail.kms_encryption"
    title = "Every CloudTrail trail encrypts its logs with a KMS key"
    severity = "medium"
    service = "cloudtrail"
    scope = "global"
    calls = (DESCRIBE,)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        return [
            Finding(t["TrailARN"], "pass", f"logs encrypted with {t['KmsKeyId']}")
            if t.get("KmsKeyId")
            else Finding(t["TrailARN"], "fail", "logs not encrypted with a KMS key (SSE-S3 only)")
            for t in trails(api)
        ]


class BucketNotPublic(Check):
    id = "aws.cloudtrail.bucket_not_public"
    title = "The S3 buckets CloudTrail logs to are not public"
    severity = "critical"
    service = "cloudtrail"
    scope = "global"
    calls = (DESCRIBE, "s3:ListAllMyBuckets", "s3:GetBucketPolicyStatus", "s3:GetBucketAcl")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        by_bucket: dict[str, list[str]] = {}
        for trail in trails(api):
            if trail.get("S3BucketName"):
                by_bucket.setdefault(trail["S3BucketName"], []).append(trail["Name"])
        if not by_bucket:
            return []
        owned = {b["Name"] for b in api.paginate("s3", "list_buckets", "Buckets")}
        findings = []
        for bucket, names in sorted(by_bucket.items()):
            resource, used_by = f"arn:aws:s3:::{bucket}", "bucket of trail(s) " + ", ".join(sorted(names))
            if bucket not in owned:
                findings.append(Finding(resource, "info", f"{used_by} is outside this account; judge it there"))
                continue
            public = []
            try:
                if api.call("s3", "get_bucket_policy_status", Bucket=bucket)["PolicyStatus"].get("IsPublic"):
                    public.append("bucket policy is public")
            except AwsCallError as failure:
                if failure.code != "NoSuchBucketPolicy":
                    raise
            grants = api.call("s3", "get_bucket_acl", Bucket=bucket).get("Grants", [])
            uris = {g["Grantee"].get("URI") for g in grants}
            groups = sorted(uri.rsplit("/", 1)[-1] for uri in uris if uri in PUBLIC_GROUPS)
            if groups:
                public.append(f"ACL grants {', '.join(groups)}")
            if public:
                findings.append(Finding(resource, "fail", f"{used_by}: {'; '.join(public)}"))
            else:
                findings.append(Finding(resource, "pass", f"{used_by}: not public by policy or ACL"))
        return findings


CHECKS: tuple[type[Check], ...] = (
    MultiRegionLogging,
    LogFileValidation,
    KmsEncryption,
    BucketNotPublic,
)
