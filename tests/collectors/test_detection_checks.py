"""GuardDuty, Config, Security Hub, CloudWatch Logs, Secrets Manager, Cognito and Backup checks against moto."""

from __future__ import annotations

import pytest
from moto.backends import get_backend

from tests.collectors.conftest import ACCOUNT, REGION, client, evaluate, make_api, results
from workbench.collectors.aws.checks import backup, cognito, config, guardduty, logs, secretsmanager, securityhub

OTHER = "eu-west-1"


@pytest.mark.usefixtures("aws")
def test_guardduty_per_region() -> None:
    detector = client("guardduty").create_detector(Enable=True)["DetectorId"]
    assert results(guardduty.Enabled) == {f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/{detector}": "pass"}
    assert results(guardduty.Enabled, OTHER) == {f"arn:aws:guardduty:{OTHER}:{ACCOUNT}:detector": "fail"}


@pytest.mark.usefixtures("aws")
def test_config_recorder_per_region() -> None:
    config_client = client("config")
    config_client.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config_client.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"})
    recorder = f"arn:aws:config:{REGION}:{ACCOUNT}:config-recorder/default"
    stopped = evaluate(config.RecorderOn)
    assert [(f.resource, f.result, f.message) for f in stopped] == [(recorder, "fail", "recorder is stopped")]
    config_client.start_configuration_recorder(ConfigurationRecorderName="default")
    assert results(config.RecorderOn) == {recorder: "pass"}
    assert results(config.RecorderOn, OTHER) == {f"arn:aws:config:{OTHER}:{ACCOUNT}:config-recorder": "fail"}


@pytest.mark.usefixtures("aws")
def test_security_hub_per_region() -> None:
    client("securityhub").enable_security_hub()
    assert list(results(securityhub.Enabled).values()) == ["pass"]
    assert results(securityhub.Enabled, OTHER) == {f"arn:aws:securityhub:{OTHER}:{ACCOUNT}:hub/default": "fail"}


@pytest.mark.usefixtures("aws")
def test_log_groups_retention_and_encryption() -> None:
    logs_client = client("logs")
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    logs_client.create_log_group(logGroupName="/app/good", kmsKeyId=key)
    logs_client.put_retention_policy(logGroupName="/app/good", retentionInDays=365)
    logs_client.create_log_group(logGroupName="/app/bad")
    good = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/good"
    bad = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/bad"
    assert results(logs.RetentionSet) == {good: "pass", bad: "fail"}
    assert results(logs.KmsEncryption) == {good: "pass", bad: "fail"}
    api = make_api()
    for check in logs.CHECKS:
        check().evaluate(api)
    assert [r.operation for r in api.records].count("describe_log_groups") == 1


@pytest.mark.usefixtures("aws")
def test_secrets_rotation() -> None:
    secrets = client("secretsmanager")
    rotated = secrets.create_secret(Name="rotated", SecretString="s")["ARN"]
    # moto's rotate_secret invokes the rotation Lambda (which needs Docker): seed the fake account's state instead.
    for secret in get_backend("secretsmanager")[ACCOUNT][REGION].secrets.values():
        if secret.name == "rotated":
            secret.rotation_requested = True
            secret.rotation_enabled = True
            secret.auto_rotate_after_days = 30
    static = secrets.create_secret(Name="static", SecretString="s")["ARN"]
    assert results(secretsmanager.RotationEnabled) == {rotated: "pass", static: "fail"}


@pytest.mark.usefixtures("aws")
def test_cognito_user_pool_mfa() -> None:
    idp = client("cognito-idp")
    strict = idp.create_user_pool(PoolName="strict")["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=strict, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    loose = idp.create_user_pool(PoolName="loose")["UserPool"]["Id"]
    arn = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/"
    findings = {f.resource: f for f in evaluate(cognito.UserPoolMfa)}
    assert findings[arn + strict].result == "pass"
    assert findings[arn + loose].result == "fail" and findings[arn + loose].message == "MFA off"


@pytest.mark.usefixtures("aws")
def test_backup_plan_with_rules_per_region() -> None:
    plan = client("backup").create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [
                {"RuleName": "daily", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(0 5 * * ? *)"}
            ],
        }
    )
    assert results(backup.PlanWithRules) == {plan["BackupPlanArn"]: "pass"}
    assert results(backup.PlanWithRules, OTHER) == {f"arn:aws:backup:{OTHER}:{ACCOUNT}:backup-plans": "fail"}
