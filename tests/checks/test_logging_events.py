"""Tests of logging_uninterrupted with log delivery per day, and of find_irregularities."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from evidence_lib.checks import evaluate_findings
from evidence_lib.checks.logging_checks import find_irregularities
from evidence_lib.checks.registry import evaluate_check
from evidence_lib.frames import build_frames
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.runfolder import open_run
from tests.checks.helpers import ACCOUNT, REGION, frame, frames, params, row, status_of

BUCKET = "trail-bucket"
DAYS = pd.date_range("2026-04-01", "2026-05-14", freq="D", tz="UTC")
CLOUDTRAIL = "cloudtrail.amazonaws.com"
ELASTICACHE = "elasticache.amazonaws.com"


def log_files(files: dict[str, int] | None = None, unlisted: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return a cloudtrail_log_files frame: 3 files a day, ``files`` overrides, some unlisted."""
    schema = SCHEMAS["cloudtrail_log_files"]
    rows = []
    for day in DAYS:
        text = f"{day:%Y-%m-%d}"
        listed = text not in unlisted
        count = (files or {}).get(text, 3) if listed else None
        rows.append(
            {
                "account_id": ACCOUNT,
                "region": REGION,
                "resource_type": "log_day",
                "resource_id": f"s3://{BUCKET}/{day:%Y/%m/%d}/",
                "resource_arn": pd.NA,
                "bucket": BUCKET,
                "key_prefix": "",
                "day_time": day,
                "listed": listed,
                "list_error_code": pd.NA if listed else "AccessDenied",
                "log_files": count,
                "bytes": count,
                "files_read": count,
                "records_total": count,
                "raw_path": f"raw/{ACCOUNT}/{REGION}/s3/ListObjectsV2/{text}.json",
            }
        )
    return schema.coerce(pd.DataFrame(rows))


def event(number: int, name: str = "DescribeCacheClusters", **extra: Any) -> dict[str, Any]:
    """Return one cloudtrail_events row."""
    base = {
        "resource_type": "event",
        "resource_id": f"e-{number}",
        "event_id": f"e-{number}",
        "event_time": "2026-04-06T10:00:00Z",
        "event_source": ELASTICACHE,
        "event_name": name,
        "recipient_account_id": ACCOUNT,
        "user_identity_type": "IAMUser",
        "principal_arn": "arn:aws:iam::123456789012:user/ops",
        "read_only": name.startswith("Describe"),
    }
    return {**base, **extra}


def events(*extra: dict[str, Any]) -> pd.DataFrame:
    """Return a routine week of events plus ``extra``."""
    routine = [event(i, event_time=f"2026-04-0{1 + i}T10:00:00Z") for i in range(5)]
    return frame("cloudtrail_events", *routine, *extra)


def uninterrupted(**named: pd.DataFrame) -> pd.Series:
    """Return the account's logging_uninterrupted findings row."""
    return row(evaluate_check("logging_uninterrupted", frames(**named), params()), ACCOUNT)


def test_logging_uninterrupted_passes_with_events_and_daily_files():
    """Files delivered every day and no trail change pass."""
    result = uninterrupted(cloudtrail_events=events(), cloudtrail_log_files=log_files())
    assert result["status"] == "PASS", result["reason"]


def test_day_without_files_fails_and_names_the_day():
    """A listed day with no log file fails, naming the day and its listing page."""
    result = uninterrupted(
        cloudtrail_events=events(), cloudtrail_log_files=log_files({"2026-04-20": 0})
    )
    assert result["status"] == "FAIL"
    assert "2026-04-20 (us-east-1)" in result["reason"]
    assert "2026-04-20.json" in result["evidence"]


def test_stop_logging_fails_with_who_and_gap_length():
    """StopLogging followed by StartLogging fails, naming who, when and for how long."""
    stop = event(50, "StopLogging", event_source=CLOUDTRAIL, event_time="2026-04-10T11:02:00Z")
    start = event(51, "StartLogging", event_source=CLOUDTRAIL, event_time="2026-04-10T11:44:00Z")
    result = uninterrupted(cloudtrail_events=events(stop, start), cloudtrail_log_files=log_files())
    assert result["status"] == "FAIL"
    assert (
        "StopLogging by arn:aws:iam::123456789012:user/ops at 2026-04-10 11:02"
        in (result["reason"])
    )
    assert "restarted after 42 min" in result["reason"]


def test_advanced_selectors_change_fails():
    """A successful PutAdvancedEventSelectors counts as narrowing the trail."""
    change = event(52, "PutAdvancedEventSelectors", event_source=CLOUDTRAIL)
    result = uninterrupted(cloudtrail_events=events(change), cloudtrail_log_files=log_files())
    assert result["status"] == "FAIL" and "PutAdvancedEventSelectors" in result["reason"]


@pytest.mark.parametrize(
    ("named", "words"),
    [
        ({"cloudtrail_events": events()}, "log file delivery not collected"),
        ({"cloudtrail_log_files": log_files()}, "CloudTrail events not collected"),
        (
            {
                "cloudtrail_events": events(),
                "cloudtrail_log_files": log_files(unlisted=("2026-05-02",)),
            },
            "1 day(s) not listed: 2026-05-02",
        ),
    ],
    ids=["no-delivery", "no-events", "unlisted-day"],
)
def test_missing_evidence_is_a_gap(named, words):
    """Without both the events and every day's listing the check is a GAP, never a PASS."""
    result = uninterrupted(**named)
    assert result["status"] == "GAP" and words in result["reason"]


