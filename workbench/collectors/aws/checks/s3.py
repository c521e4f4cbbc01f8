"""S3 checks: default encryption, public access blocks, versioning, logging, TLS-only policies, log bucket lock."""

from __future__ import annotations

import json
from typing import Any

from workbench.collectors.aws.api import AwsApi, AwsCallError
from workbench.collectors.base import Check, Finding

LIST = "s3:ListAllMyBuckets"
PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def bucket_names(api: AwsApi) -> list[str]:
    """Every bucket of the account (one listing per task, shared by all checks)."""
    return [b["Name"] for b in api.paginate("s3", "list_buckets", "Buckets")]


def call_or_none(api: AwsApi, service: str, operation: str, missing: str, **params: Any) -> Any:
    """The response, or None when the call fails with ``missing`` (the code for "not configured")."""
    try:
        return api.call(service, operation, **params)
    except AwsCallError as failure:
        if failure.code == missing:
            return None
        raise


def public_access_gaps(config: dict[str, Any] | None) -> str | None:
    """Why a public access block configuration falls short, or None when all four settings are on."""
    if config is None:
        return "no public access block configured"
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if not config.get(flag)]
    return f"not enabled: {', '.join(off)}" if off else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _denies_insecure_transport(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if not (principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))):
        return False
    if not any(action in ("*", "s3:*") for action in _as_list(statement.get("Action", []))):
        return False
    condition = statement.get("Condition", {}).get("Bool", {})
    values = [v for k, v in condition.items() if k.lower() == "aws:securetransport"]
    return any(str(value).lower() == "false" for v in values for value in _as_list(v))


