"""Frames of ElastiCache caches: replication groups, cache clusters, nodes, serverless caches."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pandas as pd

from evidence_lib.frames.common import (
    Row,
    dig,
    flag,
    json_ids,
    json_text,
    leading,
    page_items,
    status_flag,
    to_frame,
)
from evidence_lib.rawstore import RawPage, RawStore

SERVICE = "elasticache"


def _transit_mode(item: dict[str, Any]) -> str | None:
    mode = item.get("TransitEncryptionMode")
    # NOTE: TransitEncryptionMode arrived with the "preferred" mode; before it, TLS enabled
    # meant every connection had to use it, which AWS now calls "required".
    if mode is None and item.get("TransitEncryptionEnabled") is True:
        return "required"
    return str(mode) if mode is not None else None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _cluster_row(page: RawPage, item: dict[str, Any]) -> Row:
    nodes = item.get("CacheNodes") or []
    port = dig(item, "ConfigurationEndpoint", "Port") or dig(nodes, 0, "Endpoint", "Port")
    zones = [item.get("PreferredAvailabilityZone")]
    zones += [node.get("CustomerAvailabilityZone") for node in nodes]
    row = leading(page, "cache_cluster", item.get("CacheClusterId"), item.get("ARN"))
    row.update(
        engine=item.get("Engine"),
        engine_version=item.get("EngineVersion"),
        cache_node_type=item.get("CacheNodeType"),
        status=item.get("CacheClusterStatus"),
        port=port,
        at_rest_encryption_enabled=flag(item.get("AtRestEncryptionEnabled")),
        transit_encryption_enabled=flag(item.get("TransitEncryptionEnabled")),
        transit_encryption_mode=_transit_mode(item),
        auth_token_enabled=flag(item.get("AuthTokenEnabled")),
        kms_key_id=None,
        auto_minor_version_upgrade=flag(item.get("AutoMinorVersionUpgrade")),
        snapshot_retention_limit_days=item.get("SnapshotRetentionLimit"),
        snapshot_window=item.get("SnapshotWindow"),
        preferred_maintenance_window=item.get("PreferredMaintenanceWindow"),
        notification_topic_arn=dig(item, "NotificationConfiguration", "TopicArn"),
        notification_topic_status=dig(item, "NotificationConfiguration", "TopicStatus"),
        cache_parameter_group_name=dig(item, "CacheParameterGroup", "CacheParameterGroupName"),
        cache_subnet_group_name=item.get("CacheSubnetGroupName"),
        security_group_ids=_security_groups(item),
        availability_zones=json_ids(zones) if any(zones) else None,
        create_time=item.get("CacheClusterCreateTime"),
        replication_group_id=item.get("ReplicationGroupId"),
        num_cache_nodes=item.get("NumCacheNodes"),
        preferred_availability_zone=item.get("PreferredAvailabilityZone"),
        parameter_apply_status=dig(item, "CacheParameterGroup", "ParameterApplyStatus"),
    )
    return row


def _security_groups(item: dict[str, Any]) -> str | None:
    if "SecurityGroups" not in item:
        return None
    return json_ids(group.get("SecurityGroupId") for group in item["SecurityGroups"])


def _cluster_rows(store: RawStore) -> list[Row]:
    rows = [
        _cluster_row(page, item)
        for page, item in page_items(store, SERVICE, "DescribeCacheClusters", "CacheClusters")
    ]
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for row in rows:
        key = (row["account_id"], row["region"], row["resource_id"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def build_cache_clusters(store: RawStore) -> pd.DataFrame:
    """Build ``cache_clusters``: one row per cache cluster (node), member or standalone.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``cache_clusters`` schema: the shared cache settings (engine, engine_version,
        port, encryption flags, transit_encryption_mode, auth_token_enabled, backup and
        maintenance windows, SNS topic, parameter and subnet group, security_group_ids,
        availability_zones, create_time) plus replication_group_id, num_cache_nodes,
        preferred_availability_zone and parameter_apply_status. kms_key_id is taken from the
        replication group of a member cluster (a cache cluster does not report one).
    """
    rows = _cluster_rows(store)
    groups = {
        (page.account_id, page.region, item.get("ReplicationGroupId")): item
        for page, item in page_items(
            store, SERVICE, "DescribeReplicationGroups", "ReplicationGroups"
        )
    }
    for row in rows:
        group = groups.get((row["account_id"], row["region"], row["replication_group_id"]))
        if group is not None:
            row["kms_key_id"] = group.get("KmsKeyId")
    return to_frame("cache_clusters", rows)


def _first(members: list[Row], column: str) -> Any:
    return next((m[column] for m in members if m[column] is not None), None)


def _member_settings(members: list[Row]) -> Row:
    """Return the settings a replication group reports only through its member clusters."""
    versions = [m["engine_version"] for m in members if m["engine_version"]]
    zones = [zone for m in members for zone in _loads(m["availability_zones"])]
    reported = [m["security_group_ids"] for m in members if m["security_group_ids"] is not None]
    groups = [gid for text in reported for gid in _loads(text)]
    return {
        # NOTE: members differ only mid-upgrade; the lowest version is the one still exposed.
        "engine_version": min(versions, key=_version_key) if versions else None,
        "cache_parameter_group_name": _first(members, "cache_parameter_group_name"),
        "cache_subnet_group_name": _first(members, "cache_subnet_group_name"),
        "preferred_maintenance_window": _first(members, "preferred_maintenance_window"),
        "notification_topic_arn": _first(members, "notification_topic_arn"),
        "notification_topic_status": _first(members, "notification_topic_status"),
        "security_group_ids": json_ids(groups) if reported else None,
        "zones": zones,
    }


def _loads(text: str | None) -> list[str]:
    return list(json.loads(text)) if text else []


def _group_port(item: dict[str, Any], members: list[Row]) -> Any:
    return (
        dig(item, "ConfigurationEndpoint", "Port")
        or dig(item, "NodeGroups", 0, "PrimaryEndpoint", "Port")
        or _first(members, "port")
    )


def _group_row(page: RawPage, item: dict[str, Any], members: list[Row]) -> Row:
    shared = _member_settings(members)
    node_groups = item.get("NodeGroups") or []
    zones = shared.pop("zones") + [
        member.get("PreferredAvailabilityZone")
        for group in node_groups
        for member in group.get("NodeGroupMembers") or []
    ]
    auto_minor = item.get("AutoMinorVersionUpgrade")
    row = leading(page, "replication_group", item.get("ReplicationGroupId"), item.get("ARN"))
    row["raw_path"] = ";".join(sorted({page.path, *(m["raw_path"] for m in members)}))
    row.update(shared)
    row.update(
        engine=item.get("Engine") or _first(members, "engine"),
        cache_node_type=item.get("CacheNodeType") or _first(members, "cache_node_type"),
        status=item.get("Status"),
        port=_group_port(item, members),
        at_rest_encryption_enabled=flag(item.get("AtRestEncryptionEnabled")),
        transit_encryption_enabled=flag(item.get("TransitEncryptionEnabled")),
        transit_encryption_mode=_transit_mode(item),
        auth_token_enabled=flag(item.get("AuthTokenEnabled")),
        kms_key_id=item.get("KmsKeyId"),
        auto_minor_version_upgrade=(
            flag(auto_minor)
            if auto_minor is not None
            else _first(members, "auto_minor_version_upgrade")
        ),
        snapshot_retention_limit_days=item.get("SnapshotRetentionLimit"),
        snapshot_window=item.get("SnapshotWindow"),
        availability_zones=json_ids(zones) if any(zones) else None,
        create_time=item.get("ReplicationGroupCreateTime"),
        description=item.get("Description"),
        cluster_enabled=flag(item.get("ClusterEnabled")),
        num_node_groups=len(node_groups) if "NodeGroups" in item else None,
        member_cluster_ids=json_ids(item.get("MemberClusters") or []),
        multi_az=item.get("MultiAZ"),
        multi_az_enabled=status_flag(item.get("MultiAZ")),
        automatic_failover=item.get("AutomaticFailover"),
        automatic_failover_enabled=status_flag(item.get("AutomaticFailover")),
        user_group_ids=json_ids(item.get("UserGroupIds") or []),
        log_delivery_configurations=json_text(item.get("LogDeliveryConfigurations") or []),
        data_tiering=item.get("DataTiering"),
    )
    return row


def build_replication_groups(store: RawStore) -> pd.DataFrame:
    """Build ``replication_groups``: one row per replication group, joined with its members.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``replication_groups`` schema: the shared cache settings (engine_version,
        cache_parameter_group_name, cache_subnet_group_name, preferred_maintenance_window,
        notification_topic_*, security_group_ids and availability_zones come from the member
        clusters of DescribeCacheClusters) plus description, cluster_enabled,
        num_node_groups, member_cluster_ids, multi_az(_enabled),
        automatic_failover(_enabled), user_group_ids, log_delivery_configurations and
        data_tiering. raw_path lists the group's page and its members' pages.
    """
    members: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for cluster in sorted(_cluster_rows(store), key=lambda r: str(r["resource_id"])):
        if cluster["replication_group_id"]:
            key = (cluster["account_id"], cluster["region"], cluster["replication_group_id"])
            members[key].append(cluster)
    rows = []
    operation = "DescribeReplicationGroups"
    for page, item in page_items(store, SERVICE, operation, "ReplicationGroups"):
        key = (page.account_id, page.region, str(item.get("ReplicationGroupId")))
        rows.append(_group_row(page, item, members.get(key, [])))
    return to_frame("replication_groups", rows)


def build_node_group_members(store: RawStore) -> pd.DataFrame:
    """Build ``node_group_members``: one row per node of a replication group's node groups.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``node_group_members`` schema: replication_group_id, node_group_id,
        cache_cluster_id, cache_node_id, preferred_availability_zone and current_role
        (<NA> for cluster-mode groups, which report no role); resource_id is
        ``<CacheClusterId>/<CacheNodeId>``.
    """
    rows = []
    for page, item in page_items(store, SERVICE, "DescribeReplicationGroups", "ReplicationGroups"):
        for group in item.get("NodeGroups") or []:
            for member in group.get("NodeGroupMembers") or []:
                node_id = f"{member.get('CacheClusterId')}/{member.get('CacheNodeId')}"
                row = leading(page, "node_group_member", node_id)
                row.update(
                    replication_group_id=item.get("ReplicationGroupId"),
                    node_group_id=group.get("NodeGroupId"),
                    cache_cluster_id=member.get("CacheClusterId"),
                    cache_node_id=member.get("CacheNodeId"),
                    preferred_availability_zone=member.get("PreferredAvailabilityZone"),
                    current_role=member.get("CurrentRole"),
                )
                rows.append(row)
    return to_frame("node_group_members", rows)


def build_serverless_caches(store: RawStore) -> pd.DataFrame:
    """Build ``serverless_caches``: one row per serverless cache.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``serverless_caches`` schema: engine, major_engine_version,
        full_engine_version, status, port, kms_key_id, security_group_ids, subnet_ids,
        user_group_id, snapshot_retention_limit_days, daily_snapshot_time, create_time.
    """
    rows = []
    for page, item in page_items(store, SERVICE, "DescribeServerlessCaches", "ServerlessCaches"):
        row = leading(page, "serverless_cache", item.get("ServerlessCacheName"), item.get("ARN"))
        row.update(
            engine=item.get("Engine"),
            major_engine_version=item.get("MajorEngineVersion"),
            full_engine_version=item.get("FullEngineVersion"),
            status=item.get("Status"),
            port=dig(item, "Endpoint", "Port"),
            kms_key_id=item.get("KmsKeyId"),
            security_group_ids=json_ids(item.get("SecurityGroupIds") or []),
            subnet_ids=json_ids(item.get("SubnetIds") or []),
            user_group_id=item.get("UserGroupId"),
            snapshot_retention_limit_days=item.get("SnapshotRetentionLimit"),
            daily_snapshot_time=item.get("DailySnapshotTime"),
            create_time=item.get("CreateTime"),
        )
        rows.append(row)
    return to_frame("serverless_caches", rows)
