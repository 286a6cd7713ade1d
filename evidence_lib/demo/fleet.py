"""The demo fleet of Northwind Health (fictional): network, keys, topics and ElastiCache.

Seeded over HTTP with stock boto3 where moto supports the operation, and through
``moto_gaps.elasticache`` (in-process) where it does not, so it must run in the process that
serves the endpoint. Every timestamp is relative to ``now``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field
from typing import Any

import boto3

from evidence_lib.demo.moto_gaps import elasticache as gaps

logger = logging.getLogger(__name__)

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
ARCHIVE_BUCKET_PREFIX = "nwh-elasticache-snapshot-archive-"
# Object lock keeps every export six years (HIPAA's documentation retention); the lifecycle
# moves exports to colder tiers and lets them expire only after seven years.
ARCHIVE_LOCK_DAYS = 2190
ARCHIVE_EXPIRATION_DAYS = 2557
ARCHIVED_SNAPSHOTS = [
    ("nwh-patient-sessions-prod", "nwh-patient-sessions-prod-pre-upgrade"),
    ("nwh-claims-cache-legacy", "nwh-claims-cache-legacy-final-2024"),
    ("nwh-scheduling-cache", "nwh-scheduling-cache-before-resize"),
]
MISSING_TOPIC_NAME = "nwh-cache-events-retired"
AUTH_TOKEN = "demo-auth-token-not-a-secret-0001"

ENGINE_VERSIONS = [
    ("redis", "3.2.6", "redis3.2"),
    ("redis", "4.0.10", "redis4.0"),
    ("redis", "5.0.6", "redis5.0"),
    ("redis", "6.0", "redis6.x"),
    ("redis", "6.2", "redis6.x"),
    ("redis", "6.2.6", "redis6.x"),
    ("redis", "7.0.7", "redis7"),
    ("redis", "7.1.0", "redis7"),
    ("valkey", "7.2.4", "valkey7"),
    ("valkey", "7.2.6", "valkey7"),
    ("valkey", "8.0.1", "valkey8"),
    ("memcached", "1.6.17", "memcached1.6"),
    ("memcached", "1.6.22", "memcached1.6"),
]

# (name, default value, allowed values) of the parameters each Redis/Valkey family lists.
_ENGINE_PARAMETERS = [
    ("maxmemory-policy", "volatile-lru", "volatile-lru,allkeys-lru,noeviction,allkeys-random"),
    ("timeout", "0", "0,20-"),
    ("tcp-keepalive", "300", "0-"),
    ("notify-keyspace-events", "", "A,E,K,x,g,$,l,s,h,z,t,e"),
    ("slowlog-log-slower-than", "10000", "0-"),
    ("cluster-enabled", "no", "yes,no"),
]
_USER_PARAMETERS = {
    "maxmemory-policy": "allkeys-lru",
    "timeout": "300",
    "slowlog-log-slower-than": "5000",
}


@dataclass
class FleetPlan:
    """Network, key and topic identifiers the replication groups are built on."""

    account_id: str
    kms_key_arn: str = ""
    vpc_ids: dict[str, str] = field(default_factory=dict)
    subnets: dict[str, str] = field(default_factory=dict)
    security_groups: dict[str, str] = field(default_factory=dict)
    subnet_groups: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)


@dataclass
class SeededFleet:
    """What ``seed_fleet`` created, by role."""

    plan: FleetPlan
    groups: dict[str, str]
    clusters: dict[str, str]
    serverless: dict[str, str]
    alarm_topics: dict[str, str]
    archive_bucket: str = ""


@functools.lru_cache(maxsize=32)
def client(service: str, endpoint_url: str, region: str) -> Any:
    """Return a stock boto3 client for the demo endpoint (demo credentials), cached."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    )


