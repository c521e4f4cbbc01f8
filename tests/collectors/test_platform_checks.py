"""EC2/VPC, RDS, DynamoDB, ELBv2 and Lambda checks against a seeded moto account: a pass and a fail each."""

from __future__ import annotations

import io
import zipfile

import pytest
from moto.backends import get_backend

from tests.collectors.conftest import ACCOUNT, REGION, client, make_api, results
from workbench.collectors.aws.checks import dynamodb, ec2, elbv2, lambda_, rds


def _vpc(cidr: str) -> str:
    return str(client("ec2").create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])


def _vpc_arn(vpc_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc_id}"


@pytest.mark.usefixtures("aws")
def test_ebs_default_encryption() -> None:
    resource = f"arn:aws:ec2:{REGION}:{ACCOUNT}:ebs-default-encryption"
    assert results(ec2.EbsDefaultEncryption) == {resource: "fail"}
    client("ec2").enable_ebs_encryption_by_default()
    assert results(ec2.EbsDefaultEncryption) == {resource: "pass"}


@pytest.mark.usefixtures("aws")
def test_vpc_flow_logs_per_vpc() -> None:
    logged, bare = _vpc("10.1.0.0/16"), _vpc("10.2.0.0/16")
    client("s3").create_bucket(Bucket="flow-logs-bucket")
    client("ec2").create_flow_logs(
        ResourceIds=[logged],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::flow-logs-bucket",
    )
    found = results(ec2.VpcFlowLogs)
    assert found[_vpc_arn(logged)] == "pass"
    assert found[_vpc_arn(bare)] == "fail"


@pytest.mark.usefixtures("aws")
def test_security_groups_with_open_admin_ports() -> None:
    ec2_client = client("ec2")
    vpc = _vpc("10.3.0.0/16")
    open_ssh = ec2_client.create_security_group(GroupName="open-ssh", Description="x", VpcId=vpc)["GroupId"]
    ec2_client.authorize_security_group_ingress(
        GroupId=open_ssh,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 20, "ToPort": 25, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    open_rdp6 = ec2_client.create_security_group(GroupName="open-rdp", Description="x", VpcId=vpc)["GroupId"]
    ec2_client.authorize_security_group_ingress(
        GroupId=open_rdp6,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    )
    closed = ec2_client.create_security_group(GroupName="web", Description="x", VpcId=vpc)["GroupId"]
    ec2_client.authorize_security_group_ingress(
        GroupId=closed,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    findings = {f.resource: f for f in ec2.SecurityGroupsNoOpenAdminPorts().evaluate(make_api())}
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/"
    assert findings[arn + open_ssh].result == "fail" and findings[arn + open_ssh].message == "port 22 open to 0.0.0.0/0"
    assert findings[arn + open_rdp6].result == "fail" and findings[arn + open_rdp6].message == "port 3389 open to ::/0"
    assert findings[arn + closed].result == "pass"


@pytest.mark.usefixtures("aws")
def test_vpc_endpoints_for_s3_and_dynamodb() -> None:
    ec2_client = client("ec2")
    both, half = _vpc("10.4.0.0/16"), _vpc("10.5.0.0/16")
    for vpc, services in ((both, ("s3", "dynamodb")), (half, ("s3",))):
        for service in services:
            ec2_client.create_vpc_endpoint(
                VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{service}", VpcEndpointType="Gateway"
            )
    findings = {f.resource: f for f in ec2.VpcEndpointsS3DynamoDb().evaluate(make_api())}
    assert findings[_vpc_arn(both)].result == "pass"
    assert findings[_vpc_arn(half)].result == "fail" and findings[_vpc_arn(half)].message == "no endpoint for DynamoDB"


@pytest.mark.usefixtures("aws")
def test_ec2_data_is_fetched_once_for_all_checks() -> None:
    api = make_api()
    for check in ec2.CHECKS:
        check().evaluate(api)
    assert [r.operation for r in api.records].count("describe_vpcs") == 1


def _db(name: str, **options: object) -> str:
    answer = client("rds").create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="correct-horse-battery",
        AllocatedStorage=20,
        **options,
    )
    return str(answer["DBInstance"]["DBInstanceArn"])


@pytest.mark.usefixtures("aws")
def test_rds_checks_judge_each_instance() -> None:
    good = _db("good", StorageEncrypted=True, PubliclyAccessible=False, BackupRetentionPeriod=14, MultiAZ=True)
    bad = _db("bad", StorageEncrypted=False, PubliclyAccessible=True, BackupRetentionPeriod=1, MultiAZ=False)
    for check in rds.CHECKS:
        assert results(check) == {good: "pass", bad: "fail"}, check.id
    api = make_api()
    for check in rds.CHECKS:
        check().evaluate(api)
    assert [r.operation for r in api.records].count("describe_db_instances") == 1


def _table(name: str, **options: object) -> str:
    answer = client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **options,
    )
    return str(answer["TableDescription"]["TableArn"])


