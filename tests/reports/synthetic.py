"""A small synthetic run folder built from the declared frame schemas, for report tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_lib.controls import load_catalog
from evidence_lib.frames.schema import SCHEMAS

ACCOUNT = "123456789012"
STATUSES = ["PASS", "FAIL", "GAP", "MANUAL", "NOT_APPLICABLE"]


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    schema = SCHEMAS[name]
    records = [
        {c: row.get(c) for c in schema.all_columns}
        | {"account_id": ACCOUNT, "region": row.get("region", "us-east-1")}
        for row in rows
    ]
    frame = pd.DataFrame(records, columns=list(schema.all_columns))
    return schema.coerce(frame) if rows else schema.empty()


def _frames() -> dict[str, list[dict[str, Any]]]:
    groups = [
        {
            "resource_id": "rg-good",
            "engine": "redis",
            "engine_version": "7.1.0",
            "at_rest_encryption_enabled": True,
            "transit_encryption_enabled": True,
            "auth_token_enabled": True,
            "snapshot_retention_limit_days": 35,
        },
        {
            "resource_id": "rg-bad",
            "engine": "redis",
            "engine_version": "5.0.6",
            "at_rest_encryption_enabled": False,
            "transit_encryption_enabled": None,
            "snapshot_retention_limit_days": 1,
        },
    ]
    members = [
        {
            "resource_id": f"{g}-00{i}/0001",
            "replication_group_id": g,
            "preferred_availability_zone": f"us-east-1{'ab'[i % 2] if g == 'rg-good' else 'a'}",
        }
        for g in ("rg-good", "rg-bad")
        for i in range(1, 3)
    ]
    snapshots = [
        {
            "resource_id": f"snap-{i}",
            "replication_group_id": "rg-good",
            "snapshot_time": f"2026-0{i}-15T03:00:00Z",
            "kms_key_id": "k" if i % 2 else None,
        }
        for i in range(1, 4)
    ]
    rules = [
        {"resource_id": "sg-open", "direction": "ingress", "cidr": "0.0.0.0/0", "from_port": 6379},
        {"resource_id": "sg-closed", "direction": "ingress", "cidr": "10.0.0.0/8"},
    ]
    events = [
        {
            "resource_id": f"ev-{i}",
            "event_id": f"ev-{i}",
            "event_name": name,
            "event_time": f"2026-03-0{i}T10:00:00Z",
            "read_only": False,
            "principal_arn": f"arn:aws:iam::{ACCOUNT}:user/u{i}",
            "error_code": err,
            "request_parameters": json.dumps({"replicationGroupId": "rg-bad"}),
        }
        for i, (name, err) in enumerate(
            [
                ("ModifyReplicationGroup", None),
                ("StopLogging", None),
                ("CreateSnapshot", "AccessDenied"),
                ("ModifyReplicationGroup", None),
            ],
            start=1,
        )
    ]
    return {
        "replication_groups": groups,
        "node_group_members": members,
        "snapshots": snapshots,
        "security_group_rules": rules,
        "cloudtrail_events": events,
    }


def _findings(raw: list[str]) -> pd.DataFrame:
    rows = []
    for n, control in enumerate(load_catalog().controls):
        for i, check in enumerate(control.checks):
            status = STATUSES[(n + i) % len(STATUSES)]
            rows.append(
                {
                    "control_id": control.id,
                    "check_id": check,
                    "account_id": ACCOUNT,
                    "region": "us-east-1",
                    "resource_type": "replication_group",
                    "resource_id": "rg-bad",
                    "status": status,
                    "reason": f"{check} is {status.lower()} for rg-bad " + "x" * 60,
                    "evidence": ";".join(raw),
                    "threshold": "35" if i % 2 else "",
                }
            )
    return pd.DataFrame(rows).astype("string")


def make_synthetic_run(parent: Path, name: str = "synthetic-run") -> Path:
    """Write a run folder with frames, findings, gaps, raw pages and run.json; return it."""
    run_dir = parent / name
    raw_dir = run_dir / "raw" / ACCOUNT / "us-east-1" / "elasticache" / "DescribeReplicationGroups"
    raw_dir.mkdir(parents=True)
    (raw_dir / "0001.json").write_text(json.dumps({"service": "elasticache"}), encoding="utf-8")
    raw = [(raw_dir / "0001.json").relative_to(run_dir).as_posix()]
    (run_dir / "frames").mkdir()
    for frame_name, rows in _frames().items():
        _frame(frame_name, rows).to_parquet(run_dir / "frames" / f"{frame_name}.parquet")
    findings = _findings(raw)
    findings.to_parquet(run_dir / "findings.parquet")
    findings.to_csv(run_dir / "findings.csv", index=False)
    gaps = "account_id,region,service,operation,error_code,error_message\n"
    gaps += f"{ACCOUNT},us-west-2,elasticache,DescribeUpdateActions,AccessDenied,denied\n"
    (run_dir / "gaps.csv").write_text(gaps, encoding="utf-8")
    meta = {
        "run_id": name,
        "period": {"start": "2026-01-01", "end": "2026-03-31"},
        "scope": {"accounts": [ACCOUNT], "regions": ["us-east-1", "us-west-2"]},
        "caller_identities": {
            ACCOUNT: {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/auditor"}
        },
        "started_at": "2026-04-01T00:00:00Z",
        "finished_at": "2026-04-01T00:05:00Z",
        "parameters": {
            "thresholds": {"min_engine_version": {"redis": "6.2"}},
            "render": {
                "controls": "all",
                "formats": ["html", "pdf"],
                "jobs": 2,
                "timeout_seconds": 120,
            },
        },
    }
    (run_dir / "run.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return run_dir
