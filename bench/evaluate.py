"""Time evaluate_findings on a synthetic fleet: 1,000 replication groups, 20,000 snapshots.

Frames are built directly as DataFrames (no AWS, no raw files). Run:
``.venv/bin/python bench/evaluate.py [--repeats 7]``. Target: under 2 seconds.

The machine is shared, so wall times swing with its load. The same run therefore also times
reading the fleet's frames back from parquet (what ``evidence evaluate`` does before it
evaluates) and reports the ratio of the two, and the process CPU time beside the wall time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from evidence_lib.checks import evaluate_findings
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.params import parse_params

ACCOUNT = "123456789012"
REGION = "us-east-1"
GROUPS = 1_000
SNAPSHOTS = 20_000
SUBNET_GROUP = {"resource_id": "private", "subnet_ids": '["s-a", "s-b"]', "az_count": 2}
RULE = {"resource_id": "sg-1", "direction": "ingress", "ip_protocol": "tcp"}
RULE |= {"from_port": 6379, "to_port": 6380, "cidr": "10.0.0.0/8"}
TOPIC = {"resource_id": "ops", "resource_arn": "arn:aws:sns:us-east-1:123456789012:ops"}
TOPIC |= {"exists": True}
ZONES = np.array(["us-east-1a", "us-east-1b", "us-east-1c"])


def build(name: str, columns: dict[str, object], rows: int) -> pd.DataFrame:
    schema = SCHEMAS[name]
    data = {column: columns.get(column, pd.NA) for column in schema.all_columns}
    data.update(account_id=ACCOUNT, region=REGION, raw_path=f"raw/{ACCOUNT}/{REGION}/{name}.json")
    if data["resource_type"] is pd.NA:
        data["resource_type"] = name.rstrip("s")
    frame = pd.DataFrame({k: v if np.ndim(v) else [v] * rows for k, v in data.items()})
    return schema.coerce(frame)


def fleet() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    ids = np.array([f"rg-{i:04d}" for i in range(GROUPS)])
    groups = build(
        "replication_groups",
        {
            "resource_type": "replication_group", "resource_id": ids, "engine": "redis",
            "engine_version": rng.choice(["6.2.6", "7.0.7", "7.1.0"], GROUPS),
            "port": rng.choice([6379, 6380], GROUPS), "multi_az_enabled": rng.random(GROUPS) > 0.2,
            "automatic_failover_enabled": True, "at_rest_encryption_enabled": True,
            "transit_encryption_enabled": True, "transit_encryption_mode": "required",
            "auth_token_enabled": True, "auto_minor_version_upgrade": True,
            "snapshot_retention_limit_days": rng.choice([0, 7, 35], GROUPS),
            "snapshot_window": "03:00-04:00", "preferred_maintenance_window": "sun:05:00-sun:06:00",
            "cache_parameter_group_name": "phi", "cache_subnet_group_name": "private",
            "security_group_ids": '["sg-1"]',
            "notification_topic_arn": "arn:aws:sns:us-east-1:123456789012:ops",
            "notification_topic_status": "active",
        },
        GROUPS,
    )  # fmt: skip
    members = build(
        "node_group_members",
        {
            "resource_type": "node_group_member",
            "resource_id": [f"{g}-{n}" for g in ids for n in range(3)],
            "replication_group_id": np.repeat(ids, 3), "node_group_id": "0001",
            "preferred_availability_zone": rng.choice(ZONES, GROUPS * 3),
        },
        GROUPS * 3,
    )  # fmt: skip
    clusters = build(
        "cache_clusters",
        {
            "resource_type": "cache_cluster", "resource_id": members["resource_id"].to_numpy(),
            "replication_group_id": np.repeat(ids, 3), "engine": "redis",
        },
        GROUPS * 3,
    )  # fmt: skip
    times = pd.Timestamp("2026-05-15T00:00:00Z") - pd.to_timedelta(
        rng.integers(0, 40 * 24, SNAPSHOTS), unit="h"
    )
    snapshots = build(
        "snapshots",
        {
            "resource_type": "snapshot", "resource_id": [f"snap-{i}" for i in range(SNAPSHOTS)],
            "replication_group_id": rng.choice(ids, SNAPSHOTS), "snapshot_status": "available",
            "snapshot_time": times.astype(str),
        },
        SNAPSHOTS,
    )  # fmt: skip
    return {
        "replication_groups": groups,
        "node_group_members": members,
        "cache_clusters": clusters,
        "snapshots": snapshots,
        "subnet_groups": build("subnet_groups", SUBNET_GROUP, 1),
        "subnets": build("subnets", {"resource_id": ["s-a", "s-b"], "public": False}, 2),
        "security_group_rules": build("security_group_rules", RULE, 1),
        "sns_topics": build("sns_topics", TOPIC, 1),
    }  # fmt: skip


TARGET_SECONDS = 2.0


def timed(step: Callable[[], object], repeats: int) -> tuple[list[float], list[float]]:
    """Run ``step`` ``repeats`` times; return its wall and process CPU seconds per run."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def read_parquet_seconds(frames: dict[str, pd.DataFrame], repeats: int) -> tuple[float, float]:
    """Write the frames to parquet once; return the best wall and CPU seconds to read them."""
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{name}.parquet" for name in frames]
        for path, frame in zip(paths, frames.values(), strict=True):
            frame.to_parquet(path, index=False)
        wall, cpu = timed(lambda: [pd.read_parquet(path) for path in paths], repeats)
    return min(wall), min(cpu)


