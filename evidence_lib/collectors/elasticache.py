"""ElastiCache collectors: one ``collect_<operation>`` per API operation, every page stored."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from evidence_lib.collectors.context import CollectContext, Response, call_pages, items

logger = logging.getLogger(__name__)

SERVICE = "elasticache"
MAX_RECORDS = 100
# NOTE: DescribeSnapshots and DescribeServerlessCacheSnapshots accept at most 50 per page.
MAX_SNAPSHOT_RECORDS = 50
ENGINES = ("redis", "valkey")
SERVICE_UPDATE_STATUSES = ["available", "cancelled", "expired"]


def collect_describe_replication_groups(ctx: CollectContext) -> list[Response]:
    """Store every DescribeReplicationGroups page; return the replication groups."""
    pages = call_pages(ctx, SERVICE, "DescribeReplicationGroups", {"MaxRecords": MAX_RECORDS})
    return items(pages, "ReplicationGroups")


def collect_describe_cache_clusters(ctx: CollectContext) -> list[Response]:
    """Store every DescribeCacheClusters page (with node info); return the clusters."""
    request = {"ShowCacheNodeInfo": True, "MaxRecords": MAX_RECORDS}
    return items(call_pages(ctx, SERVICE, "DescribeCacheClusters", request), "CacheClusters")


def collect_describe_serverless_caches(ctx: CollectContext) -> list[Response]:
    """Store every DescribeServerlessCaches page; return the serverless caches."""
    request = {"MaxResults": MAX_SNAPSHOT_RECORDS}
    pages = call_pages(ctx, SERVICE, "DescribeServerlessCaches", request)
    return items(pages, "ServerlessCaches")


def collect_describe_snapshots(ctx: CollectContext) -> list[Response]:
    """Store every DescribeSnapshots page (automatic and manual); return the snapshots."""
    request = {"MaxRecords": MAX_SNAPSHOT_RECORDS}
    return items(call_pages(ctx, SERVICE, "DescribeSnapshots", request), "Snapshots")


def collect_describe_serverless_cache_snapshots(ctx: CollectContext) -> list[Response]:
    """Store every DescribeServerlessCacheSnapshots page; return the snapshots."""
    request = {"MaxResults": MAX_SNAPSHOT_RECORDS}
    pages = call_pages(ctx, SERVICE, "DescribeServerlessCacheSnapshots", request)
    return items(pages, "ServerlessCacheSnapshots")


def collect_describe_cache_engine_versions(ctx: CollectContext, engine: str) -> list[Response]:
    """Store every DescribeCacheEngineVersions page of ``engine``; return the versions."""
    request = {"Engine": engine, "MaxRecords": MAX_RECORDS}
    pages = call_pages(ctx, SERVICE, "DescribeCacheEngineVersions", request)
    return items(pages, "CacheEngineVersions")


def collect_describe_cache_parameter_groups(ctx: CollectContext) -> list[Response]:
    """Store every DescribeCacheParameterGroups page; return the parameter groups."""
    request = {"MaxRecords": MAX_RECORDS}
    pages = call_pages(ctx, SERVICE, "DescribeCacheParameterGroups", request)
    return items(pages, "CacheParameterGroups")


def collect_describe_cache_parameters(ctx: CollectContext, group_name: str) -> list[Response]:
    """Store every DescribeCacheParameters page of one group; return its parameters."""
    request = {"CacheParameterGroupName": group_name, "MaxRecords": MAX_RECORDS}
    return items(call_pages(ctx, SERVICE, "DescribeCacheParameters", request), "Parameters")


def collect_describe_cache_subnet_groups(ctx: CollectContext) -> list[Response]:
    """Store every DescribeCacheSubnetGroups page; return the subnet groups."""
    request = {"MaxRecords": MAX_RECORDS}
    pages = call_pages(ctx, SERVICE, "DescribeCacheSubnetGroups", request)
    return items(pages, "CacheSubnetGroups")


def collect_describe_user_groups(ctx: CollectContext) -> list[Response]:
    """Store every DescribeUserGroups page; return the RBAC user groups."""
    request = {"MaxRecords": MAX_RECORDS}
    return items(call_pages(ctx, SERVICE, "DescribeUserGroups", request), "UserGroups")


def collect_describe_update_actions(ctx: CollectContext) -> list[Response]:
    """Store every DescribeUpdateActions page of every service update status."""
    request = {
        "ServiceUpdateStatus": SERVICE_UPDATE_STATUSES,
        "ShowNodeLevelUpdateStatus": False,
        "MaxRecords": MAX_RECORDS,
    }
    return items(call_pages(ctx, SERVICE, "DescribeUpdateActions", request), "UpdateActions")


@dataclass
class CacheInventory:
    """What the ElastiCache responses of one account and region say is in use."""

    replication_groups: list[Response] = field(default_factory=list)
    cache_clusters: list[Response] = field(default_factory=list)
    serverless_caches: list[Response] = field(default_factory=list)
    subnet_groups: list[Response] = field(default_factory=list)
    # NOTE: only the keys of snapshots are needed later; tens of thousands are not kept.
    snapshot_key_ids: set[str] = field(default_factory=set)

    def parameter_groups_in_use(self) -> list[str]:
        """Names of the non-default parameter groups the clusters use."""
        names = {
            (c.get("CacheParameterGroup") or {}).get("CacheParameterGroupName")
            for c in self.cache_clusters
        }
        return sorted(n for n in names if n and not n.startswith("default."))

    def security_group_ids(self) -> set[str]:
        """VPC security group IDs of the cache clusters and serverless caches."""
        ids = {
            g["SecurityGroupId"]
            for c in self.cache_clusters
            for g in c.get("SecurityGroups") or []
            if g.get("SecurityGroupId")
        }
        return ids | {i for s in self.serverless_caches for i in s.get("SecurityGroupIds") or []}

    def subnet_ids(self) -> set[str]:
        """Subnet IDs of the cache subnet groups and the serverless caches."""
        ids = {
            s["SubnetIdentifier"]
            for g in self.subnet_groups
            for s in g.get("Subnets") or []
            if s.get("SubnetIdentifier")
        }
        return ids | {i for s in self.serverless_caches for i in s.get("SubnetIds") or []}

    def vpc_ids(self) -> set[str]:
        """VPC IDs of the cache subnet groups."""
        return {g["VpcId"] for g in self.subnet_groups if g.get("VpcId")}

    def topic_arns(self) -> set[str]:
        """SNS topics the cache clusters notify."""
        configs = (c.get("NotificationConfiguration") or {} for c in self.cache_clusters)
        return {cfg["TopicArn"] for cfg in configs if cfg.get("TopicArn")}

    def kms_key_ids(self) -> set[str]:
        """KMS keys of the replication groups, serverless caches and snapshots."""
        rows = self.replication_groups + self.serverless_caches
        return {r["KmsKeyId"] for r in rows if r.get("KmsKeyId")} | self.snapshot_key_ids


def collect_elasticache(ctx: CollectContext, tick: Callable[[], None]) -> CacheInventory:
    """Collect every ElastiCache operation of one account and region.

    Parameters
    ----------
    ctx : CollectContext
        Store, account, region and client factory.
    tick : callable
        Called once after each operation (progress).

    Returns
    -------
    CacheInventory
        The resources later collectors need (security groups, subnets, topics, keys).
    """
    inventory = CacheInventory()
    steps: list[tuple[str, Callable[[CollectContext], list[Response]]]] = [
        ("replication_groups", collect_describe_replication_groups),
        ("cache_clusters", collect_describe_cache_clusters),
        ("serverless_caches", collect_describe_serverless_caches),
        ("subnet_groups", collect_describe_cache_subnet_groups),
    ]
    for attribute, collector in steps:
        setattr(inventory, attribute, collector(ctx))
        tick()
    for snapshots in (collect_describe_snapshots, collect_describe_serverless_cache_snapshots):
        inventory.snapshot_key_ids |= {s["KmsKeyId"] for s in snapshots(ctx) if s.get("KmsKeyId")}
        tick()

    # Reference data and the settings the checks compare against.
    for engine in ENGINES:
        collect_describe_cache_engine_versions(ctx, engine)
    tick()
    collect_describe_cache_parameter_groups(ctx)
    tick()
    for name in inventory.parameter_groups_in_use():
        collect_describe_cache_parameters(ctx, name)
    tick()
    collect_describe_user_groups(ctx)
    tick()
    collect_describe_update_actions(ctx)
    tick()
    return inventory


ELASTICACHE_STEPS = 11
"""Progress ticks of :func:`collect_elasticache`."""
