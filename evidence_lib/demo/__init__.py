"""The embedded AWS endpoint and the demo fleet of Northwind Health (fictional).

``seed_demo(url)`` seeds a ``DemoEndpoint`` (see ``evidence_lib.demo.server``) running in this
process: network, keys, topics, ElastiCache (``fleet``) and CloudTrail activity (``activity``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

DEMO_ACCOUNT = "123456789012"
DEMO_REGIONS = ("us-east-1", "us-west-2")


@dataclass(frozen=True)
class DemoFleet:
    """Names of the seeded demo resources, by role.

    ``groups`` maps roles (``hardened``, ``legacy``, ``auth_short_retention``,
    ``transit_preferred``, ``single_az_replicas``, ``cluster_mode``, ``valkey``,
    ``no_backups``, ``dr_west``, ``stale_backup``, ``missing_topic``) to ReplicationGroupIds;
    ``clusters`` (``standalone_redis``, ``memcached``) to CacheClusterIds; ``serverless``
    (``valkey``) to ServerlessCacheNames.
    """

    account_id: str
    regions: tuple[str, ...]
    now: dt.datetime
    groups: dict[str, str]
    clusters: dict[str, str]
    serverless: dict[str, str]
    topics: dict[str, str]
    kms_key_arn: str
    vpc_ids: dict[str, str]
    subnets: dict[str, str]
    security_groups: dict[str, str]
    subnet_groups: dict[str, str]
    activity: Any = field(default=None)


def seed_demo(
    endpoint_url: str, *, now: dt.datetime | None = None, records: int = 20_000
) -> DemoFleet:
    """Seed the whole demo fleet into an endpoint served by this process.

    Parameters
    ----------
    endpoint_url : str
        URL of a running ``DemoEndpoint`` (the seeding also writes moto's state in-process).
    now : datetime, optional
        The demo's present, tz-aware; defaults to the current UTC time.
    records : int
        CloudTrail records to write into the trail bucket.

    Returns
    -------
    DemoFleet
        The seeded resources by role.
    """
    from evidence_lib.demo.activity import seed_activity
    from evidence_lib.demo.fleet import seed_fleet

    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    started = time.perf_counter()
    seeded = seed_fleet(endpoint_url, now=now, account_id=DEMO_ACCOUNT)
    logger.info("demo fleet seeded in %.1f s", time.perf_counter() - started)

    started = time.perf_counter()
    activity = seed_activity(
        endpoint_url,
        now=now,
        account_id=DEMO_ACCOUNT,
        regions=list(DEMO_REGIONS),
        records=records,
        topic_arns=seeded.alarm_topics,
    )
    logger.info(
        "demo activity (%s records) seeded in %.1f s", records, time.perf_counter() - started
    )
    plan = seeded.plan
    return DemoFleet(
        account_id=DEMO_ACCOUNT,
        regions=DEMO_REGIONS,
        now=now,
        groups=seeded.groups,
        clusters=seeded.clusters,
        serverless=seeded.serverless,
        topics=plan.topics,
        kms_key_arn=plan.kms_key_arn,
        vpc_ids=plan.vpc_ids,
        subnets=plan.subnets,
        security_groups=plan.security_groups,
        subnet_groups=plan.subnet_groups,
        activity=activity,
    )
