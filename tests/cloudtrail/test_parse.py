"""Parsing CloudTrail records of every real shape into the cloudtrail_events values."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from evidence_lib.cloudtrail import parse_record, record_from_lookup_event
from evidence_lib.cloudtrail_table import EventTable
from evidence_lib.frames.schema import SCHEMAS
from tests.cloudtrail import samples as s

ROLE_ARN = f"arn:aws:sts::{s.ACCOUNT}:assumed-role/cache-deployer/deploy-session"

# Identity, outcome and flag columns of each shape, exactly.
EXPECTED: dict[str, dict[str, Any]] = {
    "iam_user": {
        "user_identity_type": "IAMUser",
        "principal_arn": f"arn:aws:iam::{s.ACCOUNT}:user/dana.ops",
        "principal_id": "AIDAEXAMPLEUSER00001",
        "user_name": "dana.ops",
        "session_issuer_arn": None,
        "error_code": None,
        "error_message": None,
        "read_only": False,
        "request_parameters": '{"replicationGroupId":"patients-cache","applyImmediately":true}',
        "response_elements": '{"replicationGroupId":"patients-cache","status":"modifying"}',
        "resources": None,
    },
    "assumed_role": {
        "user_identity_type": "AssumedRole",
        "principal_arn": ROLE_ARN,
        "principal_id": "AROAEXAMPLEROLE00001:deploy-session",
        "user_name": "deploy-session",
        "session_issuer_arn": f"arn:aws:iam::{s.ACCOUNT}:role/cache-deployer",
        "read_only": True,
        "request_parameters": None,
        "response_elements": None,
    },
    "aws_service": {
        "user_identity_type": "AWSService",
        "principal_arn": None,
        "principal_id": None,
        "user_name": s.EC,
        "session_issuer_arn": None,
        "source_ip": s.EC,
        "resources": json.dumps(s.AWS_SERVICE["resources"], separators=(",", ":")),
    },
    "root": {
        "user_identity_type": "Root",
        "principal_arn": f"arn:aws:iam::{s.ACCOUNT}:root",
        "principal_id": s.ACCOUNT,
        "user_name": None,
        "session_issuer_arn": None,
        "read_only": False,
    },
    "federated_user": {
        "user_identity_type": "FederatedUser",
        "principal_arn": f"arn:aws:sts::{s.ACCOUNT}:federated-user/partner-audit",
        "principal_id": f"{s.ACCOUNT}:partner-audit",
        "user_name": "partner-audit",
        "session_issuer_arn": f"arn:aws:iam::{s.ACCOUNT}:user/federation-broker",
    },
    "aws_account": {
        "user_identity_type": "AWSAccount",
        "principal_arn": None,
        "principal_id": "AIDAEXAMPLEOTHER0001",
        "user_name": None,
        "error_code": "AccessDenied",
        "error_message": "User is not authorized to perform: elasticache:CopySnapshot",
        "response_elements": None,
    },
    "identity_center": {
        "user_identity_type": "IdentityCenterUser",
        "principal_arn": None,
        "principal_id": "94482488-3041-7026-18f3-be45837cd0e4",
        "user_name": "94482488-3041-7026-18f3-be45837cd0e4",
        "event_type": "AwsServiceEvent",
    },
    "unknown": {
        "user_identity_type": "Unknown",
        "principal_arn": None,
        "principal_id": None,
        "user_name": "lee.contractor",
    },
    "console_login_failed": {
        "event_type": "AwsConsoleSignIn",
        "error_code": "ConsoleLoginFailure",
        "error_message": "Failed authentication",
        "principal_arn": None,
        "principal_id": "AIDAEXAMPLEUSER00001",
        "response_elements": '{"ConsoleLogin":"Failure"}',
    },
    "insight": {
        "event_source": s.EC,
        "event_name": "DeleteCacheCluster",
        "event_type": "AwsCloudTrailInsight",
        "user_identity_type": None,
        "principal_arn": None,
        "user_name": None,
        "read_only": None,
        "management_event": None,
        "source_ip": None,
    },
    "stop_logging": {
        "event_source": "cloudtrail.amazonaws.com",
        "event_name": "StopLogging",
        "user_name": "deploy-session",
    },
}
SHAPES = dict(zip(EXPECTED, s.EVERY_SHAPE, strict=True))


@pytest.mark.parametrize("shape", list(EXPECTED))
def test_parse_record_every_shape(shape: str) -> None:
    """Every userIdentity type, errors, Insight and sign-in records give the exact values."""
    record = SHAPES[shape]
    values = parse_record(record)
    assert values is not None
    assert values["event_id"] == record["eventID"]
    assert values["event_time"] == record["eventTime"]
    assert values["aws_region"] == record["awsRegion"]
    assert values["recipient_account_id"] == s.ACCOUNT
    assert values["account_id"] == s.ACCOUNT
    for column, expected in EXPECTED[shape].items():
        assert values[column] == expected, column


def test_parse_record_plain_fields() -> None:
    """The top-level fields of an IAM user's call are copied one to one."""
    values = parse_record(s.IAM_USER)
    assert values == {
        "account_id": s.ACCOUNT,
        "event_id": "e1000000-0000-4000-8000-000000000001",
        "event_time": "2026-07-01T10:00:00Z",
        "event_source": s.EC,
        "event_name": "ModifyReplicationGroup",
        "aws_region": "us-east-1",
        "recipient_account_id": s.ACCOUNT,
        **EXPECTED["iam_user"],
        "source_ip": "198.51.100.24",
        "user_agent": "aws-cli/2.17.0 md/Botocore#1.35.0 os/linux",
        "event_type": "AwsApiCall",
        "management_event": True,
    }


