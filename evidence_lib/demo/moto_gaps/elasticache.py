"""Close moto 5.2's ElastiCache gaps in-process, so a stock boto3 client sees AWS's shapes.

moto's ElastiCache (5.2.5) answers a subset of the API and drops fields AWS always reports.
``install()`` extends its backend and response handler in this process; the demo fleet then
seeds what moto cannot create through the seeding functions below (``add_*``), which keep
their state on moto's own backend object (so ``moto`` resets clear it too).

Added or repaired, each named again where it happens:

- CreateReplicationGroup: the member cache clusters (moto creates none), NodeGroupMembers per
  requested node count and AZ, ``CacheNodeId`` ``0001`` per member, ``SnapshottingClusterId``.
- DescribeCacheClusters: ``SecurityGroups``, ``CacheParameterGroup``,
  ``NotificationConfiguration``, ``CacheNodes`` (with ``Endpoint.Port``) under
  ``ShowCacheNodeInfo``, ``ConfigurationEndpoint`` for Memcached, ``Marker`` paging.
- DescribeCacheSubnetGroups: ``Subnets[].SubnetAvailabilityZone.Name`` (moto sends ``{}``).
- DescribeSnapshots: ``NodeSnapshots`` with ``SnapshotCreateTime``, automated snapshots,
  working ``MaxRecords``/``Marker`` paging (moto echoes the request's marker back).
- New operations (moto answers HTTP 500): DescribeCacheEngineVersions,
  DescribeCacheParameterGroups, DescribeCacheParameters, DescribeUserGroups,
  DescribeServerlessCaches, DescribeServerlessCacheSnapshots, DescribeUpdateActions,
  DescribeEvents.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.elasticache.models import (
    CacheCluster,
    CacheSubnetGroup,
    ElastiCacheBackend,
    ReplicationGroup,
    Snapshot,
    elasticache_backends,
)
from moto.elasticache.responses import ElastiCacheResponse

logger = logging.getLogger(__name__)

_STATE_ATTRIBUTE = "_evidence_demo_gaps"
_installed = False


@dataclass
class GapState:
    """What moto's ElastiCache backend cannot hold, kept per account and region."""

    engine_versions: list[dict[str, Any]] = field(default_factory=list)
    parameter_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    user_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    serverless_caches: dict[str, dict[str, Any]] = field(default_factory=dict)
    serverless_snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    update_actions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # The demo's present at seeding and the monotonic time then: the endpoint's clock.
    clock: tuple[dt.datetime, float] | None = None

    def now(self) -> dt.datetime:
        """Return the demo's present: the seeded ``now`` plus the time elapsed since."""
        if self.clock is None:
            return dt.datetime.now(dt.UTC)
        seeded, monotonic = self.clock
        return seeded + dt.timedelta(seconds=time.monotonic() - monotonic)


def backend_for(account_id: str, region: str) -> ElastiCacheBackend:
    """Return moto's ElastiCache backend of one account and region (in this process)."""
    return elasticache_backends[account_id][region]


def gap_state(account_id: str, region: str) -> GapState:
    """Return the extension state of one account and region, creating it on first use."""
    backend = backend_for(account_id, region)
    state = getattr(backend, _STATE_ATTRIBUTE, None)
    if state is None:
        state = GapState()
        setattr(backend, _STATE_ATTRIBUTE, state)
    return state


def _arn_prefix(account_id: str, region: str) -> str:
    return f"arn:aws:elasticache:{region}:{account_id}"


def _region_short(region: str) -> str:
    """``us-east-1`` -> ``use1``, as in ElastiCache endpoint names."""
    area, direction, number = region.split("-")[:3]
    return f"{area}{direction[0]}{number}"


