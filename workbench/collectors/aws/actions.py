"""Which IAM action each API operation needs, so the printed policy is derived from what the checks call."""

from __future__ import annotations

import functools

import botocore.session
from botocore import xform_name

#: boto3 service name -> IAM service prefix, where they differ
_PREFIX = {"elbv2": "elasticloadbalancing", "s3control": "s3", "cognito-idp": "cognito-idp"}

#: (boto3 service, operation) -> IAM action, where the action is not named after the operation
_OVERRIDES = {
    ("s3", "list_buckets"): "s3:ListAllMyBuckets",
    ("s3", "get_bucket_encryption"): "s3:GetEncryptionConfiguration",
    ("s3", "get_public_access_block"): "s3:GetBucketPublicAccessBlock",
    ("s3control", "get_public_access_block"): "s3:GetAccountPublicAccessBlock",
    ("s3", "get_object_lock_configuration"): "s3:GetBucketObjectLockConfiguration",
    ("s3", "get_bucket_lifecycle_configuration"): "s3:GetLifecycleConfiguration",
    ("s3", "get_bucket_logging"): "s3:GetBucketLogging",
    ("s3", "get_bucket_versioning"): "s3:GetBucketVersioning",
    ("s3", "get_bucket_policy"): "s3:GetBucketPolicy",
    ("s3", "get_bucket_policy_status"): "s3:GetBucketPolicyStatus",
    ("s3", "get_bucket_acl"): "s3:GetBucketAcl",
    ("s3", "get_bucket_location"): "s3:GetBucketLocation",
}


def iam_action(service: str, operation: str) -> str:
    """Return the IAM action for a boto3 operation, e.g. ``("ec2", "describe_vpcs") -> "ec2:DescribeVpcs"``."""
    override = _OVERRIDES.get((service, operation))
    if override is not None:
        return override
    return f"{_PREFIX.get(service, service)}:{_operation_names(service)[operation]}"


@functools.lru_cache(maxsize=64)
def _operation_names(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name, from botocore's bundled service model (no network)."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}