def seed_fleet(endpoint_url: str, *, now: dt.datetime, account_id: str) -> SeededFleet:
    """Seed Northwind Health's ElastiCache estate and what it depends on.

    Parameters
    ----------
    endpoint_url : str
        URL of a ``DemoEndpoint`` running in this process.
    now : datetime
        The demo's present (tz-aware UTC); every timestamp is relative to it.
    account_id : str
        The account moto serves (moto's default, 123456789012).

    Returns
    -------
    SeededFleet
        Replication groups, clusters and serverless caches by role, and the SNS topic per
        region that alarms may notify.
    """
    plan = FleetPlan(account_id=account_id)

    # Network, keys and topics first: the caches refer to them.
    _seed_network(endpoint_url, plan)
    _seed_keys_and_topics(endpoint_url, plan)
    _seed_aws_catalog(account_id)

    # Then the caches, their users and parameter groups, backups and updates.
    groups = _seed_groups(endpoint_url, plan)
    clusters = _seed_clusters(endpoint_url, plan)
    _backdate(account_id, groups, clusters, now)
    serverless = _seed_serverless(plan, now)
    _seed_snapshots(endpoint_url, account_id, groups, clusters, now)
    _seed_updates_and_events(account_id, groups, clusters, now)
    alarm_topics = {PRIMARY: plan.topics["alarms"], SECONDARY: plan.topics["alarms-west"]}
    archive = _seed_archive_bucket(endpoint_url, plan)
    return SeededFleet(plan, groups, clusters, serverless, alarm_topics, archive)


def _seed_network(url: str, plan: FleetPlan) -> None:
    """Create a VPC per region: private subnets in 3 AZs, one public subnet, security groups."""
    ec2 = client("ec2", url, PRIMARY)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    plan.vpc_ids[PRIMARY] = vpc
    _tag(ec2, vpc, "nwh-prod-vpc")
    for index, zone in enumerate("abc", start=1):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.40.{index}.0/24", AvailabilityZone=f"{PRIMARY}{zone}"
        )["Subnet"]["SubnetId"]
        plan.subnets[f"private-{zone}"] = subnet
        _tag(ec2, subnet, f"nwh-prod-private-{zone}")
    plan.subnets["public-a"] = _public_subnet(ec2, vpc)
    _security_groups(ec2, vpc, plan)
    _subnet_groups(url, plan)
    _west_network(url, plan)


def _tag(ec2: Any, resource_id: str, name: str) -> None:
    ec2.create_tags(Resources=[resource_id], Tags=[{"Key": "Name", "Value": name}])


def _public_subnet(ec2: Any, vpc: str) -> str:
    """Create a subnet whose route table sends 0.0.0.0/0 to an internet gateway."""
    subnet = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.40.101.0/24", AvailabilityZone=f"{PRIMARY}a"
    )["Subnet"]["SubnetId"]
    _tag(ec2, subnet, "nwh-prod-public-a")
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    _tag(ec2, table, "nwh-prod-public-rt")
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return str(subnet)


