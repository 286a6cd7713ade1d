"""Builders of small frames and parameters for the check tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evidence_lib.checks.common import RUN_CONTEXT
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.params import Params, parse_params

ACCOUNT = "123456789012"
REGION = "us-east-1"
AS_OF = pd.Timestamp("2026-05-15T12:00:00Z")

_RESOURCE_TYPES = {
    "replication_groups": "replication_group",
    "cache_clusters": "cache_cluster",
    "node_group_members": "node_group_member",
    "serverless_caches": "serverless_cache",
    "snapshots": "snapshot",
    "engine_versions": "engine_version",
    "parameter_groups": "parameter_group",
    "subnet_groups": "subnet_group",
    "subnets": "subnet",
    "security_group_rules": "security_group",
    "user_groups": "user_group",
    "service_updates": "update_action",
    "kms_keys": "kms_key",
    "trails": "trail",
    "log_groups": "log_group",
    "metric_filters": "metric_filter",
    "alarms": "alarm",
    "sns_topics": "sns_topic",
    "buckets": "bucket",
    "agreements": "agreement",
    "cloudtrail_events": "event",
    "cloudtrail_log_files": "log_day",
    "collection_gaps": "api_call",
}


def frame(name: str, *rows: dict[str, Any]) -> pd.DataFrame:
    """Return a frame of the declared schema; columns a row omits are <NA>."""
    schema = SCHEMAS[name]
    defaults = {
        "account_id": ACCOUNT,
        "region": REGION,
        "resource_type": _RESOURCE_TYPES[name],
        "raw_path": f"raw/{ACCOUNT}/{REGION}/x/{name}/0001.json",
    }
    filled = [{c: row.get(c, defaults.get(c, pd.NA)) for c in schema.all_columns} for row in rows]
    data = pd.DataFrame(filled, columns=list(schema.all_columns))
    return schema.coerce(data)


def gaps(*operations: str, account: str = ACCOUNT, region: str = REGION) -> pd.DataFrame:
    """Return a collection_gaps frame with one AccessDenied row per operation."""
    rows = [
        {
            "resource_id": f"x:{operation}",
            "operation": operation,
            "service": "x",
            "error_code": "AccessDenied",
            "account_id": account,
            "region": region,
        }
        for operation in operations
    ]
    return frame("collection_gaps", *rows)


def context(
    as_of: pd.Timestamp | None = AS_OF,
    start: str = "2026-04-01T00:00:00Z",
    end: str = "2026-05-15T00:00:00Z",
) -> pd.DataFrame:
    """Return the one-row run_context pseudo-frame."""
    values = {"as_of_time": as_of, "period_start_time": start, "period_end_time": end}
    return pd.DataFrame({k: pd.Series([v], dtype="datetime64[ns, UTC]") for k, v in values.items()})


def params(**sections: Any) -> Params:
    """Return validated parameters with the given sections merged over a minimal file."""
    data: dict[str, Any] = {
        "run": {"name": "test", "period": {"start": "2026-04-01", "end": "2026-05-14"}},
        "aws": {"regions": [REGION], "accounts": [{"id": ACCOUNT}]},
    }
    data.update(sections)
    return parse_params(data)


def frames(**named: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return a frames mapping with the run context added."""
    return {RUN_CONTEXT: context(), **named}


def row(result: pd.DataFrame, resource_id: str) -> pd.Series:
    """Return the single findings row of ``resource_id``."""
    hits = result.loc[result["resource_id"] == resource_id]
    assert len(hits) == 1, result.to_string()
    return hits.iloc[0]


def status_of(result: pd.DataFrame, resource_id: str) -> str:
    """Return the status of the single findings row of ``resource_id``."""
    return str(row(result, resource_id)["status"])