def _compact(value: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None: AWS omits fields it does not report."""
    return {k: v for k, v in value.items() if v is not None}


def _extend(model: object, **fields: Any) -> None:
    """Set attributes AWS reports but moto's model class does not declare."""
    for name, value in fields.items():
        setattr(model, name, value)


class _Fault(ServiceException):
    """An ElastiCache error answer with its AWS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


# Paging -----------------------------------------------------------------------------------


def _encode_marker(offset: int) -> str:
    return base64.urlsafe_b64encode(f"evidence-demo:{offset}".encode()).decode()


def _decode_marker(marker: str) -> int:
    try:
        prefix, offset = base64.urlsafe_b64decode(marker.encode()).decode().split(":")
        if prefix != "evidence-demo":
            raise ValueError(prefix)
        return int(offset)
    except ValueError as exc:
        raise _Fault("InvalidParameterValue", f"Invalid marker: {marker}") from exc


def _page(
    items: list[Any], limit: int | None, marker: str | None, *, lowest: int = 20
) -> tuple[list[Any], str | None]:
    """Return one page of ``items`` and the marker of the next page (None on the last)."""
    size = 100 if limit is None else int(limit)
    if not lowest <= size <= 100:
        raise _Fault(
            "InvalidParameterValue", f"The value of MaxRecords must be between {lowest} and 100."
        )
    start = _decode_marker(marker) if marker else 0
    end = start + size
    return items[start:end], (_encode_marker(end) if end < len(items) else None)


def _paged(self: ElastiCacheResponse, key: str, items: list[Any]) -> ActionResult:
    """Answer a Marker/MaxRecords list operation."""
    page, marker = _page(items, self._get_int_param("MaxRecords"), self._get_param("Marker"))
    return ActionResult(_compact({key: page, "Marker": marker}))


def _token_paged(self: ElastiCacheResponse, key: str, items: list[Any]) -> ActionResult:
    """Answer a NextToken/MaxResults list operation (the serverless API)."""
    limit, token = self._get_int_param("MaxResults"), self._get_param("NextToken")
    page, marker = _page(items, limit, token, lowest=1)
    return ActionResult(_compact({key: page, "NextToken": marker}))


# Member clusters of replication groups ---------------------------------------------------


def _zones(region: str, wanted: list[str] | None, count: int, offset: int = 0) -> list[str]:
    """AZs for ``count`` nodes: the requested ones in turn, else spread over a, b, c."""
    pool = wanted or [f"{region}{letter}" for letter in "abc"]
    return [pool[(offset + i) % len(pool)] for i in range(count)]


def _rebuild_members(backend: ElastiCacheBackend, group: ReplicationGroup, kw: dict) -> None:
    """Set NodeGroupMembers and MemberClusters as AWS does for the requested layout."""
    region, rg_id = backend.region_name, group.replication_group_id
    group.member_clusters = []
    configs = {c.get("NodeGroupId"): c for c in kw.get("node_group_configuration") or []}
    for index, node_group in enumerate(group.node_groups):
        if group.cluster_enabled:
            config = configs.get(node_group["node_group_id"], {})
            count = int(config.get("ReplicaCount", kw.get("replicas_per_node_group") or 0)) + 1
            wanted = (
                [config["PrimaryAvailabilityZone"]] if "PrimaryAvailabilityZone" in config else []
            )
            wanted += config.get("ReplicaAvailabilityZones", [])
            zones = _zones(region, wanted or None, count, offset=0 if wanted else index)
            ids = [f"{rg_id}-{node_group['node_group_id']}-{n + 1:03d}" for n in range(count)]
        else:
            # ReaderEndpoint: moto keeps only its address.
            node_group["reader_endpoint"] = {
                "address": node_group["reader_endpoint_address"],
                "port": group.port,
            }
            replicas = kw.get("replicas_per_node_group")
            count = replicas + 1 if replicas else kw.get("num_cache_clusters") or 1
            zones = _zones(region, kw.get("preferred_cache_cluster_azs"), count)
            ids = [f"{rg_id}-{n + 1:03d}" for n in range(count)]
        node_group["node_group_members"] = [
            _member(group, node_group, cluster_id, zone, first=n == 0)
            for n, (cluster_id, zone) in enumerate(zip(ids, zones, strict=True))
        ]
        group.member_clusters.extend(ids)


def _member(group: ReplicationGroup, node_group: dict, cluster_id: str, zone: str, *, first: bool):
    member: dict[str, Any] = {
        "cache_cluster_id": cluster_id,
        "cache_node_id": "0001",  # NOTE: each member cluster of a group has one node, 0001.
        "preferred_availability_zone": zone,
    }
    if not group.cluster_enabled:
        # NOTE: ReadEndpoint and CurrentRole exist only in cluster-mode-disabled groups.
        domain = node_group["primary_endpoint_address"].split(".", 1)[1]
        member["read_endpoint"] = {"address": f"{cluster_id}.{domain}", "port": group.port}
        member["current_role"] = "primary" if first else "replica"
    return member


def _create_member_clusters(backend: ElastiCacheBackend, group: ReplicationGroup, kw: dict):
    """Create the member CacheClusters AWS creates with a group, carrying their settings."""
    for node_group in group.node_groups:
        for member in node_group["node_group_members"]:
            cluster = _new_cluster(backend, kw, member["cache_cluster_id"])
            cluster.replication_group_id = group.replication_group_id
            cluster.preferred_availability_zone = member["preferred_availability_zone"]
            cluster.port = group.port
            _extend(
                cluster,
                at_rest_encryption_enabled=group.at_rest_encryption_enabled,
                transit_encryption_mode=group.transit_encryption_mode,
                replication_group_log_delivery_enabled=bool(group.log_delivery_configurations),
            )
            cluster.auth_token_enabled = group.auth_token_enabled
            cluster.cache_cluster_create_time = group.replication_group_create_time
            backend.cache_clusters[cluster.cache_cluster_id] = cluster


def _new_cluster(backend: ElastiCacheBackend, kw: dict, cluster_id: str) -> CacheCluster:
    settings: dict[str, Any] = {
        name: kw.get(name)
        for name in (
            "cache_node_type engine engine_version cache_parameter_group_name "
            "cache_subnet_group_name transit_encryption_enabled network_type ip_discovery "
            "snapshot_name preferred_maintenance_window port notification_topic_arn "
            "auto_minor_version_upgrade snapshot_retention_limit snapshot_window auth_token "
            "cache_security_group_names security_group_ids snapshot_arns"
        ).split()
    }
    cluster = CacheCluster(
        account_id=backend.account_id,
        region_name=backend.region_name,
        cache_cluster_id=cluster_id,
        replication_group_id=None,
        az_mode=None,
        preferred_availability_zone=None,
        num_cache_nodes=1,
        outpost_mode=None,
        preferred_outpost_arn=None,
        preferred_availability_zones=None,
        tags=None,
        preferred_outpost_arns=None,
        log_delivery_configurations=[],
        cache_node_ids_to_remove=None,
        cache_node_ids_to_reboot=None,
        **settings,
    )
    cluster.num_cache_nodes = getattr(cluster, "num_cache_nodes", 1)
    cluster.snapshot_window = kw.get("snapshot_window")
    return cluster


def _complete_group(backend: ElastiCacheBackend, group: ReplicationGroup, kw: dict) -> None:
    """Bring a group moto created to what AWS reports after CreateReplicationGroup."""
    _rebuild_members(backend, group, kw)
    if group.transit_encryption_enabled and not group.transit_encryption_mode:
        group.transit_encryption_mode = "required"
    # NOTE: AWS assigns a backup window when none is asked for; moto's default is malformed.
    group.snapshot_window = kw.get("snapshot_window") or "05:00-06:00"
    members = group.member_clusters
    wants_snapshots = group.snapshot_retention_limit > 0 and not group.cluster_enabled
    group.snapshotting_cluster_id = (members[1:] or members)[0] if wants_snapshots else None
    _create_member_clusters(backend, group, kw)


def _complete_cluster(backend: ElastiCacheBackend, cluster: CacheCluster, kw: dict) -> None:
    """Fill what moto leaves unset on a standalone cluster (engine-specific attributes)."""
    cluster.replication_group_id = getattr(cluster, "replication_group_id", None)
    cluster.num_cache_nodes = getattr(cluster, "num_cache_nodes", None) or 1
    cluster.preferred_availability_zone = cluster.preferred_availability_zone or (
        f"{backend.region_name}a"
    )
    if cluster.engine == "memcached" and not kw.get("port"):
        cluster.port = 11211
    _extend(
        cluster,
        at_rest_encryption_enabled=False,
        transit_encryption_mode="required" if cluster.transit_encryption_enabled else None,
        replication_group_log_delivery_enabled=False,
    )


def _render_cluster(
    cluster: CacheCluster, region: str, state: GapState, show_nodes: bool
) -> dict[str, Any]:
    """DescribeCacheClusters' CacheCluster, with the fields moto drops."""
    is_redis = cluster.engine != "memcached"
    host = f"{cluster.cache_cluster_id}.dmo1ab.{_region_short(region)}.cache.amazonaws.com"
    topic = cluster.notification_topic_arn
    return _compact(
        {
            "CacheClusterId": cluster.cache_cluster_id,
            # ConfigurationEndpoint: Memcached clusters only.
            "ConfigurationEndpoint": None
            if is_redis
            else {"Address": host.replace(".dmo1ab.", ".dmo1ab.cfg."), "Port": cluster.port},
            "CacheNodeType": cluster.cache_node_type,
            "Engine": cluster.engine,
            "EngineVersion": cluster.engine_version,
            "CacheClusterStatus": cluster.cache_cluster_status,
            "NumCacheNodes": cluster.num_cache_nodes,
            "PreferredAvailabilityZone": cluster.preferred_availability_zone,
            "CacheClusterCreateTime": cluster.cache_cluster_create_time,
            "PreferredMaintenanceWindow": cluster.preferred_maintenance_window,
            # NotificationConfiguration: TopicArn and TopicStatus of the SNS topic.
            "NotificationConfiguration": {"TopicArn": topic, "TopicStatus": "active"}
            if topic
            else None,
            "CacheSecurityGroups": [],
            # CacheParameterGroup: name and apply status (moto drops the group).
            "CacheParameterGroup": {
                "CacheParameterGroupName": cluster.cache_parameter_group_name
                or _default_group_name(cluster, state),
                "ParameterApplyStatus": "in-sync",
                "CacheNodeIdsToReboot": [],
            },
            "CacheSubnetGroupName": cluster.cache_subnet_group_name,
            # CacheNodes: only with ShowCacheNodeInfo; Endpoint.Port carries the port.
            "CacheNodes": _cache_nodes(cluster, host) if show_nodes else None,
            "AutoMinorVersionUpgrade": bool(cluster.auto_minor_version_upgrade),
            # SecurityGroups: VPC security groups with their membership status.
            "SecurityGroups": [
                {"SecurityGroupId": sg, "Status": "active"} for sg in cluster.security_group_ids
            ],
            "ReplicationGroupId": cluster.replication_group_id,
            "SnapshotRetentionLimit": cluster.snapshot_retention_limit if is_redis else None,
            "SnapshotWindow": cluster.snapshot_window if is_redis else None,
            "AuthTokenEnabled": cluster.auth_token_enabled if is_redis else None,
            "TransitEncryptionEnabled": bool(cluster.transit_encryption_enabled),
            "AtRestEncryptionEnabled": bool(getattr(cluster, "at_rest_encryption_enabled", 0)),
            "ARN": cluster.arn,
            "ReplicationGroupLogDeliveryEnabled": bool(
                getattr(cluster, "replication_group_log_delivery_enabled", False)
            ),
            "LogDeliveryConfigurations": cluster.log_delivery_configurations,
            "NetworkType": cluster.network_type or "ipv4",
            "IpDiscovery": cluster.ip_discovery or "ipv4",
            "TransitEncryptionMode": getattr(cluster, "transit_encryption_mode", None),
        }
    )


def _default_group_name(cluster: CacheCluster, state: GapState) -> str:
    """Name the default parameter group AWS assigns when none was asked for."""
    version = cluster.engine_version or "7.1"
    for entry in state.engine_versions:
        if entry["Engine"] == cluster.engine and entry["EngineVersion"] == version:
            return f"default.{entry['CacheParameterGroupFamily']}"
    return f"default.{cluster.engine}{version.split('.')[0]}"


def _cache_nodes(cluster: CacheCluster, host: str) -> list[dict[str, Any]]:
    return [
        {
            "CacheNodeId": f"{number:04d}",
            "CacheNodeStatus": "available",
            "CacheNodeCreateTime": cluster.cache_cluster_create_time,
            "Endpoint": {
                "Address": host.replace(".dmo1ab.", f".dmo1ab.{number:04d}."),
                "Port": cluster.port,
            },
            "ParameterGroupStatus": "in-sync",
            "CustomerAvailabilityZone": cluster.preferred_availability_zone,
        }
        for number in range(1, cluster.num_cache_nodes + 1)
    ]


# Snapshots ---------------------------------------------------------------------------------


def add_snapshot(
    account_id: str,
    region: str,
    *,
    name: str,
    created: dt.datetime,
    source: str = "automated",
    replication_group_id: str | None = None,
    cache_cluster_id: str | None = None,
) -> Snapshot:
    """Store a snapshot of a group or a standalone cluster, as AWS lists it.

    Parameters
    ----------
    account_id, region : str
        Where the snapshot lives.
    name : str
        SnapshotName (AWS names automated ones ``automatic.<id>-YYYY-MM-DD-HH-MM``).
    created : datetime
        SnapshotCreateTime of its node snapshots (tz-aware UTC).
    source : str
        SnapshotSource, ``automated`` or ``manual``.
    replication_group_id, cache_cluster_id : str, optional
        The snapshotted resource; exactly one.

    Returns
    -------
    Snapshot
        moto's snapshot object, extended with ``node_snapshots``.
    """
    backend = backend_for(account_id, region)
    group = backend.replication_groups[replication_group_id] if replication_group_id else None
    first_id = group.member_clusters[0] if group else cache_cluster_id
    if first_id is None:
        raise ValueError("add_snapshot needs replication_group_id or cache_cluster_id")
    first = backend.cache_clusters[first_id]
    resource = group or first
    at_rest = getattr(resource, "at_rest_encryption_enabled", False)
    snapshot = Snapshot(
        account_id=account_id,
        region_name=region,
        automatic_failover=getattr(group, "automatic_failover", None),
        auto_minor_version_upgrade=bool(first.auto_minor_version_upgrade),
        cache_cluster_create_time=None if group else first.cache_cluster_create_time,
        cache_cluster_id=cache_cluster_id,
        cache_node_type=first.cache_node_type,
        cache_parameter_group_name=first.cache_parameter_group_name,
        cache_subnet_group_name=first.cache_subnet_group_name,
        engine=first.engine,
        engine_version=first.engine_version,
        # KmsKeyId: the key that encrypts the snapshot (the group's key when encrypted).
        kms_key_id=getattr(group, "kms_key_id", None) if at_rest else None,
        num_cache_nodes=None if group else first.num_cache_nodes,
        num_node_groups=len(group.node_groups) if group else None,
        port=first.port,
        preferred_availability_zone=None if group else first.preferred_availability_zone,
        preferred_maintenance_window=first.preferred_maintenance_window,
        preferred_outpost_arn=None,
        replication_group_description=getattr(group, "description", None),
        replication_group_id=replication_group_id,
        snapshot_name=name,
        snapshot_retention_limit=resource.snapshot_retention_limit,
        snapshot_source=source,
        snapshot_status="available",
        snapshot_window=resource.snapshot_window,
        topic_arn=first.notification_topic_arn,
        tags=None,
        vpc_id=backend._get_vpc_id_from_cluster(first.cache_cluster_id),
    )
    _extend(snapshot, node_snapshots=_node_snapshots(backend, group, first, created))
    backend.snapshots[name] = snapshot
    return snapshot


def _node_snapshots(
    backend: ElastiCacheBackend,
    group: ReplicationGroup | None,
    first: CacheCluster,
    created: dt.datetime,
) -> list[dict[str, Any]]:
    """NodeSnapshots: one per node group of a group (its snapshotting member), or per node."""
    if group is None:
        return [
            {
                "CacheNodeId": f"{n:04d}",
                "CacheSize": "512 MB",
                "CacheNodeCreateTime": first.cache_cluster_create_time,
                "SnapshotCreateTime": created,
            }
            for n in range(1, first.num_cache_nodes + 1)
        ]
    rows = []
    for node_group in group.node_groups:
        members = [m["cache_cluster_id"] for m in node_group["node_group_members"]]
        source_id = group.snapshotting_cluster_id or (members[1:] or members)[0]
        rows.append(
            {
                "CacheClusterId": source_id,
                "NodeGroupId": node_group["node_group_id"],
                "CacheNodeId": "0001",
                "CacheSize": "2048 MB",
                "CacheNodeCreateTime": group.replication_group_create_time,
                "SnapshotCreateTime": created,
            }
        )
    return rows


# Seeding what moto cannot create -----------------------------------------------------------


def add_replication_group(account_id: str, region: str, **settings: Any) -> ReplicationGroup:
    """Create a replication group in-process (bulk seeding), completed as over HTTP.

    ``settings`` are moto's snake_case CreateReplicationGroup arguments; unset ones are None.
    """
    backend = backend_for(account_id, region)
    defaults: dict[str, Any] = dict.fromkeys(_GROUP_ARGUMENTS)
    defaults.update(node_group_configuration=[], log_delivery_configurations=[], tags=[])
    return backend.create_replication_group(**{**defaults, **settings})


def add_engine_versions(account_id: str, region: str, versions: list[dict[str, Any]]) -> None:
    """Store the CacheEngineVersion entries AWS offers in a region."""
    gap_state(account_id, region).engine_versions.extend(versions)


def add_parameter_group(
    account_id: str,
    region: str,
    *,
    name: str,
    family: str,
    description: str,
    parameters: list[dict[str, Any]],
) -> None:
    """Store a cache parameter group and its Parameter entries (AWS-shaped dicts)."""
    state = gap_state(account_id, region)
    state.parameter_groups[name] = {
        "CacheParameterGroupName": name,
        "CacheParameterGroupFamily": family,
        "Description": description,
        "IsGlobal": False,
        "ARN": f"{_arn_prefix(account_id, region)}:parametergroup:{name}",
    }
    state.parameters[name] = parameters


def add_user_group(
    account_id: str, region: str, *, user_group_id: str, engine: str, user_ids: list[str]
) -> None:
    """Store an RBAC user group (moto has no CreateUserGroup)."""
    backend = backend_for(account_id, region)
    for user_id in user_ids:
        backend.users[user_id].user_group_ids.append(user_group_id)
    gap_state(account_id, region).user_groups[user_group_id] = {
        "UserGroupId": user_group_id,
        "Status": "active",
        "Engine": engine,
        "UserIds": user_ids,
        "MinimumEngineVersion": "6.0" if engine == "redis" else "7.2",
        "ARN": f"{_arn_prefix(account_id, region)}:usergroup:{user_group_id}",
    }


def add_serverless_cache(account_id: str, region: str, cache: dict[str, Any]) -> None:
    """Store a ServerlessCache (AWS-shaped dict); ARN and endpoints are derived."""
    name = cache["ServerlessCacheName"]
    host = f"{name}-dmo1ab.serverless.{_region_short(region)}.cache.amazonaws.com"
    gap_state(account_id, region).serverless_caches[name] = {
        "Status": "available",
        "Endpoint": {"Address": host, "Port": 6379},
        "ReaderEndpoint": {"Address": host, "Port": 6380},
        "ARN": f"{_arn_prefix(account_id, region)}:serverlesscache:{name}",
        "NetworkType": "ipv4",
        **cache,
    }


def add_serverless_snapshot(account_id: str, region: str, snapshot: dict[str, Any]) -> None:
    """Store a ServerlessCacheSnapshot (AWS-shaped dict); the ARN is derived."""
    name = snapshot["ServerlessCacheSnapshotName"]
    arn = f"{_arn_prefix(account_id, region)}:serverlesscachesnapshot:{name}"
    gap_state(account_id, region).serverless_snapshots[name] = {
        "Status": "available",
        "ARN": arn,
        **_compact(snapshot),
    }


def add_update_action(account_id: str, region: str, action: dict[str, Any]) -> None:
    """Store an UpdateAction (AWS-shaped dict) for DescribeUpdateActions."""
    gap_state(account_id, region).update_actions.append(action)


def set_clock(account_id: str, region: str, now: dt.datetime) -> None:
    """Make ``now`` the endpoint's present for time windows (DescribeEvents' last hour)."""
    gap_state(account_id, region).clock = (now, time.monotonic())


def set_create_time(account_id: str, region: str, resource_id: str, when: dt.datetime) -> None:
    """Backdate a replication group (and its members) or a standalone cluster to ``when``.

    moto stamps resources with the wall-clock time of the seeding call; the demo dates them
    relative to its own present.
    """
    backend = backend_for(account_id, region)
    group = backend.replication_groups.get(resource_id)
    member_ids = group.member_clusters if group else [resource_id]
    if group is not None:
        group.replication_group_create_time = when
        if group.auth_token_enabled:
            group.auth_token_last_modified_date = when
    for member_id in member_ids:
        backend.cache_clusters[member_id].cache_cluster_create_time = when


def add_event(account_id: str, region: str, event: dict[str, Any]) -> None:
    """Store an Event (SourceIdentifier, SourceType, Message, Date) for DescribeEvents."""
    gap_state(account_id, region).events.append(event)


# Response handlers (added to moto's ElastiCacheResponse) -----------------------------------


def _state_of(self: ElastiCacheResponse) -> GapState:
    return gap_state(self.current_account, self.region)


def _not_found(code: str, kind: str, name: str) -> _Fault:
    return _Fault(code, f"{kind} {name} not found.")


def describe_cache_clusters(self: ElastiCacheResponse) -> ActionResult:
    """DescribeCacheClusters with member clusters, their settings and CacheNodes."""
    backend = self.elasticache_backend
    clusters = backend.describe_cache_clusters(self._get_param("CacheClusterId"))
    if self._get_bool_param("ShowCacheClustersNotInReplicationGroups"):
        clusters = [c for c in clusters if not getattr(c, "replication_group_id", None)]
    show = bool(self._get_bool_param("ShowCacheNodeInfo"))
    rows = [_render_cluster(c, self.region, _state_of(self), show) for c in clusters]
    return _paged(self, "CacheClusters", rows)


def describe_snapshots(self: ElastiCacheResponse) -> ActionResult:
    """DescribeSnapshots with working MaxRecords/Marker paging."""
    snapshots = self.elasticache_backend.describe_snapshots(
        snapshot_name=self._get_param("SnapshotName"),
        snapshot_source=self._get_param("SnapshotSource"),
        replication_group_id=self._get_param("ReplicationGroupId"),
        cache_cluster_id=self._get_param("CacheClusterId"),
    )
    return _paged(self, "Snapshots", snapshots)


def describe_cache_engine_versions(self: ElastiCacheResponse) -> ActionResult:
    """DescribeCacheEngineVersions (filters: Engine, EngineVersion, family, DefaultOnly)."""
    rows = _state_of(self).engine_versions
    for key in ("Engine", "EngineVersion", "CacheParameterGroupFamily"):
        wanted = self._get_param(key)
        rows = [r for r in rows if wanted is None or r[key] == wanted]
    if self._get_bool_param("DefaultOnly"):
        # NOTE: AWS marks one version per engine as the default: the newest.
        latest = {r["Engine"]: r for r in rows}
        rows = list(latest.values())
    return _paged(self, "CacheEngineVersions", rows)


def describe_cache_parameter_groups(self: ElastiCacheResponse) -> ActionResult:
    """DescribeCacheParameterGroups."""
    groups = _state_of(self).parameter_groups
    name = self._get_param("CacheParameterGroupName")
    if name and name not in groups:
        raise _not_found("CacheParameterGroupNotFound", "CacheParameterGroup", name)
    rows = [groups[name]] if name else list(groups.values())
    return _paged(self, "CacheParameterGroups", rows)


def describe_cache_parameters(self: ElastiCacheResponse) -> ActionResult:
    """DescribeCacheParameters (filter: Source user, system or engine-default)."""
    state, name = _state_of(self), self._get_param("CacheParameterGroupName")
    if name not in state.parameters:
        raise _not_found("CacheParameterGroupNotFound", "CacheParameterGroup", name)
    source = self._get_param("Source")
    rows = [p for p in state.parameters[name] if source is None or p["Source"] == source]
    page, marker = _page(rows, self._get_int_param("MaxRecords"), self._get_param("Marker"))
    result = {"Parameters": page, "CacheNodeTypeSpecificParameters": [], "Marker": marker}
    return ActionResult(_compact(result))


def describe_user_groups(self: ElastiCacheResponse) -> ActionResult:
    """DescribeUserGroups, with the groups and serverless caches that use each."""
    state, wanted = _state_of(self), self._get_param("UserGroupId")
    if wanted and wanted not in state.user_groups:
        raise _not_found("UserGroupNotFound", "User group", wanted)
    groups = self.elasticache_backend.replication_groups.values()
    rows = []
    for group_id, user_group in state.user_groups.items():
        if wanted in (None, group_id):
            users_of = [g.replication_group_id for g in groups if group_id in g.user_group_ids]
            caches = state.serverless_caches.values()
            serverless = [
                c["ServerlessCacheName"] for c in caches if c.get("UserGroupId") == group_id
            ]
            rows.append(
                {**user_group, "ReplicationGroups": users_of, "ServerlessCaches": serverless}
            )
    return _paged(self, "UserGroups", rows)


def describe_serverless_caches(self: ElastiCacheResponse) -> ActionResult:
    """DescribeServerlessCaches (NextToken/MaxResults paging)."""
    caches, name = _state_of(self).serverless_caches, self._get_param("ServerlessCacheName")
    if name and name not in caches:
        raise _not_found("ServerlessCacheNotFoundFault", "Serverless cache", name)
    return _token_paged(self, "ServerlessCaches", [caches[name]] if name else list(caches.values()))


def describe_serverless_cache_snapshots(self: ElastiCacheResponse) -> ActionResult:
    """DescribeServerlessCacheSnapshots (filters: cache name, snapshot name, type)."""
    rows = list(_state_of(self).serverless_snapshots.values())
    cache = self._get_param("ServerlessCacheName")
    name = self._get_param("ServerlessCacheSnapshotName")
    kind = self._get_param("SnapshotType")
    rows = [
        r
        for r in rows
        if cache in (None, r["ServerlessCacheConfiguration"]["ServerlessCacheName"])
        and name in (None, r["ServerlessCacheSnapshotName"])
        and kind in (None, r["SnapshotType"])
    ]
    return _token_paged(self, "ServerlessCacheSnapshots", rows)


def describe_update_actions(self: ElastiCacheResponse) -> ActionResult:
    """DescribeUpdateActions (filters: update name, group/cluster IDs, engine, statuses)."""
    rows = _state_of(self).update_actions
    filters = {
        "ServiceUpdateName": _as_list(self._get_param("ServiceUpdateName")),
        "ReplicationGroupId": self._get_param("ReplicationGroupIds"),
        "CacheClusterId": self._get_param("CacheClusterIds"),
        "Engine": _as_list(self._get_param("Engine")),
        "ServiceUpdateStatus": self._get_param("ServiceUpdateStatus"),
        "UpdateActionStatus": self._get_param("UpdateActionStatus"),
    }
    for key, wanted in filters.items():
        if wanted:
            rows = [r for r in rows if r.get(key) in wanted]
    return _paged(self, "UpdateActions", rows)


def _as_list(value: str | None) -> list[str] | None:
    return [value] if value else None


def describe_events(self: ElastiCacheResponse) -> ActionResult:
    """DescribeEvents: the last hour by default, else StartTime/EndTime or Duration."""
    now = _state_of(self).now()
    start = _as_time(self._get_param("StartTime"))
    end = _as_time(self._get_param("EndTime")) or now
    duration = self._get_int_param("Duration")
    if start is None:
        start = end - dt.timedelta(minutes=duration or 60)
    source_id, source_type = self._get_param("SourceIdentifier"), self._get_param("SourceType")
    rows = [
        e
        for e in _state_of(self).events
        if start <= e["Date"] <= end
        and source_id in (None, e["SourceIdentifier"])
        and source_type in (None, e["SourceType"])
    ]
    rows.sort(key=lambda e: e["Date"], reverse=True)
    return _paged(self, "Events", rows)


def _as_time(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value is not None else None
    text = str(value).replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


_HANDLERS = {
    handler.__name__: handler
    for handler in (
        describe_cache_clusters,
        describe_snapshots,
        describe_cache_engine_versions,
        describe_cache_parameter_groups,
        describe_cache_parameters,
        describe_user_groups,
        describe_serverless_caches,
        describe_serverless_cache_snapshots,
        describe_update_actions,
        describe_events,
    )
}

_ORIGINAL_CREATE_GROUP = ElastiCacheBackend.create_replication_group
_GROUP_ARGUMENTS = [
    name
    for name in _ORIGINAL_CREATE_GROUP.__code__.co_varnames[
        1 : _ORIGINAL_CREATE_GROUP.__code__.co_argcount
    ]
]


def _extend_backend() -> None:
    """Wrap moto's create calls so what they create looks like what AWS creates."""
    create_group = ElastiCacheBackend.create_replication_group
    create_cluster = ElastiCacheBackend.create_cache_cluster
    create_snapshot = ElastiCacheBackend.create_snapshot
    create_subnet_group = ElastiCacheBackend.create_cache_subnet_group

    @functools.wraps(create_subnet_group)
    def create_cache_subnet_group(self: ElastiCacheBackend, **kw: Any) -> CacheSubnetGroup:
        subnet_group = create_subnet_group(self, **kw)
        # Subnets[].SubnetAvailabilityZone: AWS sends {Name}; moto keeps a bare string.
        for subnet in subnet_group.subnets:
            zone = subnet.get("subnet_availability_zone")
            if isinstance(zone, str):
                subnet["subnet_availability_zone"] = {"Name": zone}
        return subnet_group

    @functools.wraps(create_group)
    def create_replication_group(self: ElastiCacheBackend, **kw: Any) -> ReplicationGroup:
        group = create_group(self, **kw)
        _complete_group(self, group, kw)
        return group

    @functools.wraps(create_cluster)
    def create_cache_cluster(self: ElastiCacheBackend, **kw: Any) -> CacheCluster:
        cluster = create_cluster(self, **kw)
        _complete_cluster(self, cluster, kw)
        return cluster

    @functools.wraps(create_snapshot)
    def create_manual_snapshot(self: ElastiCacheBackend, **kw: Any) -> Snapshot:
        # NOTE: moto's CreateSnapshot validates; the stored snapshot then gets NodeSnapshots.
        create_snapshot(self, **kw)
        del self.snapshots[kw["snapshot_name"]]
        return add_snapshot(
            self.account_id,
            self.region_name,
            name=kw["snapshot_name"],
            created=dt.datetime.now(dt.UTC),
            source="manual",
            replication_group_id=kw.get("replication_group_id"),
            cache_cluster_id=kw.get("cache_cluster_id"),
        )

    wrapped = {
        "create_replication_group": create_replication_group,
        "create_cache_cluster": create_cache_cluster,
        "create_snapshot": create_manual_snapshot,
        "create_cache_subnet_group": create_cache_subnet_group,
    }
    for name, method in wrapped.items():
        setattr(ElastiCacheBackend, name, method)


def install() -> None:
    """Extend moto's ElastiCache in this process (idempotent)."""
    global _installed
    if _installed:
        return
    _extend_backend()
    for name, handler in _HANDLERS.items():
        setattr(ElastiCacheResponse, name, handler)
    _installed = True
    logger.debug("moto ElastiCache extended with %s", ", ".join(sorted(_HANDLERS)))