def _security_groups(ec2: Any, vpc: str, plan: FleetPlan) -> None:
    """App tier, cache restricted to it, cache open to 0.0.0.0/0 and to ::/0."""
    made = {}
    for role, name, text in [
        ("app", "nwh-app-tier", "Application servers"),
        ("restricted", "nwh-cache-from-app", "Cache port from the app tier only"),
        ("open-ipv4", "nwh-cache-open-world", "Cache port open to the internet (IPv4)"),
        ("open-ipv6", "nwh-cache-open-ipv6", "Cache port open to the internet (IPv6)"),
    ]:
        made[role] = ec2.create_security_group(GroupName=name, Description=text, VpcId=vpc)[
            "GroupId"
        ]
    port_range = {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6380}
    ec2.authorize_security_group_ingress(
        GroupId=made["restricted"],
        IpPermissions=[{**port_range, "UserIdGroupPairs": [{"GroupId": made["app"]}]}],
    )
    ec2.authorize_security_group_ingress(
        GroupId=made["open-ipv4"],
        IpPermissions=[{**port_range, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_ingress(
        GroupId=made["open-ipv6"],
        IpPermissions=[{**port_range, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    )
    plan.security_groups.update(made)


def _subnet_groups(url: str, plan: FleetPlan) -> None:
    """Private across 3 AZs, single-AZ, one with the public subnet, and ``default``."""
    ec = client("elasticache", url, PRIMARY)
    ec2 = client("ec2", url, PRIMARY)
    private = [plan.subnets[f"private-{zone}"] for zone in "abc"]
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    _default_vpc_gateway(ec2, default_vpc[0]["VpcId"])
    default_subnets = ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [default_vpc[0]["VpcId"]]}]
    )["Subnets"]
    layouts = {
        "private": ("nwh-cache-private", "Private subnets in three AZs", private),
        "single-az": ("nwh-cache-single-az", "One private subnet", private[:1]),
        "public": (
            "nwh-cache-mixed-public",
            "Private and public subnets (misconfigured)",
            [private[1], plan.subnets["public-a"]],
        ),
        # NOTE: AWS names the subnet group of the default VPC "default".
        "default": ("default", "default", [s["SubnetId"] for s in default_subnets[:3]]),
    }
    for role, (name, text, subnet_ids) in layouts.items():
        ec.create_cache_subnet_group(
            CacheSubnetGroupName=name, CacheSubnetGroupDescription=text, SubnetIds=subnet_ids
        )
        plan.subnet_groups[role] = name


def _default_vpc_gateway(ec2: Any, vpc: str) -> None:
    """Route the default VPC's main table to an internet gateway, as AWS sets it up."""
    # NOTE: moto's default VPC has no internet gateway; AWS's has one, so its subnets are public.
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    ec2.create_route(
        RouteTableId=tables[0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway
    )


def _west_network(url: str, plan: FleetPlan) -> None:
    """Create the disaster-recovery VPC in us-west-2: two private subnets, one restricted group."""
    ec2 = client("ec2", url, SECONDARY)
    vpc = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    plan.vpc_ids[SECONDARY] = vpc
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.41.{n}.0/24", AvailabilityZone=f"{SECONDARY}{zone}"
        )["Subnet"]["SubnetId"]
        for n, zone in enumerate("ab", start=1)
    ]
    app = ec2.create_security_group(GroupName="nwh-app-tier", Description="App", VpcId=vpc)
    cache = ec2.create_security_group(
        GroupName="nwh-cache-from-app", Description="Cache from app", VpcId=vpc
    )
    ec2.authorize_security_group_ingress(
        GroupId=cache["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 6379,
                "ToPort": 6379,
                "UserIdGroupPairs": [{"GroupId": app["GroupId"]}],
            }
        ],
    )
    plan.security_groups["west-restricted"] = cache["GroupId"]
    client("elasticache", url, SECONDARY).create_cache_subnet_group(
        CacheSubnetGroupName="nwh-cache-dr-private",
        CacheSubnetGroupDescription="DR private subnets",
        SubnetIds=subnets,
    )
    plan.subnet_groups["west-private"] = "nwh-cache-dr-private"


def _seed_keys_and_topics(url: str, plan: FleetPlan) -> None:
    """Create a customer-managed KMS key and the SNS topics caches and alarms notify."""
    kms = client("kms", url, PRIMARY)
    key = kms.create_key(Description="Northwind Health ElastiCache CMK")["KeyMetadata"]
    kms.create_alias(AliasName="alias/nwh-elasticache", TargetKeyId=key["KeyId"])
    plan.kms_key_arn = key["Arn"]
    for region, role, name in [
        (PRIMARY, "cache-events", "nwh-cache-events"),
        (PRIMARY, "alarms", "nwh-security-alarms"),
        (SECONDARY, "cache-events-west", "nwh-cache-events-dr"),
        (SECONDARY, "alarms-west", "nwh-security-alarms-dr"),
    ]:
        plan.topics[role] = client("sns", url, region).create_topic(Name=name)["TopicArn"]
    # One group names a topic that was deleted long ago: it is never created.
    plan.topics["missing"] = f"arn:aws:sns:{PRIMARY}:{plan.account_id}:{MISSING_TOPIC_NAME}"


def _seed_aws_catalog(account_id: str) -> None:
    """Store what AWS itself offers: engine versions and the default parameter groups."""
    for region in (PRIMARY, SECONDARY):
        gaps.add_engine_versions(account_id, region, [_engine_version(*e) for e in ENGINE_VERSIONS])
        for family in sorted({family for _, _, family in ENGINE_VERSIONS}):
            _add_group(account_id, region, f"default.{family}", family, {})
        _add_group(account_id, region, "default.redis7.cluster.on", "redis7", {})
    _add_group(account_id, PRIMARY, "nwh-redis7-hardened", "redis7", _USER_PARAMETERS)


