"""Credentials and clients: boto3's standard chain, assumed roles, retries and timeouts that keep a run bounded."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, Credentials, ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from workbench.collectors.aws.api import call_error
from workbench.errors import InputError, WorkbenchError

ROLE_SESSION_NAME = "workbench-collect"


@dataclass(frozen=True)
class Timeouts:
    """How long one call may take: an unreachable endpoint costs seconds, not minutes."""

    connect: float = 3.0
    read: float = 10.0
    max_attempts: int = 4


class BoundCredentials(Credentials):  # type: ignore[misc]  # botocore ships no types
    """The credentials of every shared client: those of the account the calling thread is bound to.

    A botocore client is tied to one service and region, not to an account: it signs each request in the thread
    that makes the call, with ``get_frozen_credentials()``. So one client per service and region serves every
    account, and a task binds its account's credentials to its thread for the time it runs. A call from a thread
    bound to nothing fails with ``NoCredentialsError`` (recorded as an error): it can never fall back to another
    account's credentials.
    """

    METHOD = "custom-workbench-bound"

    def __init__(self) -> None:  # no super().__init__: every attribute is the bound account's
        self.method = self.METHOD
        self._local = threading.local()

    @contextmanager
    def bound(self, credentials: Credentials | None) -> Iterator[None]:
        """Sign this thread's calls with ``credentials`` inside the block (None: no credentials at all)."""
        previous = getattr(self._local, "credentials", None)
        self._local.credentials = credentials
        try:
            yield
        finally:
            self._local.credentials = previous

    def current(self) -> Credentials:
        """The credentials bound to the calling thread.

        Raises:
            NoCredentialsError: the thread is bound to no account.
        """
        credentials: Credentials | None = getattr(self._local, "credentials", None)
        if credentials is None:
            raise NoCredentialsError()
        return credentials

    # botocore reads these names; each answers for the bound account
    access_key = property(lambda self: self.current().access_key)
    secret_key = property(lambda self: self.current().secret_key)
    token = property(lambda self: self.current().token)
    account_id = property(lambda self: self.current().account_id)

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        """The bound account's credentials as botocore signs with them (refreshed when they are refreshable)."""
        return self.current().get_frozen_credentials()

    def get_deferred_property(self, property_name: str) -> Callable[[], Any]:
        """A property of whichever account is bound when botocore asks (endpoint rules ask for the account id)."""
        return lambda: getattr(self.current(), property_name, None)


class _BoundProvider(CredentialProvider):  # type: ignore[misc]
    """Hands botocore the BoundCredentials as the session's credentials."""

    METHOD = BoundCredentials.METHOD
    CANONICAL_NAME = "custom-workbench-bound"

    def __init__(self, credentials: BoundCredentials) -> None:
        super().__init__()
        self.credentials = credentials

    def load(self) -> BoundCredentials:
        return self.credentials


@dataclass(frozen=True)
class BaseSession:
    """The caller's boto3 session, and the botocore session that makes the run's shared clients from it.

    ``core`` has the caller's settings (profile, region, endpoint and retry configuration) and the very same event
    hooks (a handler registered on ``session.events`` applies to the run's clients), but its clients sign with
    BoundCredentials. ``own`` are the caller's credentials, resolved once.
    """

    session: boto3.Session
    core: botocore.session.Session
    own: Credentials | None
    bound: BoundCredentials

    @classmethod
    def of(cls, session: boto3.Session) -> BaseSession:
        """Wrap any boto3 session (``open_base_session`` makes one from a profile).

        Raises:
            InputError: the session's profile does not exist, or its credentials cannot be read.
        """
        profile = session.profile_name
        try:
            own = session.get_credentials()
            named = profile if profile in session.available_profiles else None  # boto3 says "default" for none
        except BotoCoreError as exc:
            raise InputError(f"AWS profile {profile!r}: {exc}") from None
        # The caller's session already registered botocore's built-in handlers on its event hooks.
        core = botocore.session.Session(event_hooks=session.events, include_builtin_handlers=False, profile=named)
        if session.region_name:
            core.set_config_variable("region", session.region_name)
        bound = BoundCredentials()
        core.register_component("credential_provider", CredentialResolver([_BoundProvider(bound)]))
        return cls(session, core, own, bound)


