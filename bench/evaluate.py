"""Time evaluate_findings on a synthetic fleet: 1,000 replication groups, 20,000 snapshots.

Frames are built directly as DataFrames (no AWS, no raw files). Run:
``.venv/bin/python bench/evaluate.py``. Target: under 2 seconds.
"""

from __future__ import annotations

import time

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


def main() -> None:
    params = parse_params(
        {"run": {"name": "bench", "period": {"start": "2026-04-01", "end": "2026-05-14"}},
         "aws": {"regions": [REGION], "accounts": [{"id": ACCOUNT}]}}
    )  # fmt: skip
    frames = fleet()
    meta = {"started_at": "2026-05-15T12:00:00Z"}
    evaluate_findings(frames, params, meta)  # warm-up: imports and catalog load
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        findings = evaluate_findings(frames, params, meta)
        timings.append(time.perf_counter() - started)
    print(f"groups {GROUPS}, member clusters {GROUPS * 3}, snapshots {SNAPSHOTS}")
    print(f"findings rows {len(findings)}; statuses {findings['status'].value_counts().to_dict()}")
    print(
        f"evaluate_findings: best {min(timings):.2f} s, worst {max(timings):.2f} s (target < 2 s)"
    )


if __name__ == "__main__":
    main()