def _engine_version(engine: str, version: str, family: str) -> dict[str, str]:
    label = {"redis": "Redis", "valkey": "Valkey", "memcached": "memcached"}[engine]
    return {
        "Engine": engine,
        "EngineVersion": version,
        "CacheParameterGroupFamily": family,
        "CacheEngineDescription": label,
        "CacheEngineVersionDescription": f"{label} version {version}",
    }


def _add_group(
    account_id: str, region: str, name: str, family: str, user_values: dict[str, str]
) -> None:
    """Store a parameter group; ``user_values`` are the parameters a user modified."""
    parameters = []
    if not family.startswith("memcached"):
        for parameter, default, allowed in _ENGINE_PARAMETERS:
            value = "yes" if parameter == "cluster-enabled" and "cluster.on" in name else default
            parameters.append(
                {
                    "ParameterName": parameter,
                    "ParameterValue": user_values.get(parameter, value),
                    "Description": f"{parameter} setting",
                    "Source": "user" if parameter in user_values else "system",
                    "DataType": "string",
                    "AllowedValues": allowed,
                    "IsModifiable": parameter != "cluster-enabled",
                    "MinimumEngineVersion": "2.8.6",
                    "ChangeType": "immediate",
                }
            )
    text = "Northwind Health hardened Redis 7" if user_values else f"Default for {family}"
    gaps.add_parameter_group(
        account_id, region, name=name, family=family, description=text, parameters=parameters
    )


