"""Tests of sessions and clients against the moto server on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto.server import ThreadedMotoServer

from evidence_lib import __version__
from evidence_lib.errors import CollectionError
from evidence_lib.params import AwsParams
from evidence_lib.session import (
    AccountSession,
    account_sessions,
    base_session,
    caller_identity,
    client,
    role_session_name,
)

# moto's default account for the fake credentials the test session sets.
MOTO_ACCOUNT = "123456789012"
OTHER_ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """Serve moto on a free loopback port for this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _aws(endpoint: str, *accounts: dict[str, str | None], **settings: object) -> AwsParams:
    return AwsParams.model_validate(
        {
            "endpoint_url": endpoint,
            "regions": ["us-east-1", "us-west-2"],
            "accounts": list(accounts) or [{"id": MOTO_ACCOUNT}],
            **settings,
        }
    )


def test_client_carries_retry_timeouts_and_user_agent(endpoint: str) -> None:
    """Clients use adaptive retries, the parameter timeouts, the endpoint and our user agent."""
    aws = _aws(endpoint, max_attempts=7, connect_timeout_seconds=3, read_timeout_seconds=41)
    made = client(base_session(aws), "elasticache", "us-west-2", aws)
    assert made.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert made.meta.config.connect_timeout == 3
    assert made.meta.config.read_timeout == 41
    assert made.meta.config.user_agent_extra == f"evidence-lib/{__version__}"
    assert made.meta.endpoint_url == endpoint
    assert made.meta.region_name == "us-west-2"


def test_global_region_maps_to_us_east_1(endpoint: str) -> None:
    """Region 'global' sends STS calls to us-east-1."""
    aws = _aws(endpoint)
    assert client(base_session(aws), "sts", "global", aws).meta.region_name == "us-east-1"


def test_global_region_of_govcloud_scope(endpoint: str) -> None:
    """A GovCloud-only scope sends regionless calls to us-gov-west-1."""
    aws = _aws(endpoint, regions=["us-gov-east-1"])
    assert client(base_session(aws), "sts", "global", aws).meta.region_name == "us-gov-west-1"


def test_clients_are_cached_per_service_and_region(endpoint: str) -> None:
    """The same (session, service, region) gives one client, even from many threads."""
    aws = _aws(endpoint)
    session = base_session(aws)
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: client(session, "ec2", "us-east-1", aws), range(16)))
    assert all(c is made[0] for c in made)
    assert client(session, "ec2", "us-west-2", aws) is not made[0]


def test_base_session_matches_account(endpoint: str) -> None:
    """An account without role_arn uses the base session when its identity matches."""
    aws = _aws(endpoint)
    (only,) = account_sessions(aws, "audit")
    assert isinstance(only, AccountSession)
    assert only.account_id == MOTO_ACCOUNT and only.role_arn is None
    assert only.identity()["Account"] == MOTO_ACCOUNT


def test_base_session_account_mismatch_names_both(endpoint: str) -> None:
    """Default credentials of another account are refused, naming both accounts."""
    aws = _aws(endpoint, {"id": OTHER_ACCOUNT, "role_arn": None})
    with pytest.raises(CollectionError, match=f"{OTHER_ACCOUNT}.*{MOTO_ACCOUNT}"):
        account_sessions(aws)


def test_assume_role_gives_the_roles_identity(endpoint: str) -> None:
    """An account with role_arn gets a session on the assumed role, named after the run."""
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/audit/EvidenceReader"
    aws = _aws(endpoint, {"id": MOTO_ACCOUNT}, {"id": OTHER_ACCOUNT, "role_arn": role})

    sessions = account_sessions(aws, "quarterly")

    assert [s.account_id for s in sessions] == [MOTO_ACCOUNT, OTHER_ACCOUNT]
    identity = caller_identity(sessions[1].session, aws)
    assert identity["Account"] == OTHER_ACCOUNT
    assert identity["Arn"].endswith("assumed-role/EvidenceReader/evidence-lib-quarterly")
    assert sessions[1].session.get_credentials().access_key != "testing"


def test_unreachable_endpoint_is_a_collection_error() -> None:
    """A caller identity that cannot be fetched raises CollectionError, not a botocore error."""
    aws = _aws("http://127.0.0.1:9", max_attempts=1, connect_timeout_seconds=0.5)
    with pytest.raises(CollectionError, match="caller identity"):
        caller_identity(base_session(aws), aws)


def test_role_session_name_defaults_to_timestamp() -> None:
    """Without a run name the session name carries the UTC time; it never exceeds 64 chars."""
    now = dt.datetime(2026, 4, 1, 8, 30, 5, tzinfo=dt.UTC)
    assert role_session_name(None, now) == "evidence-lib-20260401T083005Z"
    assert len(role_session_name("x" * 80)) == 64