def test_unused_prefix_does_not_hide_delivery():
    """An empty prefix of a trail that is not logging does not make days fail."""
    other = log_files({day: 0 for day in (f"{d:%Y-%m-%d}" for d in DAYS)})
    other = other.assign(bucket="legacy", resource_id=other["resource_id"] + "legacy")
    both = pd.concat([log_files(), other], ignore_index=True)
    result = uninterrupted(cloudtrail_events=events(), cloudtrail_log_files=both)
    assert result["status"] == "PASS", result["reason"]


@pytest.mark.parametrize(
    ("request_parameters", "words"),
    [
        ({"replicationGroupId": "g1", "authTokenUpdateStrategy": "DELETE"}, "AUTH token removed"),
        ({"replicationGroupId": "g1", "transitEncryptionMode": "preferred"}, "preferred"),
        ({"replicationGroupId": "g1", "transitEncryptionEnabled": False}, "turned off"),
    ],
    ids=["auth-off", "tls-preferred", "tls-off"],
)
def test_security_weakening_changes_are_found(request_parameters, words):
    """A ModifyReplicationGroup that weakens AUTH or TLS is an irregularity naming the group."""
    change = event(60, "ModifyReplicationGroup", request_parameters=json.dumps(request_parameters))
    found = find_irregularities(events(change), params())
    weak = found.loc[found["kind"].eq("security_weakening")]
    assert list(weak["event_id"]) == ["e-60"]
    assert words in weak["detail"].iloc[0] and weak["resource"].iloc[0] == "g1"


def test_routine_modify_is_not_weakening():
    """A ModifyReplicationGroup that rotates the AUTH token is not flagged."""
    change = event(
        61,
        "ModifyReplicationGroup",
        request_parameters=json.dumps({"authTokenUpdateStrategy": "ROTATE"}),
    )
    found = find_irregularities(events(change), params())
    assert found.empty, found.to_string()


def test_irregularity_review_evidence_names_irregular_pages():
    """The review's evidence points to the pages of the irregular events only."""
    delete = event(70, "DeleteSnapshot", raw_path="raw/x/cloudtrail-archive/0009.json")
    result = evaluate_check(
        "irregularity_review", frames(cloudtrail_events=events(delete)), params()
    )
    assert status_of(result, ACCOUNT) == "FAIL"
    assert row(result, ACCOUNT)["evidence"] == "raw/x/cloudtrail-archive/0009.json"


@pytest.fixture(scope="module")
def demo_frames(demo_run) -> dict[str, pd.DataFrame]:
    """Build the demo run's frames (the run folder's frames are rewritten equal)."""
    return build_frames(demo_run)


@pytest.fixture(scope="module")
def demo_irregularities(demo_run, demo_frames) -> pd.DataFrame:
    """Return the irregularities of the collected demo run."""
    meta = json.loads((demo_run / "run.json").read_text(encoding="utf-8"))
    period = meta["parameters"]["run"]["period"]["start"]
    start = pd.Timestamp(period, tz="UTC")
    return find_irregularities(demo_frames["cloudtrail_events"], open_run(demo_run).params, start)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("plant", "kind"),
    [
        ("access_denied_burst", "failure_burst"),
        ("root_activity", "root_activity"),
        ("off_hours_delete", "off_hours"),
        ("off_hours_delete", "destructive"),
        ("auth_disabled", "security_weakening"),
        ("logging_stopped", "trail_change"),
    ],
)
def test_demo_planted_irregularity_found(demo_endpoint, demo_irregularities, plant, kind):
    """Every event of each planted irregularity is listed under its kind."""
    planted = set(demo_endpoint.fleet.activity.irregularities[plant])
    listed = set(demo_irregularities.loc[demo_irregularities["kind"].eq(kind), "event_id"])
    assert planted <= listed


@pytest.mark.slow
def test_demo_new_principal_and_nothing_routine_destructive(demo_endpoint, demo_irregularities):
    """The contractor's first event is new; only the planted deletion is destructive."""
    plants = demo_endpoint.fleet.activity.irregularities
    new = set(demo_irregularities.loc[demo_irregularities["kind"].eq("new_principal"), "event_id"])
    assert new & set(plants["new_principal"])
    destructive = demo_irregularities.loc[demo_irregularities["kind"].eq("destructive")]
    assert set(destructive["event_id"]) <= set(plants["off_hours_delete"])


@pytest.mark.slow
def test_demo_logging_uninterrupted_names_missing_day(demo_endpoint, demo_run, demo_frames):
    """The demo's day without log files and its StopLogging fail logging_uninterrupted."""
    meta = json.loads((demo_run / "run.json").read_text(encoding="utf-8"))
    result = evaluate_findings(demo_frames, open_run(demo_run).params, meta)
    mine = result.loc[result["check_id"].eq("logging_uninterrupted")].iloc[0]
    missing = demo_endpoint.fleet.activity.missing_day
    assert mine["status"] == "FAIL"
    assert f"{missing:%Y-%m-%d}" in mine["reason"] and "StopLogging" in mine["reason"]
    assert "restarted after" in mine["reason"]