def open_base_session(profile: str | None, region: str | None) -> BaseSession:
    """A session from boto3's standard chain (profile, environment, SSO, instance role).

    Raises:
        InputError: the named profile does not exist, or its credentials cannot be read.
    """
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except BotoCoreError as exc:
        raise InputError(f"AWS profile {profile!r}: {exc}") from None
    return BaseSession.of(session)


class ClientMaker:
    """One boto3 client per service and region, shared by every account and task of a run.

    A client costs milliseconds of CPU to build (botocore copies the session's event hooks and makes a class with a
    method per operation), more than most tasks spend on their calls; sharing makes that a fixed cost of the
    services and regions selected, whatever the number of accounts, and shares connection pools too. Each client
    signs with the credentials its calling thread is bound to. botocore sessions are not thread-safe, so creation
    is serialised; the clients themselves are.
    """

    def __init__(self, base: BaseSession, config: Config) -> None:
        self.base = base
        self.config = config
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        """The shared client of ``service`` in ``region`` (made on first use)."""
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = self.base.core.create_client(service, region_name=region, config=self.config)
                    self._clients[key] = client
                    # The client and its service model live as long as the run: the garbage collector need not
                    # walk them again at every full collection. execute() thaws everything when the run ends.
                    gc.freeze()
        return client

    @property
    def clients_made(self) -> int:
        """How many clients were made so far."""
        return len(self._clients)


@dataclass
class AccountSession:
    """One account to collect from: the caller's own credentials, or a role assumed into another account."""

    account_id: str
    label: str
    maker: ClientMaker
    #: temporary credentials of an assumed role (memory only); None for the caller's own chain
    credentials: Credentials | None = None

    @property
    def config(self) -> Config:
        """The botocore settings every client of the run uses."""
        return self.maker.config

    def bound(self) -> AbstractContextManager[None]:
        """Inside the block, this thread's calls through the shared clients act as this account."""
        return self.maker.base.bound.bound(self.credentials or self.maker.base.own)

    def client_factory(self, region: str) -> Callable[[str], Any]:
        """Return a function that gives the shared clients in ``region``; call them inside ``bound()``."""

        def make(service: str) -> Any:
            return self.maker.client(service, region)

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


def identify(maker: ClientMaker, label: str, credentials: Credentials | None = None) -> AccountSession:
    """Ask STS which account a set of credentials (None: the caller's own) belongs to.

    Raises:
        WorkbenchError: no credentials, or they are refused.
    """
    account = AccountSession("", label, maker, credentials)
    try:
        with account.bound():
            identity = maker.client("sts", _home_region(maker)).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        failure = call_error("GetCallerIdentity", exc)
        raise WorkbenchError(
            f"AWS credentials for {label} do not work ({failure.code}: {failure.message}); "
            "check --profile, the environment or your SSO login"
        ) from None
    account.account_id = str(identity["Account"])
    return account


def assume_role(base: AccountSession, role_arn: str, external_id: str | None = None) -> AccountSession:
    """Assume ``role_arn`` from the base credentials; the temporary credentials stay in memory only.

    Raises:
        WorkbenchError: the role cannot be assumed.
    """
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": ROLE_SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id
    try:
        with base.bound():
            answer = base.maker.client("sts", _home_region(base.maker)).assume_role(**params)
    except (ClientError, BotoCoreError) as exc:
        failure = call_error("AssumeRole", exc)
        raise WorkbenchError(f"cannot assume {role_arn}: {failure.code}: {failure.message}") from None
    credentials = answer["Credentials"]
    temporary = Credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    return identify(base.maker, role_arn, temporary)


def enabled_regions(account: AccountSession) -> list[str]:
    """The regions enabled for an account (opt-in regions only when opted in).

    Raises:
        WorkbenchError: the call fails; name regions with --regions instead.
    """
    try:
        with account.bound():
            answer = account.maker.client("ec2", _home_region(account.maker)).describe_regions(AllRegions=False)
    except (ClientError, BotoCoreError) as exc:
        failure = call_error("DescribeRegions", exc)
        raise WorkbenchError(
            f"cannot list the enabled regions of {account.account_id} ({failure.code}); name them with --regions"
        ) from None
    return sorted(r["RegionName"] for r in answer["Regions"])


def _home_region(maker: ClientMaker) -> str:
    """Where the run's own calls (STS, DescribeRegions) go: the session's region, else us-east-1."""
    return maker.base.session.region_name or "us-east-1"
