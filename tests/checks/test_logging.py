"""PASS, FAIL and GAP cases of the trail, log storage, alarm and CloudTrail event checks."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence_lib.checks import evaluate_check
from tests.checks.helpers import ACCOUNT, frame, frames, gaps, params, row, status_of

GOOD_TRAIL = {
    "resource_id": "main",
    "resource_arn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/main",
    "home_region": "us-east-1",
    "is_logging": True,
    "is_multi_region_trail": True,
    "management_events": "All",
    "elasticache_excluded": False,
    "log_file_validation_enabled": True,
    "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k",
    "s3_bucket_name": "trail-bucket",
    "cloud_watch_logs_log_group_arn": "arn:aws:logs:us-east-1:123456789012:log-group:ct:*",
}
TRAIL_CASES = [
    ("trail_enabled_multi_region", {"is_logging": False}, "stopped"),
    ("trail_enabled_multi_region", {"is_multi_region_trail": False}, "multi-region"),
    ("trail_enabled_multi_region", {"management_events": "WriteOnly"}, "WriteOnly"),
    ("trail_enabled_multi_region", {"elasticache_excluded": None}, "not reported"),
    ("trail_log_file_validation", {"log_file_validation_enabled": None}, "not reported"),
    ("trail_encrypted", {"kms_key_id": None}, "KMS"),
]


def _storage(expiry=None, archive=None, retention=None):
    bucket = {"resource_id": "trail-bucket", "lifecycle_min_expiration_days": expiry}
    bucket |= {
        "lifecycle_first_archive_days": archive,
        "lifecycle_archive_storage_class": "GLACIER",
    }
    named = {"buckets": frame("buckets", bucket)}
    if retention is not None:
        named["log_groups"] = frame(
            "log_groups", {"resource_id": "ct", "retention_days": retention}
        )
    return named


@pytest.mark.parametrize("check_id", sorted({case[0] for case in TRAIL_CASES}))
def test_good_trail_passes(check_id):
    """A logging, multi-region, validated, encrypted trail passes the trail checks."""
    result = evaluate_check(check_id, frames(trails=frame("trails", GOOD_TRAIL)), params())
    assert status_of(result, "main") == "PASS"


@pytest.mark.parametrize(("check_id", "change", "words"), TRAIL_CASES)
def test_trail_weakness_fails(check_id, change, words):
    """A stopped, single-region, narrow, unvalidated or unencrypted trail fails."""
    result = evaluate_check(
        check_id, frames(trails=frame("trails", {**GOOD_TRAIL, **change})), params()
    )
    assert status_of(result, "main") == "FAIL"
    assert words in row(result, "main")["reason"]


@pytest.mark.parametrize(
    "check_id", ["trail_enabled_multi_region", "log_retention", "alarms_on_irregularities"]
)
def test_no_trail_fails_and_failed_listing_is_gap(check_id):
    """An account without a trail fails; one whose DescribeTrails failed is a GAP."""
    assert status_of(evaluate_check(check_id, frames(), params()), ACCOUNT) == "FAIL"
    failed = evaluate_check(check_id, frames(collection_gaps=gaps("DescribeTrails")), params())
    assert set(failed["status"]) == {"GAP"}


def test_multi_region_trail_is_judged_once():
    """A multi-region trail listed in two regions yields one row, from its home region."""
    copy = {**GOOD_TRAIL, "region": "us-west-2"}
    result = evaluate_check(
        "trail_encrypted", frames(trails=frame("trails", copy, GOOD_TRAIL)), params()
    )
    assert list(result["region"]) == ["us-east-1"]


def test_trail_status_gap_turns_fail_into_gap():
    """When GetTrailStatus failed, a trail whose status is unknown is a GAP, not a FAIL."""
    trail = frame("trails", {**GOOD_TRAIL, "is_logging": None})
    result = evaluate_check(
        "trail_enabled_multi_region",
        frames(trails=trail, collection_gaps=gaps("GetTrailStatus")),
        params(),
    )
    assert status_of(result, "main") == "GAP"


@pytest.mark.parametrize(
    ("check_id", "storage", "expected"),
    [
        ("log_retention", {"expiry": 400, "archive": 90}, "PASS"),
        ("log_retention", {"expiry": 30}, "FAIL"),
        ("log_retention", {"expiry": 400, "archive": 30}, "FAIL"),
        ("log_retention", {"expiry": 30, "retention": 90}, "PASS"),
        ("log_archive_one_year", {"expiry": 400, "archive": 90}, "PASS"),
        ("log_archive_one_year", {"expiry": 180}, "FAIL"),
        ("log_archive_one_year", {}, "PASS"),
    ],
)
def test_log_storage(check_id, storage, expected):
    """Logs stay online 90 days (S3 or log group) and nothing expires before 365 days."""
    result = evaluate_check(
        check_id, frames(trails=frame("trails", GOOD_TRAIL), **_storage(**storage)), params()
    )
    assert status_of(result, "main") == expected


def test_log_storage_unknown_is_gap():
    """A trail whose bucket and log group were not described is a GAP."""
    result = evaluate_check("log_retention", frames(trails=frame("trails", GOOD_TRAIL)), params())
    assert status_of(result, "main") == "GAP"


def _alarm_frames(exists=True, enabled=True):
    topic = "arn:aws:sns:us-east-1:1:t"
    metric = {"metric_name": "Root"}
    return {
        "metric_filters": frame(
            "metric_filters",
            {"resource_id": "ct/f", "filter_name": "root-use", "log_group_name": "ct"}
            | {"metric_namespace": "CIS"}
            | metric,
        ),
        "alarms": frame(
            "alarms",
            {"resource_id": "a", "namespace": "CIS", "actions_enabled": enabled}
            | {"alarm_actions": f'["{topic}"]'}
            | metric,
        ),
        "sns_topics": frame(
            "sns_topics", {"resource_id": "t", "resource_arn": topic, "exists": exists}
        ),
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [({}, "PASS"), ({"exists": False}, "FAIL"), ({"enabled": False}, "FAIL")],
)
def test_alarms_on_irregularities(kwargs, expected):
    """A metric filter whose alarm notifies an existing topic passes; otherwise it fails."""
    named = frames(trails=frame("trails", GOOD_TRAIL), **_alarm_frames(**kwargs))
    assert (
        status_of(evaluate_check("alarms_on_irregularities", named, params()), "main") == expected
    )


def test_alarms_gap_when_alarms_not_collected():
    """Where DescribeAlarms failed, a trail without alarms is a GAP."""
    named = frames(trails=frame("trails", GOOD_TRAIL), collection_gaps=gaps("DescribeAlarms"))
    assert status_of(evaluate_check("alarms_on_irregularities", named, params()), "main") == "GAP"


def _event(number, day, name="DescribeCacheClusters", **extra):
    base = {
        "resource_id": f"e{number}",
        "event_id": f"e{number}",
        "event_time": f"2026-04-{day:02d}T10:00:00Z",
        "event_source": "elasticache.amazonaws.com",
        "event_name": name,
        "user_identity_type": "IAMUser",
        "principal_arn": "arn:aws:iam::123456789012:user/ops",
        "read_only": name.startswith("Describe"),
    }
    return base | extra


def _events(*extra):
    daily = [_event(day, day) for day in range(1, 31)]
    return frame("cloudtrail_events", *daily, *extra)


def _meta():
    context = pd.DataFrame(
        {
            "as_of_time": pd.Series(["2026-05-01T06:00:00Z"], dtype="datetime64[ns, UTC]"),
            "period_start_time": pd.Series(["2026-04-01T00:00:00Z"], dtype="datetime64[ns, UTC]"),
            "period_end_time": pd.Series(["2026-05-01T00:00:00Z"], dtype="datetime64[ns, UTC]"),
        }
    )
    return {"run_context": context}


EVENT_CHECKS = [
    "logging_uninterrupted",
    "audit_record_complete",
    "privileged_actions_logged",
    "irregularity_review",
]


@pytest.mark.parametrize("check_id", EVENT_CHECKS)
def test_event_checks_gap_without_events(check_id):
    """No events, or a failed LookupEvents, is a GAP: missing events never pass."""
    assert status_of(evaluate_check(check_id, frames(), params()), ACCOUNT) == "GAP"
    failed = {**_meta(), "cloudtrail_events": _events(), "collection_gaps": gaps("LookupEvents")}
    assert status_of(evaluate_check(check_id, failed, params()), ACCOUNT) == "GAP"


def _log_days(*missing: int):
    """Return delivery evidence for every day of April 2026, with no files on ``missing`` days."""
    rows = [
        {
            "resource_id": f"s3://trail-bucket/2026/04/{day:02d}/",
            "bucket": "trail-bucket",
            "key_prefix": "",
            "day_time": f"2026-04-{day:02d}T00:00:00Z",
            "listed": True,
            "log_files": 0 if day in missing else 3,
            "bytes": 0 if day in missing else 3000,
            "files_read": 0 if day in missing else 3,
            "records_total": 0 if day in missing else 30,
        }
        for day in range(1, 31)
    ]
    return frame("cloudtrail_log_files", *rows)


def test_logging_uninterrupted():
    """Events plus files every day pass; a StopLogging or a day without files fails."""
    frames = {**_meta(), "cloudtrail_events": _events(), "cloudtrail_log_files": _log_days()}
    assert status_of(evaluate_check("logging_uninterrupted", frames, params()), ACCOUNT) == "PASS"

    stop = _event(99, 9, "StopLogging", event_source="cloudtrail.amazonaws.com")
    stopped = evaluate_check(
        "logging_uninterrupted", {**frames, "cloudtrail_events": _events(stop)}, params()
    )
    assert "StopLogging" in row(stopped, ACCOUNT)["reason"]

    silent = evaluate_check(
        "logging_uninterrupted", {**frames, "cloudtrail_log_files": _log_days(12)}, params()
    )
    assert status_of(silent, ACCOUNT) == "FAIL" and "2026-04-12" in row(silent, ACCOUNT)["reason"]


def test_logging_uninterrupted_needs_delivery_evidence():
    """Events alone never pass: without the bucket listings the check is a GAP."""
    result = evaluate_check(
        "logging_uninterrupted", {**_meta(), "cloudtrail_events": _events()}, params()
    )

    assert status_of(result, ACCOUNT) == "GAP"


def test_audit_record_complete():
    """Events with ID, identity, action and time pass; an event without identity fails."""
    assert (
        status_of(
            evaluate_check(
                "audit_record_complete", {**_meta(), "cloudtrail_events": _events()}, params()
            ),
            ACCOUNT,
        )
        == "PASS"
    )
    anonymous = _event(99, 3, user_identity_type=None, principal_arn=None)
    result = evaluate_check(
        "audit_record_complete", {**_meta(), "cloudtrail_events": _events(anonymous)}, params()
    )
    assert status_of(result, ACCOUNT) == "FAIL" and "e99" in row(result, ACCOUNT)["reason"]


def test_privileged_actions_logged():
    """Privileged actions with identity pass; none is not applicable; anonymous fails."""
    plain = evaluate_check(
        "privileged_actions_logged", {**_meta(), "cloudtrail_events": _events()}, params()
    )
    assert status_of(plain, ACCOUNT) == "NOT_APPLICABLE"
    modify = _event(98, 4, "ModifyReplicationGroup", error_code="InvalidParameterValue")
    done = evaluate_check(
        "privileged_actions_logged", {**_meta(), "cloudtrail_events": _events(modify)}, params()
    )
    assert status_of(done, ACCOUNT) == "PASS" and "1 failed" in row(done, ACCOUNT)["reason"]
    anonymous = _event(97, 4, "DeleteUser", user_identity_type=None, principal_arn=None)
    bad = evaluate_check(
        "privileged_actions_logged", {**_meta(), "cloudtrail_events": _events(anonymous)}, params()
    )
    assert status_of(bad, ACCOUNT) == "FAIL"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ([_event(90, 4, "DeleteReplicationGroup", read_only=False)], "destructive"),
        ([_event(91, 5, user_identity_type="Root")], "root"),
        ([_event(92, 4, "ModifyCacheCluster", event_time="2026-04-04T23:30:00Z")], "off hours"),
        ([_event(93, 25, principal_arn="arn:aws:iam::123456789012:user/new")], "new principal"),
        (
            [
                _event(
                    100 + i, 6, error_code="AccessDenied", event_time=f"2026-04-06T10:{i:02d}:00Z"
                )
                for i in range(10)
            ],
            "failure bursts",
        ),
    ],
)
def test_irregularity_review(extra, words):
    """Each kind of irregularity is listed for review; a routine period passes."""
    assert (
        status_of(
            evaluate_check(
                "irregularity_review", {**_meta(), "cloudtrail_events": _events()}, params()
            ),
            ACCOUNT,
        )
        == "PASS"
    )
    result = evaluate_check(
        "irregularity_review", {**_meta(), "cloudtrail_events": _events(*extra)}, params()
    )
    assert status_of(result, ACCOUNT) == "FAIL" and words in row(result, ACCOUNT)["reason"]