def report(wall: list[float], cpu: list[float], read: tuple[float, float]) -> None:
    """Print the best and median times, the ratios to reading parquet, and the target."""
    best, median = min(wall), statistics.median(wall)
    print(f"evaluate_findings over {len(wall)} runs: wall best {best:.2f} s, median {median:.2f} s")
    print(f"  process CPU: best {min(cpu):.2f} s, median {statistics.median(cpu):.2f} s")
    print(f"reading the frames from parquet: wall best {read[0]:.3f} s, CPU {read[1]:.3f} s")
    print(
        f"ratio evaluate / parquet read: wall {best / read[0]:.1f}x, CPU {min(cpu) / read[1]:.1f}x"
    )
    verdict = "meets" if best < TARGET_SECONDS else "misses"
    print(f"target < {TARGET_SECONDS:.0f} s: best {best:.2f} s {verdict} it")


def report_checks(per_check: dict[str, list[float]], top: int = 10) -> None:
    """Print the ``top`` slowest checks by median seconds, with their share of the total."""
    medians = {check: statistics.median(seconds) for check, seconds in per_check.items()}
    total = sum(medians.values())
    print(f"per-check median, top {top} of {len(medians)} (sum of all checks {total:.2f} s):")
    for check, seconds in sorted(medians.items(), key=lambda item: -item[1])[:top]:
        print(f"  {check:<32} {seconds * 1000:7.1f} ms  {seconds / total:5.1%}")


def main() -> None:
    """Build the fleet, time evaluate_findings against reading parquet, print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    params = parse_params(
        {"run": {"name": "bench", "period": {"start": "2026-04-01", "end": "2026-05-14"}},
         "aws": {"regions": [REGION], "accounts": [{"id": ACCOUNT}]}}
    )  # fmt: skip
    frames, meta = fleet(), {"started_at": "2026-05-15T12:00:00Z"}
    sizes = ", ".join(f"{name} {len(frame):,}" for name, frame in frames.items())
    print(f"frames (rows): {sizes}")

    # Warm-up (imports, catalog) then the timed runs, each filling its per-check timings.
    findings = evaluate_findings(frames, params, meta)
    per_check: dict[str, list[float]] = {}

    def run() -> None:
        timings: dict[str, float] = {}
        evaluate_findings(frames, params, meta, timings)
        for check, seconds in timings.items():
            per_check.setdefault(check, []).append(seconds)

    wall, cpu = timed(run, repeats)
    print(
        f"findings rows {len(findings):,}; statuses {findings['status'].value_counts().to_dict()}"
    )
    report(wall, cpu, read_parquet_seconds(frames, repeats))
    report_checks(per_check)


if __name__ == "__main__":
    main()