def _group_specs(plan: FleetPlan) -> dict[str, dict[str, Any]]:
    """CreateReplicationGroup arguments per role: a mix of good and bad settings."""
    sg, topics = plan.security_groups, plan.topics
    three_azs = [f"{PRIMARY}{zone}" for zone in "abc"]
    base = {"Engine": "redis", "CacheNodeType": "cache.r7g.large", "Port": 6379}
    slow_log = {
        "LogType": "slow-log",
        "DestinationType": "cloudwatch-logs",
        "DestinationDetails": {
            "CloudWatchLogsDetails": {"LogGroup": "/aws/elasticache/nwh-patient-sessions-prod"}
        },
        "LogFormat": "json",
    }
    encrypted = {"AtRestEncryptionEnabled": True, "TransitEncryptionEnabled": True}
    return {
        "hardened": {
            **base,
            **encrypted,
            "ReplicationGroupId": "nwh-patient-sessions-prod",
            "ReplicationGroupDescription": "Patient portal sessions (PHI)",
            "EngineVersion": "7.1.0",
            "NumCacheClusters": 3,
            "PreferredCacheClusterAZs": three_azs,
            "MultiAZEnabled": True,
            "AutomaticFailoverEnabled": True,
            "KmsKeyId": plan.kms_key_arn,
            "TransitEncryptionMode": "required",
            "UserGroupIds": ["nwh-rbac-prod"],
            "SnapshotRetentionLimit": 35,
            "SnapshotWindow": "03:00-04:00",
            "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
            "NotificationTopicArn": topics["cache-events"],
            "CacheParameterGroupName": "nwh-redis7-hardened",
            "Port": 6380,
            "SecurityGroupIds": [sg["restricted"]],
            "CacheSubnetGroupName": "nwh-cache-private",
            "LogDeliveryConfigurations": [slow_log],
            "AutoMinorVersionUpgrade": True,
        },
        "legacy": {
            **base,
            "ReplicationGroupId": "nwh-claims-cache-legacy",
            "ReplicationGroupDescription": "Claims lookups, pre-2019 stack",
            "EngineVersion": "3.2.6",
            "CacheNodeType": "cache.m4.large",
            "NumCacheClusters": 1,
            "SecurityGroupIds": [sg["open-ipv4"]],
            "CacheSubnetGroupName": "nwh-cache-mixed-public",
            "AutoMinorVersionUpgrade": False,
        },
        "auth_short_retention": {
            **base,
            **encrypted,
            "ReplicationGroupId": "nwh-eligibility-cache",
            "ReplicationGroupDescription": "Member eligibility checks",
            "EngineVersion": "4.0.10",
            "NumCacheClusters": 2,
            "PreferredCacheClusterAZs": three_azs[:2],
            "AuthToken": AUTH_TOKEN,
            "SnapshotRetentionLimit": 1,
            "SnapshotWindow": "06:00-07:00",
            "PreferredMaintenanceWindow": "sat:08:00-sat:09:00",
            "NotificationTopicArn": topics["cache-events"],
            "SecurityGroupIds": [sg["restricted"]],
            "CacheSubnetGroupName": "nwh-cache-private",
        },
        "transit_preferred": {
            **base,
            **encrypted,
            "ReplicationGroupId": "nwh-provider-directory",
            "ReplicationGroupDescription": "Provider directory search cache",
            "EngineVersion": "7.0.7",
            "NumCacheClusters": 2,
            "PreferredCacheClusterAZs": three_azs[1:],
            "MultiAZEnabled": True,
            "AutomaticFailoverEnabled": True,
            "TransitEncryptionMode": "preferred",
            "SnapshotRetentionLimit": 7,
            "SnapshotWindow": "02:00-03:00",
            "SecurityGroupIds": [sg["open-ipv6"]],
            "CacheSubnetGroupName": "nwh-cache-private",
        },
        "single_az_replicas": {
            **base,
            **encrypted,
            "ReplicationGroupId": "nwh-scheduling-cache",
            "ReplicationGroupDescription": "Appointment scheduling",
            "EngineVersion": "6.2.6",
            "NumCacheClusters": 3,
            "PreferredCacheClusterAZs": [three_azs[0]] * 3,
            "MultiAZEnabled": True,
            "AutomaticFailoverEnabled": True,
            "SnapshotRetentionLimit": 14,
            "SnapshotWindow": "04:00-05:00",
            "PreferredMaintenanceWindow": "sun:06:00-sun:07:00",
            "SecurityGroupIds": [sg["restricted"]],
            "CacheSubnetGroupName": "nwh-cache-single-az",
        },
        "cluster_mode": {
            **base,
            **encrypted,
            "ReplicationGroupId": "nwh-analytics-cluster",
            "ReplicationGroupDescription": "Population health analytics (cluster mode)",
            "EngineVersion": "7.1.0",
            "ClusterMode": "enabled",
            "NumNodeGroups": 3,
            "ReplicasPerNodeGroup": 1,
            "MultiAZEnabled": True,
            "AutomaticFailoverEnabled": True,
            "KmsKeyId": plan.kms_key_arn,
            "CacheParameterGroupName": "default.redis7.cluster.on",
            "SnapshotRetentionLimit": 7,
            "SnapshotWindow": "01:00-02:00",
            "PreferredMaintenanceWindow": "mon:03:00-mon:04:00",
            "NotificationTopicArn": topics["cache-events"],
            "SecurityGroupIds": [sg["restricted"]],
            "CacheSubnetGroupName": "nwh-cache-private",
        },
        "valkey": {
            **base,
            **encrypted,
            "ReplicationGroupId": "nwh-telehealth-valkey",
            "ReplicationGroupDescription": "Telehealth room state",
            "Engine": "valkey",
            "EngineVersion": "7.2.6",
            "NumCacheClusters": 2,
            "PreferredCacheClusterAZs": three_azs[:2],
            "MultiAZEnabled": True,
            "AutomaticFailoverEnabled": True,
            "TransitEncryptionMode": "required",
            "UserGroupIds": ["nwh-rbac-valkey"],
            "SnapshotRetentionLimit": 14,
            "SnapshotWindow": "05:00-06:00",
            "PreferredMaintenanceWindow": "tue:04:00-tue:05:00",
            "NotificationTopicArn": topics["missing"],
            "SecurityGroupIds": [sg["restricted"]],
            "CacheSubnetGroupName": "nwh-cache-private",
        },
        "no_backups": {
            **base,
            "ReplicationGroupId": "nwh-billing-queue-dev",
            "ReplicationGroupDescription": "Billing job queue (dev)",
            "EngineVersion": "6.2.6",
            "CacheNodeType": "cache.t3.small",
            "NumCacheClusters": 2,
            "PreferredCacheClusterAZs": three_azs[:2],
            "AutomaticFailoverEnabled": True,
            "SnapshotRetentionLimit": 0,
            "SecurityGroupIds": [sg["restricted"]],
            "CacheSubnetGroupName": "nwh-cache-private",
        },
    }


