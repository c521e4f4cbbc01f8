"""EC2 and VPC checks: EBS encryption by default, flow logs, admin ports, private endpoints for S3 and DynamoDB."""

from __future__ import annotations

from typing import Any

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding

ADMIN_PORTS = (22, 3389)
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def _vpc_arn(api: AwsApi, vpc_id: str) -> str:
    return f"arn:aws:ec2:{api.region}:{api.account}:vpc/{vpc_id}"


def _vpcs(api: AwsApi) -> list[dict[str, Any]]:
    return api.paginate("ec2", "describe_vpcs", "Vpcs")


class EbsDefaultEncryption(Check):
    id = "aws.ec2.ebs_default_encryption"
    title = "New EBS volumes are encrypted by default"
    severity = "high"
    service = "ec2"
    calls = ("ec2:GetEbsEncryptionByDefault",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        enabled = bool(api.call("ec2", "get_ebs_encryption_by_default").get("EbsEncryptionByDefault"))
        resource = f"arn:aws:ec2:{api.region}:{api.account}:ebs-default-encryption"
        return [
            Finding(
                resource,
                "pass" if enabled else "fail",
                "EBS encryption by default is on" if enabled else "EBS encryption by default is off",
            )
        ]


class VpcFlowLogs(Check):
    id = "aws.ec2.vpc_flow_logs"
    title = "Every VPC has flow logs"
    severity = "medium"
    service = "ec2"
    calls = ("ec2:DescribeVpcs", "ec2:DescribeFlowLogs")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        logged = {f.get("ResourceId") for f in api.paginate("ec2", "describe_flow_logs", "FlowLogs")}
        return [
            Finding(
                _vpc_arn(api, vpc["VpcId"]),
                "pass" if vpc["VpcId"] in logged else "fail",
                "flow logs enabled" if vpc["VpcId"] in logged else "no flow log for this VPC",
            )
            for vpc in _vpcs(api)
        ]


def _open_admin_port(permission: dict[str, Any]) -> tuple[int, str] | None:
    protocol = str(permission.get("IpProtocol", ""))
    if protocol not in ("tcp", "-1", "6"):
        return None
    low = permission.get("FromPort", 0) if protocol != "-1" else 0
    high = permission.get("ToPort", 65535) if protocol != "-1" else 65535
    cidrs = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
    cidrs += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
    for port in ADMIN_PORTS:
        if low <= port <= high:
            for cidr in cidrs:
                if cidr in OPEN_CIDRS:
                    return port, str(cidr)
    return None


class SecurityGroupsNoOpenAdminPorts(Check):
    id = "aws.ec2.sg_no_open_admin_ports"
    title = "No security group allows SSH (22) or RDP (3389) from the internet"
    severity = "high"
    service = "ec2"
    calls = ("ec2:DescribeSecurityGroups",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for group in api.paginate("ec2", "describe_security_groups", "SecurityGroups"):
            resource = f"arn:aws:ec2:{api.region}:{api.account}:security-group/{group['GroupId']}"
            open_rules = [hit for p in group.get("IpPermissions", []) if (hit := _open_admin_port(p))]
            if open_rules:
                port, cidr = open_rules[0]
                findings.append(Finding(resource, "fail", f"port {port} open to {cidr}"))
            else:
                findings.append(Finding(resource, "pass", "no admin port open to the internet"))
        return findings


class VpcEndpointsS3DynamoDb(Check):
    id = "aws.ec2.vpc_endpoints_s3_dynamodb"
    title = "VPCs reach S3 and DynamoDB through VPC endpoints"
    severity = "low"
    service = "ec2"
    calls = ("ec2:DescribeVpcs", "ec2:DescribeVpcEndpoints")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        endpoints: dict[str, set[str]] = {}
        for endpoint in api.paginate("ec2", "describe_vpc_endpoints", "VpcEndpoints"):
            endpoints.setdefault(endpoint.get("VpcId", ""), set()).add(str(endpoint.get("ServiceName", "")))
        wanted = {f"com.amazonaws.{api.region}.s3": "S3", f"com.amazonaws.{api.region}.dynamodb": "DynamoDB"}
        findings = []
        for vpc in _vpcs(api):
            missing = [name for service, name in wanted.items() if service not in endpoints.get(vpc["VpcId"], set())]
            findings.append(
                Finding(
                    _vpc_arn(api, vpc["VpcId"]),
                    "fail" if missing else "pass",
                    f"no endpoint for {' and '.join(missing)}" if missing else "endpoints for S3 and DynamoDB",
                )
            )
        return findings


CHECKS: tuple[type[Check], ...] = (
    EbsDefaultEncryption,
    VpcFlowLogs,
    SecurityGroupsNoOpenAdminPorts,
    VpcEndpointsS3DynamoDb,
)
