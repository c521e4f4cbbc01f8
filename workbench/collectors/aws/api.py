"""The AWS API as checks see it: each call made once per account, region and service, answered from a cache
afterwards, and every response kept so the evidence can carry exactly what was observed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

#: error codes that mean the endpoint itself could not be reached in time
TRANSPORT_ERRORS = frozenset({"EndpointUnreachable", "ReadTimeout"})


class AwsCallError(Exception):
    """An AWS call failed; ``code`` is the AWS error code (AccessDenied, Throttling, ...) or a transport failure."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message


@dataclass
class CallRecord:
    """One call as made: what was asked and what came back (or the error)."""

    service: str
    operation: str
    params: dict[str, Any]
    response: Any = None
    error: dict[str, str] | None = None


@dataclass
class AwsApi:
    """Cached, recorded access to one account in one region.

    ``client_factory(service)`` returns a boto3 client for this region; in a run it is shared by every account and
    signs as the account bound to the calling thread (``AccountSession.bound()``, see BoundCredentials). One
    ``AwsApi`` is used by one worker thread at a time.
    """

    account: str
    region: str
    client_factory: Callable[[str], Any]
    records: list[CallRecord] = field(default_factory=list)
    _clients: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)
    _derived: dict[str, Any] = field(default_factory=dict)
    #: per service, the first transport failure (timeout, unreachable): later calls to that service's endpoint
    #: fail fast with it instead of waiting out the timeouts again
    _unreachable: dict[str, AwsCallError] = field(default_factory=dict)
    calls_made: int = 0

    def cached(self, name: str) -> Any:
        """A value a check derived and remembered for the other checks of this task, or None."""
        return self._derived.get(name)

    def remember(self, name: str, value: Any) -> None:
        """Keep a derived value (a parsed report, say) for the other checks of this task."""
        self._derived[name] = value

    def client(self, service: str) -> Any:
        """The boto3 client of a service (created once)."""
        if service not in self._clients:
            self._clients[service] = self.client_factory(service)
        return self._clients[service]

    def call(self, service: str, operation: str, **params: Any) -> Any:
        """Call ``operation`` (a boto3 method name) once; later identical calls return the same answer or error.

        Raises:
            AwsCallError: the call failed (also on every repeat of a failed call).
        """
        key = json.dumps([service, operation, params], sort_keys=True, default=str)
        if key in self._cache:
            cached = self._cache[key]
            if isinstance(cached, AwsCallError):
                raise cached
            return cached
        if service in self._unreachable:
            earlier = self._unreachable[service]
            raise AwsCallError(operation, earlier.code, f"skipped: {earlier.message}")
        record = CallRecord(service, operation, params)
        self.records.append(record)
        self.calls_made += 1
        try:
            response = getattr(self.client(service), operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            failure = self._note(service, call_error(operation, exc))
        else:
            response = _plain(response)
            if isinstance(response, dict):
                response.pop("ResponseMetadata", None)
            record.response = response
            self._cache[key] = response
            return response
        record.error = {"code": failure.code, "message": failure.message}
        self._cache[key] = failure
        raise failure

    def _note(self, service: str, failure: AwsCallError) -> AwsCallError:
        if failure.code in TRANSPORT_ERRORS:
            self._unreachable.setdefault(service, failure)
        return failure

    def call_fresh(self, service: str, operation: str, **params: Any) -> Any:
        """Call without the cache (for polling, such as waiting for a credential report); still recorded.

        Raises:
            AwsCallError: the call failed.
        """
        record = CallRecord(service, operation, params)
        self.records.append(record)
        self.calls_made += 1
        try:
            response = _plain(getattr(self.client(service), operation)(**params))
        except (ClientError, BotoCoreError) as exc:
            failure = call_error(operation, exc)
            record.error = {"code": failure.code, "message": failure.message}
            raise failure from None
        if isinstance(response, dict):
            response.pop("ResponseMetadata", None)
        record.response = response
        return response

    def paginate(self, service: str, operation: str, result_key: str, **params: Any) -> list[Any]:
        """Call a paginated operation to the end and return the concatenated ``result_key`` items (cached)."""
        key = json.dumps([service, operation, "paginate", result_key, params], sort_keys=True, default=str)
        if key in self._cache:
            cached = self._cache[key]
            if isinstance(cached, AwsCallError):
                raise cached
            return list(cached)
        if service in self._unreachable:
            earlier = self._unreachable[service]
            raise AwsCallError(operation, earlier.code, f"skipped: {earlier.message}")
        items: list[Any] = []
        token_params = dict(params)
        paginator = self.client(service).get_paginator(operation)
        record = CallRecord(service, operation, params)
        self.records.append(record)
        try:
            for page in paginator.paginate(**token_params):
                self.calls_made += 1
                items.extend(_plain(page.get(result_key, [])))
        except (ClientError, BotoCoreError) as exc:
            failure = self._note(service, call_error(operation, exc))
        else:
            record.response = {result_key: items}
            self._cache[key] = items
            return list(items)
        record.error = {"code": failure.code, "message": failure.message}
        self._cache[key] = failure
        raise failure

    def raw_json(self) -> bytes:
        """Every call made so far with its response or error, as canonical JSON bytes (the raw-evidence blob)."""
        body = [
            {
                "service": r.service,
                "operation": r.operation,
                "params": r.params,
                "response": r.response,
                "error": r.error,
            }
            for r in self.records
        ]
        return json.dumps(
            {"account": self.account, "region": self.region, "calls": body},
            sort_keys=True,
            indent=1,
            default=str,
        ).encode()


def call_error(operation: str, exc: ClientError | BotoCoreError) -> AwsCallError:
    """Turn what botocore raised into an AwsCallError with the AWS error code, or a transport failure's name."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return AwsCallError(operation, str(error.get("Code", "ClientError")), str(error.get("Message", "")))
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return AwsCallError(operation, "EndpointUnreachable", str(exc))
    if isinstance(exc, ReadTimeoutError):
        return AwsCallError(operation, "ReadTimeout", str(exc))
    return AwsCallError(operation, type(exc).__name__, str(exc))


def _plain(value: Any) -> Any:
    """Make a boto3 response JSON-ready: datetimes as ISO text, bytes and streams as descriptions."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
