"""Security Hub check: the hub is enabled in the region."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi, AwsCallError
from workbench.collectors.base import Check, Finding

NOT_SUBSCRIBED = {"InvalidAccessException", "ResourceNotFoundException"}


class Enabled(Check):
    id = "aws.securityhub.enabled"
    title = "Security Hub is enabled in the region"
    severity = "medium"
    service = "securityhub"
    calls = ("securityhub:DescribeHub",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        resource = f"arn:aws:securityhub:{api.region}:{api.account}:hub/default"
        try:
            hub = api.call("securityhub", "describe_hub")
        except AwsCallError as failure:
            if failure.code in NOT_SUBSCRIBED:
                return [Finding(resource, "fail", "Security Hub is not enabled")]
            raise
        return [Finding(str(hub.get("HubArn") or resource), "pass", "Security Hub is enabled")]


CHECKS: tuple[type[Check], ...] = (Enabled,)