def test_lookup_events_item_unwrapped() -> None:
    """A LookupEvents item parses like the record inside its CloudTrailEvent text."""
    item = s.lookup_item(s.ASSUMED_ROLE)
    assert parse_record(item) == parse_record(s.ASSUMED_ROLE)


def test_lookup_events_item_without_event_text() -> None:
    """Without CloudTrailEvent, the item's own EventId, EventTime (epoch), name, source count."""
    item = {
        "EventId": "abc",
        "EventName": "CreateSnapshot",
        "EventTime": 1782900000.0,
        "EventSource": s.EC,
        "CloudTrailEvent": "",
    }
    record = record_from_lookup_event(item)
    assert record == {
        "eventID": "abc",
        "eventName": "CreateSnapshot",
        "eventTime": "2026-07-01T10:00:00+00:00",
        "eventSource": s.EC,
    }


@pytest.mark.parametrize(
    "missing", ["eventID", "eventTime", "eventName", "eventSource"], ids=lambda m: f"no-{m}"
)
def test_missing_required_field_is_malformed(missing: str) -> None:
    """A record without one of the four required fields is not parsed."""
    assert parse_record(s.record(s.IAM_USER, **{missing: None})) is None


def test_empty_required_field_is_malformed() -> None:
    """An empty eventID counts as missing."""
    assert parse_record(s.record(s.IAM_USER, eventID="")) is None


def _frame(records: list[Any]) -> pd.DataFrame:
    table = EventTable()
    table.add(records, source="s3_archive", source_object="s3://b/k.json.gz", raw_path="raw/p")
    return table.to_frame()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-01T10:00:00Z", "2026-07-01 10:00:00+00:00"),
        ("2026-07-01T10:00:00.123Z", "2026-07-01 10:00:00.123000+00:00"),
        ("2026-07-01T12:00:00+02:00", "2026-07-01 10:00:00+00:00"),
        ("2026-07-01T05:30:00.5-04:30", "2026-07-01 10:00:00.500000+00:00"),
    ],
    ids=["zulu", "fraction", "offset", "fraction-and-offset"],
)
def test_event_time_to_utc(text: str, expected: str) -> None:
    """Timestamps with and without fractions or offsets become tz-aware UTC."""
    frame = _frame([s.record(s.IAM_USER, eventTime=text)])
    assert frame.loc[0, "event_time"] == pd.Timestamp(expected)
    assert str(frame["event_time"].dtype) == "datetime64[ns, UTC]"


def test_frame_of_every_shape_matches_schema() -> None:
    """Every shape together gives the schema, one row each, sorted by time, leading columns set."""
    frame = _frame(s.EVERY_SHAPE)
    SCHEMAS["cloudtrail_events"].validate(frame)
    assert len(frame) == len(s.EVERY_SHAPE)
    assert frame["event_time"].is_monotonic_increasing
    assert (frame["resource_type"] == "event").all()
    assert frame["resource_id"].tolist() == frame["event_id"].tolist()
    assert frame["region"].tolist() == frame["aws_region"].tolist()
    assert frame["resource_arn"].isna().all()
    assert set(frame["source_object"]) == {"s3://b/k.json.gz"}
    assert frame.attrs["malformed"] == []


def test_frame_bad_records_counted() -> None:
    """A record missing eventID, a non-object and an unreadable time are counted, not fatal."""
    records = [
        s.IAM_USER,
        s.record(s.ROOT, eventID=None),
        "not a record",
        s.record(s.ASSUMED_ROLE, eventTime="yesterday"),
    ]
    frame = _frame(records)
    assert frame["event_id"].tolist() == [s.IAM_USER["eventID"]]
    errors = [m["error"] for m in frame.attrs["malformed"]]
    assert errors == [
        "2 record(s) lacking eventID, eventTime, eventName, eventSource",
        "1 record(s) with an unreadable eventTime",
    ]


def test_frame_dedupes_preferring_archive() -> None:
    """An event in LookupEvents and the archive is kept once, from the archive."""
    table = EventTable()
    item = s.lookup_item(s.ROOT)
    table.add(
        [record_from_lookup_event(item)],
        source="lookup_events",
        source_object="lookup_events:raw/a/LookupEvents/0001.json",
        raw_path="raw/a/LookupEvents/0001.json",
    )
    table.add([s.ROOT, s.IAM_USER], source="s3_archive", source_object="s3://b/k", raw_path="p")
    frame = table.to_frame()
    assert frame["event_id"].tolist() == [s.IAM_USER["eventID"], s.ROOT["eventID"]]
    assert frame["source"].tolist() == ["s3_archive", "s3_archive"]


def test_account_falls_back_to_page_account() -> None:
    """A record without recipientAccountId takes the account of the page it came from."""
    table = EventTable()
    table.add(
        [s.record(s.IAM_USER, recipientAccountId=None)],
        source="lookup_events",
        source_object="x",
        raw_path="x",
        account_id=s.OTHER_ACCOUNT,
    )
    frame = table.to_frame()
    assert frame.loc[0, "account_id"] == s.OTHER_ACCOUNT
    assert pd.isna(frame.loc[0, "recipient_account_id"])


def test_empty_table_gives_empty_schema_frame() -> None:
    """No records at all still gives the declared columns and dtypes."""
    frame = EventTable().to_frame()
    SCHEMAS["cloudtrail_events"].validate(frame)
    assert frame.empty
