"""Frames of ElastiCache settings: snapshots, versions, parameter and user groups, updates."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from evidence_lib.frames.common import (
    Row,
    dig,
    evidence_pages,
    flag,
    json_ids,
    json_text,
    leading,
    page_items,
    to_frame,
)
from evidence_lib.rawstore import RawStore

SERVICE = "elasticache"


def _newest_node_snapshot(item: dict[str, Any]) -> str | None:
    times = [n.get("SnapshotCreateTime") for n in item.get("NodeSnapshots") or []]
    times = [t for t in times if t]
    return max(times, key=lambda t: pd.Timestamp(t)) if times else None


def _node_snapshot_rows(store: RawStore) -> list[Row]:
    rows = []
    for page, item in page_items(store, SERVICE, "DescribeSnapshots", "Snapshots"):
        row = leading(page, "snapshot", item.get("SnapshotName"), item.get("ARN"))
        row.update(
            snapshot_source=item.get("SnapshotSource"),
            snapshot_status=item.get("SnapshotStatus"),
            replication_group_id=item.get("ReplicationGroupId"),
            cache_cluster_id=item.get("CacheClusterId"),
            serverless_cache_name=None,
            engine=item.get("Engine"),
            engine_version=item.get("EngineVersion"),
            kms_key_id=item.get("KmsKeyId"),
            snapshot_retention_limit_days=item.get("SnapshotRetentionLimit"),
            snapshot_time=_newest_node_snapshot(item),
        )
        rows.append(row)
    return rows


def _serverless_snapshot_rows(store: RawStore) -> list[Row]:
    rows = []
    operation = "DescribeServerlessCacheSnapshots"
    for page, item in page_items(store, SERVICE, operation, "ServerlessCacheSnapshots"):
        name = item.get("ServerlessCacheSnapshotName")
        row = leading(page, "snapshot", name, item.get("ARN"))
        row.update(
            snapshot_source=item.get("SnapshotType"),
            snapshot_status=item.get("Status"),
            replication_group_id=None,
            cache_cluster_id=None,
            serverless_cache_name=dig(item, "ServerlessCacheConfiguration", "ServerlessCacheName"),
            engine=dig(item, "ServerlessCacheConfiguration", "Engine"),
            engine_version=dig(item, "ServerlessCacheConfiguration", "MajorEngineVersion"),
            kms_key_id=item.get("KmsKeyId"),
            snapshot_retention_limit_days=None,
            snapshot_time=item.get("CreateTime"),
        )
        rows.append(row)
    return rows


def build_snapshots(store: RawStore) -> pd.DataFrame:
    """Build ``snapshots``: one row per snapshot of a node-based or serverless cache.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``snapshots`` schema: snapshot_source (automated/manual; SnapshotType for
        serverless), snapshot_status, replication_group_id, cache_cluster_id,
        serverless_cache_name, engine, engine_version, kms_key_id,
        snapshot_retention_limit_days and snapshot_time (the newest node snapshot's
        SnapshotCreateTime; CreateTime for serverless snapshots).
    """
    rows = _node_snapshot_rows(store) + _serverless_snapshot_rows(store)
    return to_frame("snapshots", rows)


def _major_version(version: str | None) -> int | None:
    head = (version or "").split(".")[0]
    return int(head) if head.isdigit() else None


def build_engine_versions(store: RawStore) -> pd.DataFrame:
    """Build ``engine_versions``: one row per engine version offered in a region.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``engine_versions`` schema: engine, engine_version, major_version (the first
        version component as an integer), parameter_group_family and description;
        resource_id is ``<engine>-<version>``.
    """
    rows = []
    operation = "DescribeCacheEngineVersions"
    for page, item in page_items(store, SERVICE, operation, "CacheEngineVersions"):
        engine, version = item.get("Engine"), item.get("EngineVersion")
        row = leading(page, "engine_version", f"{engine}-{version}")
        row.update(
            engine=engine,
            engine_version=version,
            major_version=_major_version(version),
            parameter_group_family=item.get("CacheParameterGroupFamily"),
            description=item.get("CacheEngineVersionDescription"),
        )
        rows.append(row)
    return to_frame("engine_versions", rows)


def _user_parameters(
    store: RawStore,
) -> dict[tuple[str, str, str], tuple[dict[str, Any], list[str]]]:
    """Map (account, region, group) to its user-set parameters and the pages they came from."""
    found: dict[tuple[str, str, str], tuple[dict[str, Any], list[str]]] = defaultdict(
        lambda: ({}, [])
    )
    for page in evidence_pages(store, SERVICE, "DescribeCacheParameters"):
        key = (page.account_id, page.region, str(page.request.get("CacheParameterGroupName")))
        values, paths = found[key]
        paths.append(page.path)
        for parameter in (page.response or {}).get("Parameters") or []:
            if parameter.get("Source") == "user":
                values[parameter.get("ParameterName")] = parameter.get("ParameterValue")
    return dict(found)


def build_parameter_groups(store: RawStore) -> pd.DataFrame:
    """Build ``parameter_groups``: one row per cache parameter group.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``parameter_groups`` schema: family, description, is_default (the name starts
        with ``default.``), is_global and parameters_json (a JSON object of the parameters
        whose source is ``user``; <NA> when the group's parameters were not collected).
    """
    parameters = _user_parameters(store)
    rows = []
    operation = "DescribeCacheParameterGroups"
    for page, item in page_items(store, SERVICE, operation, "CacheParameterGroups"):
        name = item.get("CacheParameterGroupName")
        values, paths = parameters.get((page.account_id, page.region, str(name)), (None, []))
        row = leading(page, "parameter_group", name, item.get("ARN"))
        row["raw_path"] = ";".join(sorted({page.path, *paths}))
        row.update(
            family=item.get("CacheParameterGroupFamily"),
            description=item.get("Description"),
            is_default=str(name).startswith("default."),
            is_global=flag(item.get("IsGlobal")),
            parameters_json=json_text(values),
        )
        rows.append(row)
    return to_frame("parameter_groups", rows)


def build_user_groups(store: RawStore) -> pd.DataFrame:
    """Build ``user_groups``: one row per RBAC user group.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``user_groups`` schema: engine, status, user_ids, replication_group_ids,
        serverless_cache_names (JSON lists) and minimum_engine_version.
    """
    rows = []
    for page, item in page_items(store, SERVICE, "DescribeUserGroups", "UserGroups"):
        row = leading(page, "user_group", item.get("UserGroupId"), item.get("ARN"))
        row.update(
            engine=item.get("Engine"),
            status=item.get("Status"),
            user_ids=json_ids(item.get("UserIds") or []),
            replication_group_ids=json_ids(item.get("ReplicationGroups") or []),
            serverless_cache_names=json_ids(item.get("ServerlessCaches") or []),
            minimum_engine_version=item.get("MinimumEngineVersion"),
        )
        rows.append(row)
    return to_frame("user_groups", rows)


def build_service_updates(store: RawStore) -> pd.DataFrame:
    """Build ``service_updates``: one row per update action (DescribeUpdateActions).

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``service_updates`` schema: service_update_name, _type, _severity, _status,
        update_action_status, replication_group_id, cache_cluster_id, engine, the release,
        recommended apply-by and availability times, and sla_met; resource_id is
        ``<ServiceUpdateName>/<ReplicationGroupId or CacheClusterId>``.
    """
    rows = []
    for page, item in page_items(store, SERVICE, "DescribeUpdateActions", "UpdateActions"):
        target = item.get("ReplicationGroupId") or item.get("CacheClusterId")
        row = leading(page, "update_action", f"{item.get('ServiceUpdateName')}/{target}")
        row.update(
            service_update_name=item.get("ServiceUpdateName"),
            service_update_type=item.get("ServiceUpdateType"),
            service_update_severity=item.get("ServiceUpdateSeverity"),
            service_update_status=item.get("ServiceUpdateStatus"),
            update_action_status=item.get("UpdateActionStatus"),
            replication_group_id=item.get("ReplicationGroupId"),
            cache_cluster_id=item.get("CacheClusterId"),
            engine=item.get("Engine"),
            service_update_release_time=item.get("ServiceUpdateReleaseDate"),
            service_update_recommended_apply_by_time=item.get(
                "ServiceUpdateRecommendedApplyByDate"
            ),
            update_action_available_time=item.get("UpdateActionAvailableDate"),
            sla_met=item.get("SlaMet"),
        )
        rows.append(row)
    return to_frame("service_updates", rows)
