"""The demo's planted irregularities lie in a fixed window before ``now``, whatever the day."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from evidence_lib.demo import activity_records as rec
from evidence_lib.demo.activity_plan import Planner, Timeline
from evidence_lib.demo.activity_plants import plant_irregularities

ACCOUNT = "123456789012"
# tests/cloudtrail/test_demo.py collects this many days back to find every plant.
WINDOW_DAYS = 45


def _names(region: str) -> rec.Names:
    return rec.Names(
        rg=["nwh-patients"],
        cc=["nwh-patients-001"],
        pg=["nwh-redis7"],
        user=["app"],
        ug=["apps"],
        trail=["nwh-main"],
        bucket=["nwh-cloudtrail"],
        kms_key_arn=f"arn:aws:kms:{region}:{ACCOUNT}:key/demo",
        region=region,
        account_id=ACCOUNT,
    )


@pytest.mark.parametrize("offset", range(14), ids=lambda d: f"day+{d}")
def test_plants_within_window(offset: int) -> None:
    """On each of fourteen consecutive days every plant is within WINDOW_DAYS of now."""
    now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC) + dt.timedelta(days=offset)
    planner = Planner(
        rng=random.Random(1),
        account_id=ACCOUNT,
        names={"us-east-1": _names("us-east-1")},
        timeline=Timeline(now=now),
    )
    events, ids = plant_irregularities(planner, f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/x")
    oldest = min(dt.datetime.fromtimestamp(e[0], dt.UTC) for e in events)
    assert set(ids) >= {"access_denied_burst", "root_activity", "new_principal"}
    assert now.date() - oldest.date() <= dt.timedelta(days=WINDOW_DAYS)
