"""Seed a scaled demo fleet into an in-process endpoint and time each part.

Usage::

    python bench/seed_scale.py [--groups 1000] [--snapshots 20000] [--records 1000000] [--keep]

The scaled part is added beside the demo fleet, in bulk and in-process (moto's backend through
``moto_gaps.elasticache``); CloudTrail records come from ``activity.seed_activity``. Prints
each part's time and this process's peak RSS. With ``--keep`` it then prints
``Endpoint: <url>`` and serves until Ctrl-C (SIGINT); ``bench/collect.py`` runs it that way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from evidence_lib.demo import DEMO_ACCOUNT, DEMO_REGIONS
from evidence_lib.demo.activity import seed_activity
from evidence_lib.demo.fleet import PRIMARY, FleetPlan, seed_fleet
from evidence_lib.demo.moto_gaps import elasticache as gaps
from evidence_lib.demo.server import DemoEndpoint, shell_lines

T = TypeVar("T")
ENGINES = [("redis", "7.1.0"), ("redis", "6.2.6"), ("valkey", "7.2.6"), ("redis", "5.0.6")]


def _timed(label: str, step: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = step()
    print(f"{label:<40} {time.perf_counter() - started:8.1f} s", flush=True)
    return result


def _group_settings(index: int, plan: FleetPlan) -> dict[str, Any]:
    """Return the index-th bulk group's settings: a rotating mix of good and bad choices."""
    engine, version = ENGINES[index % len(ENGINES)]
    secure = index % 3 != 0
    zones = [f"{PRIMARY}{zone}" for zone in "abc"]
    return {
        "replication_group_id": f"nwh-scale-{index:05d}",
        "replication_group_description": f"Scaled workload {index}",
        "engine": engine,
        "engine_version": version,
        "cache_node_type": "cache.r7g.large",
        "num_cache_clusters": 1 + index % 3,
        "preferred_cache_cluster_azs": zones if index % 4 else zones[:1],
        "multi_az_enabled": index % 3 != 2,
        "automatic_failover_enabled": index % 3 != 2,
        "at_rest_encryption_enabled": secure,
        "transit_encryption_enabled": secure,
        "kms_key_id": plan.kms_key_arn if secure else None,
        "snapshot_retention_limit": [0, 1, 7, 35][index % 4],
        "snapshot_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "security_group_ids": [plan.security_groups["restricted"]],
        "cache_subnet_group_name": "nwh-cache-private",
        "notification_topic_arn": plan.topics["cache-events"] if index % 2 else None,
        "port": 6379,
    }


def seed_groups(plan: FleetPlan, count: int) -> list[str]:
    """Create ``count`` replication groups in bulk (in-process); return their IDs."""
    made = []
    for index in range(count):
        group = gaps.add_replication_group(DEMO_ACCOUNT, PRIMARY, **_group_settings(index, plan))
        made.append(group.replication_group_id)
    return made


def seed_snapshots(group_ids: list[str], count: int, now: dt.datetime) -> None:
    """Spread ``count`` automated snapshots over the groups, one per day back from ``now``."""
    if not group_ids:
        return
    for index in range(count):
        group_id = group_ids[index % len(group_ids)]
        age = 1 + index // len(group_ids)
        taken = (now - dt.timedelta(days=age)).replace(hour=3, minute=0, second=0, microsecond=0)
        gaps.add_snapshot(
            DEMO_ACCOUNT,
            PRIMARY,
            name=f"automatic.{group_id}-{taken:%Y-%m-%d-%H-%M}",
            created=taken,
            replication_group_id=group_id,
        )


def start_scaled_endpoint(groups: int, snapshots: int, records: int) -> DemoEndpoint:
    """Start an endpoint with the demo fleet plus a scaled part; print each part's time.

    Parameters
    ----------
    groups : int
        Replication groups added beside the demo fleet (us-east-1).
    snapshots : int
        Automated snapshots spread over those groups.
    records : int
        CloudTrail records seeded by ``seed_activity``.

    Returns
    -------
    DemoEndpoint
        The running endpoint; the caller stops it.
    """
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "demo")
    now = dt.datetime.now(dt.UTC)
    endpoint = _timed("start endpoint", DemoEndpoint)
    fleet = _timed("demo fleet", lambda: seed_fleet(endpoint.url, now=now, account_id=DEMO_ACCOUNT))
    group_ids = _timed(f"{groups:,} replication groups", lambda: seed_groups(fleet.plan, groups))
    _timed(f"{snapshots:,} snapshots", lambda: seed_snapshots(group_ids, snapshots, now))
    _timed(
        f"{records:,} CloudTrail records",
        lambda: seed_activity(
            endpoint.url,
            now=now,
            account_id=DEMO_ACCOUNT,
            regions=list(DEMO_REGIONS),
            records=records,
            topic_arns=fleet.alarm_topics,
        ),
    )
    return endpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1_000, help="replication groups")
    parser.add_argument("--snapshots", type=int, default=20_000, help="snapshots")
    parser.add_argument("--records", type=int, default=1_000_000, help="CloudTrail records")
    parser.add_argument("--keep", action="store_true", help="keep serving until Ctrl-C")
    args = parser.parse_args()
    started = time.perf_counter()
    endpoint = start_scaled_endpoint(args.groups, args.snapshots, args.records)
    print(f"{'total':<40} {time.perf_counter() - started:8.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"{'peak RSS (endpoint process)':<40} {peak:8.0f} MB", flush=True)
    try:
        if args.keep:
            # bench/collect.py reads the URL from this line.
            print(f"Endpoint: {endpoint.url}")
            print("\n".join(shell_lines(endpoint.url)), flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.stop()


if __name__ == "__main__":
    main()
