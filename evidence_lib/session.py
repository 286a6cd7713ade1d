"""boto3 sessions and clients for every account in scope.

``account_sessions(aws)`` returns one ``AccountSession`` per account of the parameters: the
base session (profile or default credential chain) for an account without ``role_arn``,
else a session on credentials from ``sts:AssumeRole`` that refresh themselves before they
expire. ``AccountSession.client(service, region)`` returns a cached client configured with
adaptive retries, the timeouts of the parameters and the endpoint URL (the demo endpoint).

Region ``global`` stands for calls that have no region (STS, Artifact); they are sent to
``us-east-1`` (``us-gov-west-1`` for a GovCloud-only scope).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError
from botocore.session import Session as BotocoreSession

from evidence_lib import __version__
from evidence_lib.errors import CollectionError
from evidence_lib.params import AwsParams
from evidence_lib.regions import GLOBAL_REGION, global_endpoint_region

logger = logging.getLogger(__name__)

ROLE_SESSION_SECONDS = 3600

_CLIENTS: weakref.WeakKeyDictionary[boto3.Session, dict[tuple[object, ...], Any]] = (
    weakref.WeakKeyDictionary()
)
_CLIENTS_LOCK = threading.Lock()


def _endpoint_region(region: str, aws: AwsParams) -> str:
    return global_endpoint_region(aws.regions) if region == GLOBAL_REGION else region


def client_config(aws: AwsParams) -> Config:
    """Return the botocore configuration every client of a run uses.

    Parameters
    ----------
    aws
        The ``aws`` section of the parameters.

    Returns
    -------
    botocore.config.Config
        Adaptive retries with ``aws.max_attempts`` attempts in all, the connect and read
        timeouts, and ``evidence-lib/<version>`` appended to the user agent.
    """
    return Config(
        # NOTE: botocore's "max_attempts" counts retries only; "total_max_attempts" counts
        # every attempt, as max_attempts does in the AWS config file and in our parameters.
        retries={"mode": "adaptive", "total_max_attempts": aws.max_attempts},
        connect_timeout=aws.connect_timeout_seconds,
        read_timeout=aws.read_timeout_seconds,
        user_agent_extra=f"evidence-lib/{__version__}",
    )


def base_session(aws: AwsParams) -> boto3.Session:
    """Return a boto3 session on ``aws.profile``, or on the default credential chain."""
    try:
        return boto3.Session(profile_name=aws.profile) if aws.profile else boto3.Session()
    except BotoCoreError as exc:
        raise CollectionError(f"cannot open AWS profile {aws.profile!r}: {exc}") from None


def client(session: boto3.Session, service: str, region: str, aws: AwsParams) -> Any:
    """Return the botocore client for one service and region, created once per session.

    Parameters
    ----------
    session
        The boto3 session holding the account's credentials.
    service
        The boto3 service name, e.g. ``elasticache``.
    region
        An AWS region, or ``global`` for calls with no region (sent to ``us-east-1``).
    aws
        The ``aws`` section of the parameters (retries, timeouts, endpoint URL).

    Returns
    -------
    botocore.client.BaseClient
        A client cached per (session, service, region, client settings). Clients are
        thread-safe, sessions are not, so clients are created under a lock.
    """
    settings = (aws.endpoint_url, aws.max_attempts, aws.connect_timeout_seconds)
    key = (service, _endpoint_region(region, aws), *settings, aws.read_timeout_seconds)
    with _CLIENTS_LOCK:
        clients = _CLIENTS.setdefault(session, {})
        if key not in clients:
            clients[key] = session.client(
                service,
                region_name=key[1],
                endpoint_url=aws.endpoint_url,
                config=client_config(aws),
            )
        return clients[key]


def caller_identity(session: boto3.Session, aws: AwsParams) -> dict[str, str]:
    """Return ``Account``, ``Arn`` and ``UserId`` of the session (sts:GetCallerIdentity).

    Raises
    ------
    CollectionError
        When the credentials are missing, rejected, or the endpoint cannot be reached.
    """
    sts = client(session, "sts", GLOBAL_REGION, aws)
    try:
        answer = sts.get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        raise CollectionError(f"cannot establish the caller identity: {exc}") from None
    return {key: str(answer[key]) for key in ("Account", "Arn", "UserId")}


@dataclass
class AccountSession:
    """The boto3 session used for one account (``aws`` set by ``account_sessions``)."""

    account_id: str
    session: boto3.Session
    role_arn: str | None
    aws: AwsParams | None = None

    def client(self, service: str, region: str) -> Any:
        """Return the cached client of this account for ``service`` in ``region``."""
        if self.aws is None:
            raise CollectionError(f"account {self.account_id}: session has no AWS parameters")
        return client(self.session, service, region, self.aws)

    def identity(self) -> dict[str, str]:
        """Return the caller identity of this account's session."""
        if self.aws is None:
            raise CollectionError(f"account {self.account_id}: session has no AWS parameters")
        return caller_identity(self.session, self.aws)


