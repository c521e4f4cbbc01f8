"""Credentials and clients: boto3's standard chain, assumed roles, retries and timeouts that keep a run bounded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from workbench.collectors.aws.api import call_error
from workbench.errors import InputError, WorkbenchError

ROLE_SESSION_NAME = "workbench-collect"


@dataclass(frozen=True)
class Timeouts:
    """How long one call may take: an unreachable endpoint costs seconds, not minutes."""

    connect: float = 3.0
    read: float = 10.0
    max_attempts: int = 4


class ClientMaker:
    """Makes boto3 clients for every account from one botocore session.

    Sharing the session shares its loader, so each service model is read once per run instead of once per account
    and task: memory stays flat as accounts are added, and client creation stops dominating the run. botocore
    sessions are not thread-safe, so creation is serialised; the clients themselves are.
    """

    def __init__(self, session: boto3.Session, config: Config) -> None:
        self.session = session
        self.config = config
        self._lock = threading.Lock()

    def create(self, service: str, region: str, credentials: dict[str, str] | None) -> Any:
        """A client of ``service`` in ``region``, with ``credentials`` or else the base session's own."""
        with self._lock:
            if credentials is None:
                return self.session.client(service, region_name=region, config=self.config)
            return self.session.client(service, region_name=region, config=self.config, **credentials)


@dataclass
class AccountSession:
    """One account to collect from: the caller's own credentials, or a role assumed into another account."""

    account_id: str
    label: str
    maker: ClientMaker
    #: temporary credentials of an assumed role (memory only); None for the caller's own chain
    credentials: dict[str, str] | None = None

    @property
    def config(self) -> Config:
        """The botocore settings every client of the run uses."""
        return self.maker.config

    def client_factory(self, region: str) -> Callable[[str], Any]:
        """Return a function that makes clients of this account in ``region``."""

        def make(service: str) -> Any:
            return self.maker.create(service, region, self.credentials)

        return make


def client_config(timeouts: Timeouts, pool_size: int) -> Config:
    """botocore settings: adaptive retries (throttling recovers), bounded timeouts, a pool as big as ours."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": timeouts.max_attempts},
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        max_pool_connections=max(10, pool_size),
        user_agent_extra="compliance-evidence-workbench",
    )


def open_base_session(profile: str | None, region: str | None) -> boto3.Session:
    """A session from boto3's standard chain (profile, environment, SSO, instance role).

    Raises:
        InputError: the named profile does not exist.
    """
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except BotoCoreError as exc:
        raise InputError(f"AWS profile {profile!r}: {exc}") from None


def identify(maker: ClientMaker, label: str, credentials: dict[str, str] | None = None) -> AccountSession:
    """Ask STS which account a set of credentials belongs to.

    Raises:
        WorkbenchError: no credentials, or they are refused.
    """
    region = maker.session.region_name or "us-east-1"
    try:
        identity = maker.create("sts", region, credentials).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        failure = call_error("GetCallerIdentity", exc)
        raise WorkbenchError(
            f"AWS credentials for {label} do not work ({failure.code}: {failure.message}); "
            "check --profile, the environment or your SSO login"
        ) from None
    return AccountSession(str(identity["Account"]), label, maker, credentials)


def assume_role(base: AccountSession, role_arn: str, external_id: str | None = None) -> AccountSession:
    """Assume ``role_arn`` from the base credentials; the temporary credentials stay in memory only.

    Raises:
        WorkbenchError: the role cannot be assumed.
    """
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": ROLE_SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id
    region = base.maker.session.region_name or "us-east-1"
    try:
        answer = base.client_factory(region)("sts").assume_role(**params)
    except (ClientError, BotoCoreError) as exc:
        failure = call_error("AssumeRole", exc)
        raise WorkbenchError(f"cannot assume {role_arn}: {failure.code}: {failure.message}") from None
    credentials = answer["Credentials"]
    temporary = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    return identify(base.maker, role_arn, temporary)


def enabled_regions(account: AccountSession) -> list[str]:
    """The regions enabled for an account (opt-in regions only when opted in).

    Raises:
        WorkbenchError: the call fails; name regions with --regions instead.
    """
    region = account.maker.session.region_name or "us-east-1"
    try:
        answer = account.client_factory(region)("ec2").describe_regions(AllRegions=False)
    except (ClientError, BotoCoreError) as exc:
        failure = call_error("DescribeRegions", exc)
        raise WorkbenchError(
            f"cannot list the enabled regions of {account.account_id} ({failure.code}); name them with --regions"
        ) from None
    return sorted(r["RegionName"] for r in answer["Regions"])
