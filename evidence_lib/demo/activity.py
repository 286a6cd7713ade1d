"""The demo's CloudTrail and logging side: trails, their bucket, log groups, alarms, records.

``seed_activity`` sets up, with a stock boto3 client over HTTP, what a compliance engineer
expects around an ElastiCache fleet: a multi-region trail ``nwh-org-audit`` (logging, log
file validation, KMS, CloudWatch Logs) writing to a versioned, encrypted, non-public bucket
with a lifecycle rule (Glacier after 90 days, expiry after 400); a stopped single-region
trail ``nwh-legacy-trail``; log groups (trail 90 days, ElastiCache slow log 30 days); metric
filters with alarms that notify an SNS topic; ElastiCache metric alarms. It then writes a
last full quarter and the current one of CloudTrail log files and digests into the bucket
(``activity_archive``) and feeds LookupEvents from the same records
(``moto_gaps.cloudtrail``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass

from evidence_lib.demo import activity_records as rec
from evidence_lib.demo.activity_archive import ArchiveWriter
from evidence_lib.demo.activity_plan import Planner, Timeline
from evidence_lib.demo.activity_plants import plant_irregularities
from evidence_lib.demo.activity_setup import (
    LEGACY_TRAIL_NAME,
    TRAIL_NAME,
    Clients,
    create_alarms,
    create_bucket,
    create_keys,
    create_log_groups,
    create_trails,
    discover_names,
)
from evidence_lib.demo.moto_gaps.cloudtrail import set_trail_status

logger = logging.getLogger(__name__)

SEED = 20_240_115


@dataclass(frozen=True)
class ActivitySummary:
    """What ``seed_activity`` created: names, the planted irregularities, counts."""

    account_id: str
    home_region: str
    regions: list[str]
    trail_name: str
    trail_arn: str
    legacy_trail_name: str
    bucket: str
    kms_key_arn: str
    log_groups: dict[str, int]
    metric_filters: list[str]
    alarms: list[str]
    period_start: dt.datetime
    period_end: dt.datetime
    missing_day: dt.date
    logging_gap: tuple[dt.datetime, dt.datetime]
    irregularities: dict[str, list[str]]
    records_total: int
    records_by_region: dict[str, int]
    log_files: int
    digest_files: int


def _names(
    clients: Clients, regions: list[str], account_id: str, bucket: str, keys: dict[str, str]
) -> dict[str, rec.Names]:
    """Return, per region, the resource names the records refer to."""
    names = {}
    for region in regions:
        found = discover_names(clients, region)
        names[region] = rec.Names(
            **found,
            trail=[TRAIL_NAME],
            bucket=[bucket],
            kms_key_arn=keys[region],
            region=region,
            account_id=account_id,
        )
    return names


def seed_activity(
    endpoint_url: str,
    *,
    now: dt.datetime,
    account_id: str,
    regions: list[str],
    records: int = 20_000,
    topic_arns: dict[str, str],
) -> ActivitySummary:
    """Seed trails, their bucket, log groups, alarms and CloudTrail records.

    Parameters
    ----------
    endpoint_url : str
        URL of a moto server running in this process, with ``moto_gaps.cloudtrail.install()``
        called before it started (records are written and indexed in-process).
    now : datetime
        The demo's present (tz-aware); the records cover the last full quarter and the
        current one up to 15 minutes before it.
    account_id : str
        The account the records and resources belong to.
    regions : list of str
        Regions covered by the multi-region trail; the first is its home region.
    records : int
        At least this many CloudTrail records are written (routine plus planted).
    topic_arns : dict
        Region to SNS topic ARN that alarms notify.

    Returns
    -------
    ActivitySummary
        Names of what was created, the planted irregularities with their event IDs, counts.
    """
    started = time.perf_counter()
    now = now.astimezone(dt.UTC)
    clients, home = Clients(endpoint_url), regions[0]

    # Keys, bucket, log groups, trails, filters and alarms, over HTTP.
    keys = create_keys(clients, regions)
    bucket = f"nwh-cloudtrail-{account_id}"
    create_bucket(clients, bucket, home, keys[home])
    log_groups, log_group_arn = create_log_groups(clients, regions, keys)
    trail_arn = create_trails(
        clients, home=home, bucket=bucket, key_arn=keys[home], log_group_arn=log_group_arn
    )
    names = _names(clients, regions, account_id, bucket, keys)
    filters, alarms = create_alarms(
        clients, regions, topic_arns, {r: n.cc for r, n in names.items()}
    )

    # Records: planted irregularities first, routine activity up to ``records``.
    timeline = Timeline(now=now)
    rng = random.Random(SEED)
    planner = Planner(rng=rng, account_id=account_id, names=names, timeline=timeline)
    planted, irregularities = plant_irregularities(planner, trail_arn)
    events = planted + planner.routine(records - len(planted))

    # The archive in S3 (in-process) and the trail status it implies.
    writer = ArchiveWriter(
        account_id=account_id,
        bucket=bucket,
        trail_name=TRAIL_NAME,
        home_region=home,
        timeline=timeline,
        rng=rng,
        # NOTE: real CloudTrail delivers a file about every 5 minutes per region. The demo
        # gathers 4 hours per file so that reading its archive over HTTP stays quick; the key
        # layout, the record shapes and the digests are as AWS writes them.
        window_minutes=240 if records < 500_000 else 15,
    )
    result = writer.write(events)
    _set_statuses(account_id, home, timeline, result.latest_delivery, result.latest_digest)
    logger.info(
        "seeded %s CloudTrail records in %s log files in %.1f s",
        len(events),
        sum(len(f) for f in result.log_files.values()),
        time.perf_counter() - started,
    )
    return ActivitySummary(
        account_id=account_id,
        home_region=home,
        regions=list(regions),
        trail_name=TRAIL_NAME,
        trail_arn=trail_arn,
        legacy_trail_name=LEGACY_TRAIL_NAME,
        bucket=bucket,
        kms_key_arn=keys[home],
        log_groups=log_groups,
        metric_filters=filters,
        alarms=alarms,
        period_start=timeline.start,
        period_end=timeline.end,
        missing_day=timeline.missing_day,
        logging_gap=timeline.gap,
        irregularities=irregularities,
        records_total=len(events),
        records_by_region=dict(result.records_by_region),
        log_files=sum(len(f) for f in result.log_files.values()),
        digest_files=len(result.digest_keys),
    )


def _set_statuses(
    account_id: str,
    home: str,
    timeline: Timeline,
    delivery: dt.datetime | None,
    digest: dt.datetime | None,
) -> None:
    """Make GetTrailStatus tell the seeded history (moto knows only the seeding calls)."""
    stop, start = timeline.gap
    set_trail_status(
        account_id,
        home,
        TRAIL_NAME,
        start=start,
        stop=stop,
        delivery=delivery,
        digest=digest,
        cloudwatch=delivery,
    )
    legacy_stop = timeline.start - dt.timedelta(days=200)
    set_trail_status(
        account_id,
        home,
        LEGACY_TRAIL_NAME,
        start=legacy_stop - dt.timedelta(days=400),
        stop=legacy_stop,
        delivery=legacy_stop,
    )
