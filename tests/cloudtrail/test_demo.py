"""CloudTrail events collected from the seeded demo endpoint: the planted irregularities."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest

from evidence_lib.cloudtrail import build_cloudtrail_events
from evidence_lib.cloudtrail_collect import RateLimiter, collect_events_until
from evidence_lib.params import parse_params
from evidence_lib.rawstore import RawStore
from tests.fixtures_demo import DEMO_NOW, SeededEndpoint

pytestmark = pytest.mark.slow


@dataclasses.dataclass(frozen=True)
class _Session:
    account_id: str


def _collect(
    endpoint: SeededEndpoint,
    run_dir: Path,
    days: tuple[dt.date, dt.date],
    regions: list[str],
    **ct: Any,
) -> tuple[RawStore, pd.DataFrame]:
    """Collect the demo's CloudTrail events of the days from ``days[0]`` to ``days[1]``."""
    fleet = endpoint.fleet
    period = {"start": days[0].isoformat(), "end": days[1].isoformat()}
    params = parse_params(
        {
            "run": {"name": "demo-events", "period": period},
            "aws": {"regions": regions, "accounts": [{"id": fleet.account_id}]},
            "cloudtrail": ct,
        }
    )

    def factory(account_id: str, service: str, region: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint.url)

    store = RawStore(run_dir)
    trails = factory(fleet.account_id, "cloudtrail", fleet.regions[0]).describe_trails()
    store.write_page(
        service="cloudtrail",
        operation="DescribeTrails",
        account_id=fleet.account_id,
        region=fleet.regions[0],
        request={"includeShadowTrails": True},
        response=trails,
    )
    # NOTE: the embedded endpoint has no request quota; the pacing itself is tested elsewhere.
    limiter = RateLimiter(per_second=1e6)
    sessions = [_Session(fleet.account_id)]
    collect_events_until(DEMO_NOW, store, params, sessions, factory, limiter=limiter)
    return store, build_cloudtrail_events(store)


@pytest.fixture(scope="module")
def demo_events(demo_endpoint: SeededEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Collect both sources of the last 45 days in the home region, where plants are."""
    # NOTE: reading the whole quarter from the emulator takes minutes; the plants are recent.
    # The oldest (the access-denied burst) lies 40 days back, moved to the weekday before when
    # that is a weekend or the day without log files: up to 44 days back.
    days = (DEMO_NOW.date() - dt.timedelta(days=45), DEMO_NOW.date())
    home = [demo_endpoint.fleet.regions[0]]
    store, frame = _collect(demo_endpoint, tmp_path_factory.mktemp("demo-run"), days, home)
    return store, frame, demo_endpoint.fleet.activity


def test_planted_irregularities_present(demo_events: Any) -> None:
    """Every planted irregularity's events are in the frame."""
    _, frame, activity = demo_events
    ids = set(frame["event_id"])
    for name, planted in activity.irregularities.items():
        assert set(planted) <= ids, name


def test_root_and_denied_events_described(demo_events: Any) -> None:
    """Root activity is typed Root; the access-denied burst carries its error code."""
    _, frame, activity = demo_events
    rows = frame.set_index("event_id")
    root = rows.loc[activity.irregularities["root_activity"]]
    assert set(root["user_identity_type"]) == {"Root"}
    denied = rows.loc[activity.irregularities["access_denied_burst"]]
    assert set(denied["error_code"]) <= {"AccessDenied", "AccessDeniedException"}
    stopped = rows.loc[activity.irregularities["logging_stopped"]]
    assert "StopLogging" in set(stopped["event_name"])


def test_missing_day_has_no_events(demo_endpoint: SeededEndpoint, tmp_path: Path) -> None:
    """The day the demo delivered no log files has no events; the days around it have some."""
    fleet = demo_endpoint.fleet
    missing = fleet.activity.missing_day
    around = (missing - dt.timedelta(days=3), missing + dt.timedelta(days=3))
    store, frame = _collect(
        demo_endpoint, tmp_path / "run", around, list(fleet.regions), sources=["s3_archive"]
    )
    days = set(frame["event_time"].dt.date)
    assert missing not in days
    assert min(days) < missing < max(days)
    stamp = missing.strftime("%Y/%m/%d/")
    listings = [p for p in store.iter_pages("s3", "ListObjectsV2") if stamp in p.request["Prefix"]]
    listed = {p.request["Prefix"].split("/CloudTrail/")[1].split("/")[0] for p in listings}
    assert listed == set(fleet.regions)
    assert all(p.response and p.response.get("KeyCount") == 0 for p in listings)


def test_both_sources_deduplicated(demo_events: Any) -> None:
    """LookupEvents and the archive were both read; every event ID appears once."""
    store, frame, _ = demo_events
    assert list(store.iter_pages("cloudtrail", "LookupEvents"))
    assert frame["event_id"].is_unique
    assert "s3_archive" in set(frame["source"])
    recent = DEMO_NOW - dt.timedelta(days=90)
    assert (frame.loc[frame["source"] == "lookup_events", "event_time"] >= recent).all()


def test_archive_pages_listed_every_log_file(demo_events: Any) -> None:
    """No archive source is a digest file, and no log file was malformed."""
    store, _, _ = demo_events
    sources = [
        src
        for path in sorted(Path(store.run_dir).glob("raw/*/*/cloudtrail-archive/*.json"))
        for src in pd.read_json(path, typ="series")["sources"]
    ]
    assert sources
    assert not any("CloudTrail-Digest" in src["key"] for src in sources)
    assert not any("error" in src for src in sources)
