"""Cognito check: user pools require MFA."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


class UserPoolMfa(Check):
    id = "aws.cognito.user_pool_mfa"
    title = "Cognito user pools require MFA"
    severity = "high"
    service = "cognito-idp"
    calls = ("cognito-idp:ListUserPools", "cognito-idp:GetUserPoolMfaConfig")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for pool in api.paginate("cognito-idp", "list_user_pools", "UserPools", MaxResults=60):
            config = api.call("cognito-idp", "get_user_pool_mfa_config", UserPoolId=pool["Id"])
            mode = config.get("MfaConfiguration", "OFF")
            resource = f"arn:aws:cognito-idp:{api.region}:{api.account}:userpool/{pool['Id']}"
            if mode == "ON":
                findings.append(Finding(resource, "pass", "MFA required"))
            else:
                findings.append(Finding(resource, "fail", "MFA optional" if mode == "OPTIONAL" else "MFA off"))
        return findings


CHECKS: tuple[type[Check], ...] = (UserPoolMfa,)