def _west_group_spec(plan: FleetPlan) -> dict[str, Any]:
    return {
        "Engine": "redis",
        "CacheNodeType": "cache.r7g.large",
        "ReplicationGroupId": "nwh-patient-sessions-dr",
        "ReplicationGroupDescription": "Patient portal sessions, DR region",
        "EngineVersion": "7.1.0",
        "NumCacheClusters": 2,
        "PreferredCacheClusterAZs": [f"{SECONDARY}a", f"{SECONDARY}b"],
        "MultiAZEnabled": True,
        "AutomaticFailoverEnabled": True,
        "AtRestEncryptionEnabled": True,
        "TransitEncryptionEnabled": True,
        "TransitEncryptionMode": "required",
        "SnapshotRetentionLimit": 35,
        "SnapshotWindow": "03:00-04:00",
        "PreferredMaintenanceWindow": "sun:07:00-sun:08:00",
        "NotificationTopicArn": plan.topics["cache-events-west"],
        "SecurityGroupIds": [plan.security_groups["west-restricted"]],
        "CacheSubnetGroupName": "nwh-cache-dr-private",
    }


def _seed_groups(url: str, plan: FleetPlan) -> dict[str, str]:
    """RBAC users and user groups, then the replication groups over HTTP."""
    ec = client("elasticache", url, PRIMARY)
    for user_id in ("nwh-app-user", "nwh-readonly-user"):
        ec.create_user(
            UserId=user_id,
            UserName=user_id,
            Engine="redis",
            AccessString="on ~app:* +@read" if "readonly" in user_id else "on ~* +@all",
            Passwords=[AUTH_TOKEN],
        )
    users = ["default", "nwh-app-user", "nwh-readonly-user"]
    for group_id, engine in (("nwh-rbac-prod", "redis"), ("nwh-rbac-valkey", "valkey")):
        gaps.add_user_group(
            plan.account_id, PRIMARY, user_group_id=group_id, engine=engine, user_ids=users
        )
    groups = {}
    for role, spec in _group_specs(plan).items():
        groups[role] = ec.create_replication_group(**spec)["ReplicationGroup"]["ReplicationGroupId"]
    west = client("elasticache", url, SECONDARY)
    spec = _west_group_spec(plan)
    groups["dr_west"] = west.create_replication_group(**spec)["ReplicationGroup"][
        "ReplicationGroupId"
    ]
    groups["stale_backup"] = groups["single_az_replicas"]
    groups["missing_topic"] = groups["valkey"]
    return groups


def _seed_clusters(url: str, plan: FleetPlan) -> dict[str, str]:
    """Standalone clusters: Redis on 6379 in the default subnet group, and Memcached."""
    ec = client("elasticache", url, PRIMARY)
    ec.create_cache_cluster(
        CacheClusterId="nwh-reports-redis",
        Engine="redis",
        EngineVersion="6.2.6",
        CacheNodeType="cache.t3.medium",
        NumCacheNodes=1,
        Port=6379,
        PreferredAvailabilityZone=f"{PRIMARY}b",
        CacheSubnetGroupName="default",
        SecurityGroupIds=[plan.security_groups["open-ipv4"]],
        SnapshotRetentionLimit=3,
        SnapshotWindow="00:00-01:00",
        PreferredMaintenanceWindow="wed:02:00-wed:03:00",
    )
    ec.create_cache_cluster(
        CacheClusterId="nwh-formulary-memcached",
        Engine="memcached",
        EngineVersion="1.6.22",
        CacheNodeType="cache.m6g.large",
        NumCacheNodes=2,
        PreferredAvailabilityZone=f"{PRIMARY}a",
        CacheSubnetGroupName="nwh-cache-private",
        SecurityGroupIds=[plan.security_groups["restricted"]],
        PreferredMaintenanceWindow="thu:02:00-thu:03:00",
    )
    return {"standalone_redis": "nwh-reports-redis", "memcached": "nwh-formulary-memcached"}


