"""IAM checks against a seeded moto account: one passing and one failing resource (or state) each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from moto.backends import get_backend

from tests.collectors.conftest import ACCOUNT, client, evaluate, make_api, results
from workbench.collectors.aws.checks import iam

ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _summary_backend():  # type: ignore[no-untyped-def]
    return get_backend("iam")[ACCOUNT]["global"].account_summary


@pytest.mark.usefixtures("aws")
def test_root_mfa_and_root_access_keys() -> None:
    assert results(iam.RootMfaEnabled) == {ROOT: "fail"}
    assert results(iam.RootNoAccessKeys) == {ROOT: "pass"}
    # moto cannot enable root MFA or create root keys through the API: seed the fake account's summary instead.
    summary = _summary_backend()
    summary._account_mfa_enabled = 1
    summary._account_access_keys_present = 1
    assert results(iam.RootMfaEnabled) == {ROOT: "pass"}
    assert results(iam.RootNoAccessKeys) == {ROOT: "fail"}


@pytest.mark.usefixtures("aws")
def test_password_policy() -> None:
    resource = f"arn:aws:iam::{ACCOUNT}:account-password-policy"
    assert evaluate(iam.PasswordPolicyStrong)[0].message == "no password policy is set"
    iam_client = client("iam")
    iam_client.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=True)
    weak = evaluate(iam.PasswordPolicyStrong)
    assert weak[0].result == "fail" and "minimum length 8 < 14" in weak[0].message
    iam_client.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        PasswordReusePrevention=24,
    )
    assert results(iam.PasswordPolicyStrong) == {resource: "pass"}


def _user(name: str, *, password: bool = False, mfa: bool = False, key: bool = False) -> str:
    iam_client = client("iam")
    arn = iam_client.create_user(UserName=name)["User"]["Arn"]
    if password:
        iam_client.create_login_profile(UserName=name, Password="Correct-Horse-9!")
    if mfa:
        serial = iam_client.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam_client.enable_mfa_device(
            UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    if key:
        iam_client.create_access_key(UserName=name)
    return str(arn)


@pytest.mark.usefixtures("aws")
def test_console_users_mfa() -> None:
    with_mfa = _user("alice", password=True, mfa=True)
    without = _user("bob", password=True)
    _user("robot", key=True)  # no console password: not judged
    assert results(iam.ConsoleUsersMfa) == {with_mfa: "pass", without: "fail"}


@pytest.mark.usefixtures("aws")
def test_access_keys_rotated_and_unused_credentials() -> None:
    fresh = _user("fresh", key=True)
    old = _user("old", key=True)
    backend = get_backend("iam")[ACCOUNT]["global"]
    long_ago = datetime.now(UTC) - timedelta(days=200)
    for key in backend.users["old"].access_keys:
        key.create_date = long_ago
    assert results(iam.AccessKeysRotated90d) == {f"{fresh}/access-key-1": "pass", f"{old}/access-key-1": "fail"}
    unused = results(iam.UnusedCredentialsDisabled)
    assert unused == {fresh: "pass", old: "fail"}


@pytest.mark.usefixtures("aws")
def test_no_user_admin_policy_and_iam_users_inventory() -> None:
    iam_client = client("iam")
    assert evaluate(iam.NoIamUsers)[0].message == "no IAM users: access is through SSO or roles only"
    admin = _user("admin")
    plain = _user("plain")
    # moto does not preload AWS-managed policies: attach by the managed ARN the check looks for.
    backend = get_backend("iam")[ACCOUNT]["global"]
    from moto.iam.models import AWSManagedPolicy

    managed = AWSManagedPolicy.from_data(
        "AdministratorAccess",
        ACCOUNT,
        "aws",
        {
            "DefaultVersionId": "v1",
            "Path": "/",
            "AttachmentCount": 0,
            "CreateDate": "2015-02-06T18:39:46Z",
            "UpdateDate": "2015-02-06T18:39:46Z",
            "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        },
    )
    backend.managed_policies[managed.arn] = managed
    iam_client.attach_user_policy(UserName="admin", PolicyArn=iam.ADMIN_POLICY_ARN)
    assert results(iam.NoUserAdminPolicy) == {admin: "fail", plain: "pass"}
    inventory = evaluate(iam.NoIamUsers)[0]
    assert inventory.result == "info" and inventory.message == "2 IAM user(s): admin, plain"


@pytest.mark.usefixtures("aws")
def test_credential_report_is_fetched_once_for_all_checks() -> None:
    _user("carol", password=True, key=True)
    api = make_api()
    for check in (iam.ConsoleUsersMfa, iam.AccessKeysRotated90d, iam.UnusedCredentialsDisabled):
        check().evaluate(api)
    operations = [r.operation for r in api.records]
    assert operations.count("get_credential_report") == 1
