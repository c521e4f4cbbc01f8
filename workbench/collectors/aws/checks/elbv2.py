"""ELBv2 check: listeners accept only TLS 1.2 or newer (plain HTTP only to redirect to HTTPS)."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi, AwsCallError
from workbench.collectors.base import Check, Finding

#: Fallback when DescribeSSLPolicies does not know a policy (moto knows few): True = TLS 1.2 or newer only.
KNOWN_POLICIES = {
    "ELBSecurityPolicy-TLS13-1-2-2021-06": True,
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": True,
    "ELBSecurityPolicy-TLS-1-2-2017-01": True,
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06": True,
    "ELBSecurityPolicy-FS-1-2-Res-2020-10": True,
    "ELBSecurityPolicy-FS-1-2-2019-08": True,
    "ELBSecurityPolicy-2016-08": False,
    "ELBSecurityPolicy-TLS-1-0-2015-04": False,
    "ELBSecurityPolicy-TLS-1-1-2017-01": False,
    "ELBSecurityPolicy-FS-2018-06": False,
}
OLD_PROTOCOLS = {"SSLv3", "TLSv1", "TLSv1.1"}


def _tls12_only(api: AwsApi, policy: str) -> bool | None:
    try:
        answer = api.call("elbv2", "describe_ssl_policies", Names=[policy])
    except AwsCallError as failure:
        if failure.code in ("SSLPolicyNotFound", "SSLPolicyNotFoundException"):
            return KNOWN_POLICIES.get(policy)
        raise
    policies = answer.get("SslPolicies", [])
    if not policies:
        return KNOWN_POLICIES.get(policy)
    protocols = set(policies[0].get("SslProtocols", []))
    return not (protocols & OLD_PROTOCOLS) if protocols else KNOWN_POLICIES.get(policy)


class Tls12Listeners(Check):
    id = "aws.elbv2.tls12_listeners"
    title = "Load balancer listeners use a TLS 1.2+ policy; plain HTTP only redirects to HTTPS"
    severity = "high"
    service = "elbv2"
    calls = (
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeSSLPolicies",
    )

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for balancer in api.paginate("elbv2", "describe_load_balancers", "LoadBalancers"):
            listeners = api.paginate(
                "elbv2", "describe_listeners", "Listeners", LoadBalancerArn=balancer["LoadBalancerArn"]
            )
            for listener in listeners:
                arn = listener["ListenerArn"]
                protocol = listener.get("Protocol")
                if protocol in ("HTTPS", "TLS"):
                    policy = str(listener.get("SslPolicy", ""))
                    verdict = _tls12_only(api, policy)
                    if verdict is None:
                        findings.append(Finding(arn, "fail", f"unknown TLS policy {policy}"))
                    else:
                        findings.append(
                            Finding(
                                arn,
                                "pass" if verdict else "fail",
                                f"{policy} {'allows only' if verdict else 'allows older than'} TLS 1.2",
                            )
                        )
                elif protocol == "HTTP":
                    redirects = any(
                        action.get("Type") == "redirect"
                        and (action.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
                        for action in listener.get("DefaultActions", [])
                    )
                    findings.append(
                        Finding(
                            arn,
                            "pass" if redirects else "fail",
                            "HTTP redirects to HTTPS" if redirects else "plain HTTP listener",
                        )
                    )
        return findings


CHECKS: tuple[type[Check], ...] = (Tls12Listeners,)