def _seed_serverless(plan: FleetPlan, now: dt.datetime) -> dict[str, str]:
    """Store a serverless Valkey cache and two of its snapshots."""
    name = "nwh-member-portal-serverless"
    created = now - dt.timedelta(days=200)
    gaps.add_serverless_cache(
        plan.account_id,
        PRIMARY,
        {
            "ServerlessCacheName": name,
            "Description": "Member portal feature flags and rate limits",
            "CreateTime": created,
            "Engine": "valkey",
            "MajorEngineVersion": "8",
            "FullEngineVersion": "8.0.1",
            "CacheUsageLimits": {"DataStorage": {"Maximum": 10, "Unit": "GB"}},
            "KmsKeyId": plan.kms_key_arn,
            "SecurityGroupIds": [plan.security_groups["restricted"]],
            "SubnetIds": [plan.subnets[f"private-{zone}"] for zone in "abc"],
            "UserGroupId": "nwh-rbac-valkey",
            "SnapshotRetentionLimit": 7,
            "DailySnapshotTime": "04:00",
        },
    )
    for kind, days in (("automated", 1), ("manual", 30)):
        taken = (now - dt.timedelta(days=days)).replace(hour=4, minute=0, second=0, microsecond=0)
        gaps.add_serverless_snapshot(
            plan.account_id,
            PRIMARY,
            {
                "ServerlessCacheSnapshotName": f"{name}-{kind}-{taken:%Y-%m-%d}",
                "KmsKeyId": plan.kms_key_arn,
                "SnapshotType": kind,
                "CreateTime": taken,
                "ExpiryTime": taken + dt.timedelta(days=7) if kind == "automated" else None,
                "BytesUsedForCache": "73400320",
                "ServerlessCacheConfiguration": {
                    "ServerlessCacheName": name,
                    "Engine": "valkey",
                    "MajorEngineVersion": "8",
                },
            },
        )
    return {"valkey": name}


def _backdate(
    account_id: str, groups: dict[str, str], clusters: dict[str, str], now: dt.datetime
) -> None:
    """Date every cache before its first snapshot; set the endpoint's clock to ``now``."""
    for region in (PRIMARY, SECONDARY):
        gaps.set_clock(account_id, region, now)
    for index, (role, group_id) in enumerate(sorted(groups.items())):
        region = SECONDARY if role == "dr_west" else PRIMARY
        created = now - dt.timedelta(days=400 + 37 * index, hours=index)
        gaps.set_create_time(account_id, region, group_id, created)
    for index, cluster_id in enumerate(sorted(clusters.values())):
        created = now - dt.timedelta(days=300 + 11 * index)
        gaps.set_create_time(account_id, PRIMARY, cluster_id, created)


def _window_start(day: dt.datetime, window: str) -> dt.datetime:
    hour, minute = (int(part) for part in window.split("-")[0].split(":"))
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _seed_snapshots(
    url: str, account_id: str, groups: dict[str, str], clusters: dict[str, str], now: dt.datetime
) -> None:
    """Daily automated snapshots within each retention, manual ones, and one stale group."""
    for region in (PRIMARY, SECONDARY):
        backend = gaps.backend_for(account_id, region)
        for group in list(backend.replication_groups.values()):
            retention = min(group.snapshot_retention_limit, 35)
            # The stale group's backups stopped 9 days ago: nothing newer exists.
            first_day = 9 if group.replication_group_id == groups["stale_backup"] else 1
            for age in range(first_day, retention + 1):
                taken = _window_start(now - dt.timedelta(days=age), group.snapshot_window)
                gaps.add_snapshot(
                    account_id,
                    region,
                    name=f"automatic.{group.replication_group_id}-{taken:%Y-%m-%d-%H-%M}",
                    created=taken,
                    replication_group_id=group.replication_group_id,
                )
    for age in (1, 2, 3):
        taken = _window_start(now - dt.timedelta(days=age), "00:00-01:00")
        gaps.add_snapshot(
            account_id,
            PRIMARY,
            name=f"automatic.{clusters['standalone_redis']}-{taken:%Y-%m-%d-%H-%M}",
            created=taken,
            cache_cluster_id=clusters["standalone_redis"],
        )
    manual = [
        ("nwh-patient-sessions-prod-pre-upgrade", groups["hardened"], 20),
        ("nwh-claims-cache-legacy-final-2024", groups["legacy"], 400),
        ("nwh-scheduling-cache-before-resize", groups["stale_backup"], 60),
    ]
    for name, group_id, age in manual:
        gaps.add_snapshot(
            account_id,
            PRIMARY,
            name=name,
            created=now - dt.timedelta(days=age, hours=3),
            source="manual",
            replication_group_id=group_id,
        )