@pytest.mark.usefixtures("aws")
def test_dynamodb_cmk_encryption_and_pitr() -> None:
    key = client("kms").create_key(Description="tables")["KeyMetadata"]["Arn"]
    cmk = _table("cmk", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
    default = _table("default")
    client("dynamodb").update_continuous_backups(
        TableName="cmk", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    assert results(dynamodb.CmkEncryption) == {cmk: "pass", default: "fail"}
    assert results(dynamodb.PitrEnabled) == {cmk: "pass", default: "fail"}


@pytest.mark.usefixtures("aws")
def test_dynamodb_aws_managed_key_is_not_a_customer_key() -> None:
    key = client("kms").create_key(Description="aws managed")["KeyMetadata"]
    get_backend("kms")[ACCOUNT][REGION].keys[key["KeyId"]].key_manager = "AWS"
    table = _table("managed", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key["Arn"]})
    assert results(dynamodb.CmkEncryption) == {table: "fail"}


@pytest.mark.usefixtures("aws")
def test_elbv2_listeners_need_tls12_or_a_redirect() -> None:
    ec2_client = client("ec2")
    vpc = _vpc("10.6.0.0/16")
    subnets = [
        ec2_client.create_subnet(VpcId=vpc, CidrBlock=f"10.6.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in ((1, "a"), (2, "b"))
    ]
    elb = client("elbv2")
    balancer = elb.create_load_balancer(Name="web", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    target = elb.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0][
        "TargetGroupArn"
    ]
    cert = client("acm").request_certificate(DomainName="example.test")["CertificateArn"]
    forward = [{"Type": "forward", "TargetGroupArn": target}]

    def listener(**kwargs: object) -> str:
        return str(elb.create_listener(LoadBalancerArn=balancer, **kwargs)["Listeners"][0]["ListenerArn"])

    modern = listener(
        Protocol="HTTPS",
        Port=443,
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates=[{"CertificateArn": cert}],
        DefaultActions=forward,
    )
    legacy = listener(
        Protocol="HTTPS",
        Port=8443,
        SslPolicy="ELBSecurityPolicy-2016-08",
        Certificates=[{"CertificateArn": cert}],
        DefaultActions=forward,
    )
    redirect = listener(
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
        ],
    )
    plain = listener(Protocol="HTTP", Port=8080, DefaultActions=forward)
    assert results(elbv2.Tls12Listeners) == {modern: "pass", legacy: "fail", redirect: "pass", plain: "fail"}


def _function(name: str, runtime: str) -> str:
    role = client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("index.py", "def handler(event, context):\n    return 1\n")
    answer = client("lambda").create_function(
        FunctionName=name, Runtime=runtime, Role=role, Handler="index.handler", Code={"ZipFile": archive.getvalue()}
    )
    return str(answer["FunctionArn"])


@pytest.mark.usefixtures("aws")
def test_lambda_runtimes() -> None:
    current = _function("current", "python3.12")
    old = _function("old", "python3.7")
    assert results(lambda_.SupportedRuntimes) == {current: "pass", old: "fail"}