def _assume_role(
    base: boto3.Session, role_arn: str, session_name: str, aws: AwsParams
) -> dict[str, str]:
    """Call sts:AssumeRole and return credentials in botocore's refresh format."""
    sts = client(base, "sts", GLOBAL_REGION, aws)
    try:
        answer = sts.assume_role(
            RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=ROLE_SESSION_SECONDS
        )
    except (BotoCoreError, ClientError) as exc:
        raise CollectionError(f"cannot assume role {role_arn}: {exc}") from None
    credentials = answer["Credentials"]
    expiry = credentials["Expiration"]
    return {
        "access_key": credentials["AccessKeyId"],
        "secret_key": credentials["SecretAccessKey"],
        "token": credentials["SessionToken"],
        "expiry_time": expiry.astimezone(dt.UTC).isoformat(),
    }


def role_session(
    base: boto3.Session, role_arn: str, session_name: str, aws: AwsParams
) -> boto3.Session:
    """Return a boto3 session on the role's credentials, refreshed before they expire.

    Parameters
    ----------
    base
        The session whose credentials may assume the role.
    role_arn
        The role to assume.
    session_name
        The RoleSessionName (visible in the account's CloudTrail).
    aws
        The ``aws`` section of the parameters.

    Returns
    -------
    boto3.Session
        A session whose credentials are renewed by AssumeRole when near expiry.

    Raises
    ------
    CollectionError
        When the role cannot be assumed (checked at once, not at first use).
    """
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=_assume_role(base, role_arn, session_name, aws),
        refresh_using=lambda: _assume_role(base, role_arn, session_name, aws),
        method="assume-role",
    )
    core = BotocoreSession()
    core._credentials = credentials  # NOTE: botocore has no public setter for refreshables.
    return boto3.Session(botocore_session=core)


def role_session_name(run_name: str | None = None, now: dt.datetime | None = None) -> str:
    """Return ``evidence-lib-<run name>`` or ``evidence-lib-<UTC timestamp>`` (max 64 chars)."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"evidence-lib-{run_name or stamp}"[:64]


def account_sessions(aws: AwsParams, run_name: str | None = None) -> list[AccountSession]:
    """Return one session per account of the parameters, in parameter order.

    Parameters
    ----------
    aws
        The ``aws`` section of the parameters.
    run_name
        Used in the RoleSessionName of assumed roles; a UTC timestamp when None.

    Returns
    -------
    list of AccountSession
        Assumed-role sessions for accounts with ``role_arn``, else the base session.

    Raises
    ------
    CollectionError
        When a role cannot be assumed, or the base credentials belong to another account
        than the one named (the message names both).
    """
    base = base_session(aws)
    name = role_session_name(run_name)
    sessions = []
    for account in aws.accounts:
        if account.role_arn:
            logger.info("account %s: assuming %s", account.id, account.role_arn)
            session = role_session(base, account.role_arn, name, aws)
        else:
            session = base
            actual = caller_identity(base, aws)["Account"]
            if actual != account.id:
                raise CollectionError(
                    f"account {account.id} has no role_arn, but the default credentials "
                    f"belong to account {actual}"
                )
        sessions.append(AccountSession(account.id, session, account.role_arn, aws))
    return sessions