def _seed_updates_and_events(
    account_id: str, groups: dict[str, str], clusters: dict[str, str], now: dt.datetime
) -> None:
    """One security update overdue on the legacy group, the others applied; recent events."""
    security = {
        "ServiceUpdateName": "elasticache-redis-security-update-001",
        "ServiceUpdateReleaseDate": now - dt.timedelta(days=120),
        "ServiceUpdateSeverity": "important",
        "ServiceUpdateStatus": "available",
        "ServiceUpdateRecommendedApplyByDate": now - dt.timedelta(days=30),
        "ServiceUpdateType": "security-update",
        "UpdateActionAvailableDate": now - dt.timedelta(days=120),
        "Engine": "redis",
        "EstimatedUpdateTime": "10 minutes per node",
    }
    for role in ("legacy", "hardened", "auth_short_retention", "cluster_mode"):
        done = role != "legacy"
        action = {
            **security,
            "ReplicationGroupId": groups[role],
            "UpdateActionStatus": "complete" if done else "not-applied",
            "UpdateActionStatusModifiedDate": now - dt.timedelta(days=45 if done else 120),
            "SlaMet": "yes" if done else "no",
            "NodesUpdated": "all" if done else "0/1",
        }
        gaps.add_update_action(account_id, PRIMARY, action)
    gaps.add_update_action(
        account_id,
        PRIMARY,
        {
            **security,
            "ServiceUpdateName": "elasticache-engine-patch-002",
            "ServiceUpdateSeverity": "medium",
            "ServiceUpdateType": "security-update",
            "ServiceUpdateRecommendedApplyByDate": now + dt.timedelta(days=20),
            "CacheClusterId": clusters["standalone_redis"],
            "UpdateActionStatus": "complete",
            "UpdateActionStatusModifiedDate": now - dt.timedelta(days=5),
            "SlaMet": "yes",
        },
    )
    for minutes, source, kind, message in [
        (20, groups["hardened"], "replication-group", "Backup succeeded for the group"),
        (35, groups["single_az_replicas"], "replication-group", "Backup failed: disk full"),
        (50, clusters["standalone_redis"], "cache-cluster", "Cache node 0001 restarted"),
        (2 * 24 * 60, groups["cluster_mode"], "replication-group", "Failover complete"),
    ]:
        event = {
            "SourceIdentifier": source,
            "SourceType": kind,
            "Message": message,
            "Date": now - dt.timedelta(minutes=minutes),
        }
        gaps.add_event(account_id, PRIMARY, event)


def archive_bucket_name(account_id: str) -> str:
    """Return the name of the demo's snapshot export archive bucket in ``account_id``."""
    return f"{ARCHIVE_BUCKET_PREFIX}{account_id}"


def _seed_archive_bucket(url: str, plan: FleetPlan) -> str:
    """Create the snapshot export archive in us-east-1: locked, private, CMK-encrypted, tiered."""
    s3, bucket = client("s3", url, PRIMARY), archive_bucket_name(plan.account_id)
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    blocked = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration={name: True for name in blocked}
    )
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": plan.kms_key_arn}
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]
        },
    )
    # NOTE: retention in Days, not Years: moto 5.2.5 answers both keys, the unset one as 0.
    retention = {"Mode": "GOVERNANCE", "Days": ARCHIVE_LOCK_DAYS}
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": retention},
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [_archive_rule()]}
    )
    for group_id, snapshot in ARCHIVED_SNAPSHOTS:
        body = b"REDIS0011" + f"demo export of {snapshot}".encode()
        s3.put_object(Bucket=bucket, Key=f"exports/{group_id}/{snapshot}.rdb", Body=body)
    return bucket


def _archive_rule() -> dict[str, Any]:
    """Lifecycle of exports: Glacier after 35 days, Deep Archive after 180, expiry after 7 years."""
    return {
        "ID": "snapshot-exports-to-cold-storage",
        "Status": "Enabled",
        "Filter": {"Prefix": "exports/"},
        "Transitions": [
            {"Days": 35, "StorageClass": "GLACIER"},
            {"Days": 180, "StorageClass": "DEEP_ARCHIVE"},
        ],
        "Expiration": {"Days": ARCHIVE_EXPIRATION_DAYS},
        "NoncurrentVersionExpiration": {"NoncurrentDays": ARCHIVE_EXPIRATION_DAYS},
    }
