"""Fixtures for checks: an in-process moto account, and a way to run one check against it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh in-process fake AWS with fake credentials; nothing leaves this process."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def client(service: str, region: str = REGION):  # type: ignore[no-untyped-def]
    """A boto3 client against the fake account."""
    return boto3.client(service, region_name=region)


def make_api(region: str = REGION) -> AwsApi:
    """The API wrapper a check gets during a run, for the fake account in ``region``."""
    session = boto3.Session(region_name=region)
    return AwsApi(ACCOUNT, region, lambda service: session.client(service, region_name=region))


def evaluate(check: type[Check], region: str = REGION) -> list[Finding]:
    """Run one check against the fake account."""
    return check().evaluate(make_api(region))


def results(check: type[Check], region: str = REGION) -> dict[str, str]:
    """Run one check; return resource -> result."""
    return {f.resource: f.result for f in evaluate(check, region)}