class BucketDefaultEncryption(Check):
    id = "aws.s3.bucket_default_encryption"
    title = "Every S3 bucket has default encryption"
    severity = "medium"
    service = "s3"
    scope = "global"
    calls = (LIST, "s3:GetEncryptionConfiguration")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for name in bucket_names(api):
            answer = call_or_none(
                api, "s3", "get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError", Bucket=name
            )
            rules = (answer or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
            default = next((d for r in rules if (d := r.get("ApplyServerSideEncryptionByDefault"))), None)
            if default is None:
                findings.append(Finding(bucket_arn(name), "fail", "no default encryption"))
                continue
            algorithm = default.get("SSEAlgorithm", "")
            if algorithm.startswith("aws:kms"):
                kind = "DSSE-KMS" if algorithm == "aws:kms:dsse" else "SSE-KMS"
                key = default.get("KMSMasterKeyID") or "aws/s3 (AWS managed)"
                message = f"{kind} with key {key}"
            else:
                message = f"SSE-S3 ({algorithm})"
            findings.append(Finding(bucket_arn(name), "pass", message))
        return findings


class AccountPublicAccessBlock(Check):
    id = "aws.s3.account_public_access_block"
    title = "The account-level S3 public access block has all four settings on"
    severity = "high"
    service = "s3"
    scope = "global"
    calls = ("s3:GetAccountPublicAccessBlock",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        resource = f"arn:aws:s3:{api.account}:account-public-access-block"
        answer = call_or_none(
            api, "s3control", "get_public_access_block", "NoSuchPublicAccessBlockConfiguration", AccountId=api.account
        )
        gaps = public_access_gaps(None if answer is None else answer["PublicAccessBlockConfiguration"])
        if gaps:
            return [Finding(resource, "fail", f"account level: {gaps}")]
        return [Finding(resource, "pass", "account-level public access block fully enabled")]


class BucketPublicAccessBlock(Check):
    id = "aws.s3.bucket_public_access_block"
    title = "Every S3 bucket has all four public access block settings on"
    severity = "high"
    service = "s3"
    scope = "global"
    calls = (LIST, "s3:GetBucketPublicAccessBlock")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for name in bucket_names(api):
            answer = call_or_none(
                api, "s3", "get_public_access_block", "NoSuchPublicAccessBlockConfiguration", Bucket=name
            )
            gaps = public_access_gaps(None if answer is None else answer["PublicAccessBlockConfiguration"])
            if gaps:
                findings.append(Finding(bucket_arn(name), "fail", gaps))
            else:
                findings.append(Finding(bucket_arn(name), "pass", "public access block fully enabled"))
        return findings


class BucketVersioning(Check):
    id = "aws.s3.bucket_versioning"
    title = "Every S3 bucket has versioning enabled"
    severity = "medium"
    service = "s3"
    scope = "global"
    calls = (LIST, "s3:GetBucketVersioning")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for name in bucket_names(api):
            status = api.call("s3", "get_bucket_versioning", Bucket=name).get("Status")
            if status == "Enabled":
                findings.append(Finding(bucket_arn(name), "pass", "versioning enabled"))
            else:
                why = "versioning suspended" if status == "Suspended" else "versioning never enabled"
                findings.append(Finding(bucket_arn(name), "fail", why))
        return findings


class BucketAccessLogging(Check):
    id = "aws.s3.bucket_access_logging"
    title = "Every S3 bucket has server access logging enabled"
    severity = "low"
    service = "s3"
    scope = "global"
    calls = (LIST, "s3:GetBucketLogging")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for name in bucket_names(api):
            logging = api.call("s3", "get_bucket_logging", Bucket=name).get("LoggingEnabled")
            if logging:
                target = f"s3://{logging.get('TargetBucket', '')}/{logging.get('TargetPrefix', '')}"
                findings.append(Finding(bucket_arn(name), "pass", f"access logs delivered to {target}"))
            else:
                findings.append(Finding(bucket_arn(name), "fail", "server access logging disabled"))
        return findings


class BucketTlsOnlyPolicy(Check):
    id = "aws.s3.bucket_tls_only_policy"
    title = "Every S3 bucket policy denies requests not made over TLS"
    severity = "medium"
    service = "s3"
    scope = "global"
    calls = (LIST, "s3:GetBucketPolicy")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for name in bucket_names(api):
            answer = call_or_none(api, "s3", "get_bucket_policy", "NoSuchBucketPolicy", Bucket=name)
            if answer is None:
                findings.append(Finding(bucket_arn(name), "fail", "no bucket policy, so plain HTTP is not denied"))
                continue
            statements = _as_list(json.loads(answer["Policy"]).get("Statement", []))
            if any(isinstance(s, dict) and _denies_insecure_transport(s) for s in statements):
                findings.append(Finding(bucket_arn(name), "pass", "policy denies aws:SecureTransport=false"))
            else:
                findings.append(Finding(bucket_arn(name), "fail", "no Deny s3:* for aws:SecureTransport=false"))
        return findings


class LogBucketObjectLock(Check):
    id = "aws.s3.log_bucket_object_lock"
    title = "S3 buckets receiving CloudTrail or access logs have Object Lock enabled"
    severity = "medium"
    service = "s3"
    scope = "global"
    calls = (LIST, "cloudtrail:DescribeTrails", "s3:GetBucketLogging", "s3:GetBucketObjectLockConfiguration")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        names = bucket_names(api)
        purposes: dict[str, set[str]] = {}
        for trail in api.call("cloudtrail", "describe_trails", includeShadowTrails=True).get("trailList", []):
            if trail.get("S3BucketName"):
                purposes.setdefault(trail["S3BucketName"], set()).add("CloudTrail")
        for name in names:
            logging = api.call("s3", "get_bucket_logging", Bucket=name).get("LoggingEnabled") or {}
            if logging.get("TargetBucket"):
                purposes.setdefault(logging["TargetBucket"], set()).add("access")
        if not purposes:
            resource = f"arn:aws:s3:{api.account}:log-buckets"
            return [Finding(resource, "info", "no bucket receives CloudTrail or access logs")]
        findings = []
        for name, uses in sorted(purposes.items()):
            what = " and ".join(sorted(uses)) + " log bucket"
            if name not in names:
                findings.append(Finding(bucket_arn(name), "info", f"{what} is outside this account; judge it there"))
                continue
            answer = call_or_none(
                api, "s3", "get_object_lock_configuration", "ObjectLockConfigurationNotFoundError", Bucket=name
            )
            enabled = (answer or {}).get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
            if enabled:
                findings.append(Finding(bucket_arn(name), "pass", f"{what} has Object Lock enabled"))
            else:
                findings.append(Finding(bucket_arn(name), "fail", f"{what} without Object Lock"))
        return findings


class BucketLifecycleRules(Check):
    id = "aws.s3.bucket_lifecycle_rules"
    title = "Every S3 bucket has an enabled lifecycle rule"
    severity = "low"
    service = "s3"
    scope = "global"
    calls = (LIST, "s3:GetLifecycleConfiguration")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for name in bucket_names(api):
            answer = call_or_none(
                api, "s3", "get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration", Bucket=name
            )
            enabled = [r for r in (answer or {}).get("Rules", []) if r.get("Status") == "Enabled"]
            if enabled:
                findings.append(Finding(bucket_arn(name), "pass", f"{len(enabled)} enabled lifecycle rule(s)"))
            elif answer is None:
                findings.append(Finding(bucket_arn(name), "fail", "no lifecycle configuration"))
            else:
                findings.append(Finding(bucket_arn(name), "fail", "all lifecycle rules are disabled"))
        return findings


CHECKS: tuple[type[Check], ...] = (
    BucketDefaultEncryption,
    AccountPublicAccessBlock,
    BucketPublicAccessBlock,
    BucketVersioning,
    BucketAccessLogging,
    BucketTlsOnlyPolicy,
    LogBucketObjectLock,
    BucketLifecycleRules,
)
