"""boto3 access for the live checks: one session, one client per (service, region), botocore
standard retries with backoff, bounded timeouts, and a count of the API calls made.

Every call goes through `Clients.call` or `Clients.pages`, which turn any failure that
survives the retries (throttling, 5xx, timeouts, dropped connections, AccessDenied, missing
credentials) into `AwsFailure`, so that a caller can report what was not checked instead of
passing silently or raising a traceback. Error codes that mean "it does not exist" are data,
not failures: the caller names them in `absent=` and gets `None` back.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from . import LiveUnavailable

DEFAULT_CONNECT_TIMEOUT = 5.0   # seconds per attempt
DEFAULT_READ_TIMEOUT = 15.0
REASON_MAX = 200                # an AWS error message is cut to this many characters


class AwsFailure(Exception):
    """An AWS call that failed after botocore's retries; `describe()` says which and why."""

    def __init__(self, service: str, operation: str, region: str, reason: str) -> None:
        super().__init__(f"{service} {operation} in {region}: {reason}")
        self.service, self.operation, self.region, self.reason = service, operation, region, reason

    def describe(self) -> str:
        return f"{self.operation} ({self.service}, {self.region}) failed after retries: {self.reason}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        text = f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 3] + "..."


class Clients:
    """Thread-safe factory and caller. `max_attempts` is botocore's total attempts per call
    (None: botocore's default or the AWS_MAX_ATTEMPTS variable); `calls` counts API
    operations (not HTTP attempts) by "service.Operation"."""

    def __init__(self, *, profile: str | None = None, max_attempts: int | None = None,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                 read_timeout: float = DEFAULT_READ_TIMEOUT) -> None:
        try:
            self._session = boto3.Session(profile_name=profile)
        except ProfileNotFound as exc:
            raise LiveUnavailable(f"AWS profile not found: {exc}") from None
        except BotoCoreError as exc:   # a malformed ~/.aws/config and the like
            raise LiveUnavailable(f"AWS configuration unusable: {exc}") from None
        retries: dict = {"mode": "standard"}
        if max_attempts is not None:
            retries["total_max_attempts"] = max_attempts   # like AWS_MAX_ATTEMPTS: first try included
        self._config = Config(retries=retries, connect_timeout=connect_timeout,
                              read_timeout=read_timeout, user_agent_extra="elbtls")
        self._clients: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self._session.events.register("before-call", self._count)

    @property
    def default_region(self) -> str | None:
        """The region a Terraform provider without `region` would use (AWS_REGION, profile)."""
        return self._session.region_name

    def has_credentials(self) -> bool:
        try:
            return self._session.get_credentials() is not None
        except BotoCoreError:
            return False

    def _count(self, model, **_) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def total_calls(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def client(self, service: str, region: str):
        # boto3 sessions are not thread-safe; clients are, so only creation is locked.
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._session.client(service, region_name=region, config=self._config)
            return self._clients[key]

    def call(self, service: str, region: str, operation: str, *, absent: tuple[str, ...] = (),
             **params) -> dict | None:
        """Call `operation` (snake_case boto3 name); None when the error code is in `absent`."""
        try:
            return getattr(self.client(service, region), operation)(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in absent:
                return None
            raise AwsFailure(service, _camel(operation), region, _reason(exc)) from None
        except BotoCoreError as exc:
            raise AwsFailure(service, _camel(operation), region, _reason(exc)) from None

    def pages(self, service: str, region: str, operation: str, **params) -> Iterator[dict]:
        """Every page of a paginated operation; a failure on any page raises AwsFailure."""
        try:
            yield from self.client(service, region).get_paginator(operation).paginate(**params)
        except (ClientError, BotoCoreError) as exc:
            raise AwsFailure(service, _camel(operation), region, _reason(exc)) from None


def _camel(snake: str) -> str:
    return "".join(part.title() for part in snake.split("_"))
