"""CloudTrail records for bench/cloudtrail.py, in three shapes (fictional values throughout).

``real``: what an ElastiCache trail holds. Mostly Describe/List calls by monitoring roles and
the service itself, whose responseElements CloudTrail leaves null; about one record in five a
change, whose responseElements is the whole resource the API answered (a replication group with
its node groups and endpoints, a cluster, a snapshot with its node snapshots, a user), as AWS
writes them; requestParameters per operation; the fields real records carry (tlsDetails,
sessionContext attributes, apiVersion, sessionCredentialFromConsole, vpcEndpointId).

``thin``: every record with the same few small fields (the shape measured before 2026-12-03).

``account``: what an account-wide trail holds, every service's management events, ElastiCache's
(``real`` records) about one in seven; made in ``cloudtrail_account.py``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
import uuid
from pathlib import Path
from typing import Any

import orjson

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "us-west-2")
EC = "elasticache.amazonaws.com"
CLI_UA = "aws-cli/2.17.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.1 md/arch#x86_64"
BOTO_UA = "Boto3/1.35.10 md/Botocore#1.35.10 ua/2.0 os/linux#6.1 lang/python#3.12.4"
CONSOLE_UA = "AWS Internal"
THIN_ACTIONS = (
    ("DescribeReplicationGroups", True),
    ("DescribeCacheClusters", True),
    ("DescribeSnapshots", True),
    ("ModifyReplicationGroup", False),
    ("CreateSnapshot", False),
    ("DeleteCacheCluster", False),
)
# (operation, read-only, weight): four reads in five, as monitoring polls the service.
REAL_ACTIONS = (
    ("DescribeReplicationGroups", True, 24),
    ("DescribeCacheClusters", True, 18),
    ("DescribeSnapshots", True, 10),
    ("DescribeEvents", True, 8),
    ("ListTagsForResource", True, 8),
    ("DescribeCacheParameters", True, 4),
    ("DescribeUsers", True, 4),
    ("DescribeServiceUpdates", True, 4),
    ("ModifyReplicationGroup", False, 5),
    ("CreateSnapshot", False, 5),
    ("AddTagsToResource", False, 3),
    ("ModifyCacheCluster", False, 2),
    ("ModifyUser", False, 2),
    ("ModifyCacheParameterGroup", False, 1),
    ("CreateCacheCluster", False, 1),
    ("TestFailover", False, 1),
)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _aws_date(moment: dt.datetime) -> str:
    """Return a time as CloudTrail writes timestamps inside requestParameters."""
    return moment.strftime("%b %-d, %Y, %-I:%M:%S %p")


def thin_identity(rng: random.Random, index: int) -> dict[str, Any]:
    kind = index % 4
    if kind == 0:
        return {
            "type": "IAMUser",
            "principalId": f"AIDA{index % 97:016d}",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/ops-{index % 13}",
            "accountId": ACCOUNT,
            "accessKeyId": f"AKIA{index % 89:016d}",
            "userName": f"ops-{index % 13}",
        }
    if kind == 3:
        return {"type": "AWSService", "invokedBy": EC}
    role = f"deploy-{index % 7}"
    return {
        "type": "AssumedRole",
        "principalId": f"AROA{index % 53:016d}:session-{index % 31}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session-{index % 31}",
        "accountId": ACCOUNT,
        "accessKeyId": f"ASIA{rng.randrange(10**15):016d}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"AROA{index % 53:016d}",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "attributes": {"creationDate": "2026-07-01T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def thin_record(rng: random.Random, index: int, when: dt.datetime) -> dict[str, Any]:
    name, read_only = THIN_ACTIONS[index % len(THIN_ACTIONS)]
    group = f"patients-cache-{index % 11}"
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": thin_identity(rng, index),
        "eventTime": _iso(when),
        "eventSource": EC,
        "eventName": name,
        "awsRegion": REGIONS[index % 2],
        "sourceIPAddress": f"10.{index % 250}.{index % 199}.{index % 97}",
        "userAgent": CLI_UA,
        "requestParameters": {"replicationGroupId": group, "maxRecords": 100},
        "responseElements": None if read_only else {"replicationGroupId": group},
        "requestID": f"{rng.getrandbits(128):032x}",
        "eventID": f"{rng.getrandbits(128):032x}",
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": "elasticache.us-east-1.amazonaws.com",
        },
    }
    if index % 50 == 7:
        record["errorCode"] = "AccessDenied"
        record["errorMessage"] = "User is not authorized to perform this operation"
    return record


def _endpoint(name: str, region: str, node: str | None = None) -> dict[str, Any]:
    host = f"{node}.{name}" if node else f"master.{name}"
    return {"address": f"{host}.x7kq2p.{region[:6]}.cache.amazonaws.com", "port": 6379}


def replication_group(group: str, region: str, status: str) -> dict[str, Any]:
    """Return a replication group as the API (and so CloudTrail) describes it."""
    members = [f"{group}-00{n}" for n in (1, 2, 3)]
    return {
        "replicationGroupId": group,
        "description": f"{group} session cache",
        "globalReplicationGroupInfo": {},
        "status": status,
        "pendingModifiedValues": {"authTokenStatus": "ROTATING"} if status == "modifying" else {},
        "memberClusters": members,
        "nodeGroups": [
            {
                "nodeGroupId": "0001",
                "status": status,
                "primaryEndpoint": _endpoint(group, region),
                "readerEndpoint": _endpoint(group, region, "replica"),
                "nodeGroupMembers": [
                    {
                        "cacheClusterId": member,
                        "cacheNodeId": "0001",
                        "readEndpoint": _endpoint(group, region, member),
                        "preferredAvailabilityZone": f"{region}{'abc'[n]}",
                        "currentRole": "primary" if n == 0 else "replica",
                    }
                    for n, member in enumerate(members)
                ],
            }
        ],
        "automaticFailover": "enabled",
        "multiAZ": "enabled",
        "clusterEnabled": False,
        "cacheNodeType": "cache.r7g.large",
        "authTokenEnabled": True,
        "authTokenLastModifiedDate": "Jun 2, 2026, 3:14:07 AM",
        "transitEncryptionEnabled": True,
        "atRestEncryptionEnabled": True,
        "kmsKeyId": f"arn:aws:kms:{region}:{ACCOUNT}:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "aRN": f"arn:aws:elasticache:{region}:{ACCOUNT}:replicationgroup:{group}",
        "logDeliveryConfigurations": [
            {
                "logType": "slow-log",
                "destinationType": "cloudwatch-logs",
                "destinationDetails": {"cloudWatchLogsDetails": {"logGroup": f"/cache/{group}"}},
                "logFormat": "json",
                "status": "active",
            }
        ],
        "replicationGroupCreateTime": "Mar 11, 2025, 9:41:52 PM",
        "dataTiering": "disabled",
        "autoMinorVersionUpgrade": True,
        "networkType": "ipv4",
        "ipDiscovery": "ipv4",
        "transitEncryptionMode": "required",
        "clusterMode": "disabled",
        "engine": "valkey",
    }


def cache_cluster(cluster: str, group: str, region: str, status: str) -> dict[str, Any]:
    """Return a cache cluster as the API describes it."""
    return {
        "cacheClusterId": cluster,
        "clientDownloadLandingPage": "https://console.aws.amazon.com/elasticache/home#client-download:",
        "cacheNodeType": "cache.r7g.large",
        "engine": "valkey",
        "engineVersion": "8.0.1",
        "cacheClusterStatus": status,
        "numCacheNodes": 1,
        "preferredAvailabilityZone": f"{region}a",
        "cacheClusterCreateTime": "Mar 11, 2025, 9:43:10 PM",
        "preferredMaintenanceWindow": "sun:05:00-sun:06:00",
        "pendingModifiedValues": {},
        "cacheSecurityGroups": [],
        "cacheParameterGroup": {
            "cacheParameterGroupName": "default.valkey8",
            "parameterApplyStatus": "in-sync",
            "cacheNodeIdsToReboot": [],
        },
        "cacheSubnetGroupName": "private-cache-subnets",
        "autoMinorVersionUpgrade": True,
        "securityGroups": [{"securityGroupId": "sg-0a1b2c3d4e5f60718", "status": "active"}],
        "replicationGroupId": group,
        "snapshotRetentionLimit": 7,
        "snapshotWindow": "03:00-04:00",
        "authTokenEnabled": True,
        "transitEncryptionEnabled": True,
        "atRestEncryptionEnabled": True,
        "aRN": f"arn:aws:elasticache:{region}:{ACCOUNT}:cluster:{cluster}",
        "replicationGroupLogDeliveryEnabled": True,
        "logDeliveryConfigurations": [],
        "networkType": "ipv4",
        "ipDiscovery": "ipv4",
        "transitEncryptionMode": "required",
    }


def snapshot(group: str, region: str, moment: dt.datetime) -> dict[str, Any]:
    """Return a manual snapshot being created, as CreateSnapshot answers."""
    return {
        "snapshotName": f"{group}-manual-{moment:%Y%m%d%H%M}",
        "replicationGroupId": group,
        "replicationGroupDescription": f"{group} session cache",
        "snapshotStatus": "creating",
        "snapshotSource": "manual",
        "cacheNodeType": "cache.r7g.large",
        "engine": "valkey",
        "engineVersion": "8.0.1",
        "numCacheNodes": 1,
        "cacheSubnetGroupName": "private-cache-subnets",
        "vpcId": "vpc-0f1e2d3c4b5a69788",
        "autoMinorVersionUpgrade": True,
        "snapshotRetentionLimit": 7,
        "snapshotWindow": "03:00-04:00",
        "numNodeGroups": 1,
        "automaticFailover": "enabled",
        "nodeSnapshots": [
            {
                "cacheClusterId": f"{group}-001",
                "nodeGroupId": "0001",
                "cacheNodeId": "0001",
                "cacheSize": "",
                "cacheNodeCreateTime": "Mar 11, 2025, 9:43:10 PM",
            }
        ],
        "kmsKeyId": f"arn:aws:kms:{region}:{ACCOUNT}:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "aRN": f"arn:aws:elasticache:{region}:{ACCOUNT}:snapshot:{group}-manual",
        "dataTiering": "disabled",
    }


def _request(name: str, group: str, moment: dt.datetime, index: int) -> Any:
    """Return the requestParameters of one call."""
    requests: dict[str, Any] = {
        "DescribeReplicationGroups": {"replicationGroupId": group},
        "DescribeCacheClusters": {"showCacheNodeInfo": True, "maxRecords": 100},
        "DescribeSnapshots": {"replicationGroupId": group, "snapshotSource": "manual"},
        "DescribeEvents": {
            "startTime": _aws_date(moment - dt.timedelta(hours=1)),
            "endTime": _aws_date(moment),
            "maxRecords": 100,
        },
        "ListTagsForResource": {
            "resourceName": f"arn:aws:elasticache:us-east-1:{ACCOUNT}:replicationgroup:{group}"
        },
        "DescribeCacheParameters": {
            "cacheParameterGroupName": "patients-valkey8",
            "source": "user",
        },
        "DescribeUsers": {"engine": "valkey"} if index % 2 else None,
        "DescribeServiceUpdates": {"serviceUpdateStatus": ["available"]},
        "ModifyReplicationGroup": {
            "replicationGroupId": group,
            "applyImmediately": True,
            "authToken": "HIDDEN_DUE_TO_SECURITY_REASONS",
            "authTokenUpdateStrategy": "ROTATE",
        },
        "CreateSnapshot": {
            "replicationGroupId": group,
            "snapshotName": f"{group}-manual-{moment:%Y%m%d%H%M}",
        },
        "AddTagsToResource": {
            "resourceName": f"arn:aws:elasticache:us-east-1:{ACCOUNT}:replicationgroup:{group}",
            "tags": [{"key": "cost-center", "value": "platform"}, {"key": "phi", "value": "yes"}],
        },
        "ModifyCacheCluster": {"cacheClusterId": f"{group}-002", "snapshotRetentionLimit": 7},
        "ModifyUser": {"userId": f"app-{index % 5}", "accessString": "on ~app:* +@read +@write"},
        "ModifyCacheParameterGroup": {
            "cacheParameterGroupName": "patients-valkey8",
            "parameterNameValues": [{"parameterName": "timeout", "parameterValue": "300"}],
        },
        "CreateCacheCluster": {"cacheClusterId": f"{group}-004", "replicationGroupId": group},
        "TestFailover": {"replicationGroupId": group, "nodeGroupId": "0001"},
    }
    return requests[name]


def _response(name: str, group: str, region: str, moment: dt.datetime, index: int) -> Any:
    """Return the responseElements of a successful change."""
    if name in ("ModifyReplicationGroup", "TestFailover"):
        return replication_group(group, region, "modifying")
    if name == "CreateSnapshot":
        return snapshot(group, region, moment)
    if name in ("ModifyCacheCluster", "CreateCacheCluster"):
        status = "creating" if name == "CreateCacheCluster" else "modifying"
        return cache_cluster(f"{group}-00{2 + index % 3}", group, region, status)
    if name == "ModifyUser":
        user = f"app-{index % 5}"
        return {
            "userId": user,
            "userName": user,
            "status": "modifying",
            "engine": "valkey",
            "minimumEngineVersion": "7.2",
            "accessString": "on ~app:* +@read +@write",
            "userGroupIds": ["patients-users"],
            "authentication": {"type": "password", "passwordCount": 1},
            "aRN": f"arn:aws:elasticache:{region}:{ACCOUNT}:user:{user}",
        }
    if name == "AddTagsToResource":
        return {"tagList": _request(name, group, moment, index)["tags"]}
    return {"cacheParameterGroupName": "patients-valkey8"}


def real_identity(rng: random.Random, index: int) -> tuple[dict[str, Any], str]:
    """Return a userIdentity and the user agent of its caller."""
    kind = index % 10
    if kind < 5:
        role, session = ("monitoring", f"poller-{index % 3}")
    elif kind < 8:
        role, session = ("platform-admin", f"person-{index % 17}@example.org")
    else:
        role, session = ("", "")
    if kind == 9:
        return {"type": "AWSService", "invokedBy": EC}, EC
    if kind == 8:
        identity = {
            "type": "IAMUser",
            "principalId": f"AIDA{index % 7:016d}",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/svc-backup-audit",
            "accountId": ACCOUNT,
            "accessKeyId": f"AKIA{index % 7:016d}",
            "userName": "svc-backup-audit",
        }
        return identity, BOTO_UA
    identity = {
        "type": "AssumedRole",
        "principalId": f"AROA{len(role):016d}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": f"ASIA{rng.randrange(10**15):016d}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"AROA{len(role):016d}",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": "2026-07-01T08:02:11Z", "mfaAuthenticated": "true"},
        },
    }
    return identity, BOTO_UA if kind < 5 else (CONSOLE_UA if kind % 2 else CLI_UA)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def real_record(rng: random.Random, index: int, when: dt.datetime) -> dict[str, Any]:
    name, read_only = _pick(rng)
    group = f"patients-cache-{index % 11}"
    region = REGIONS[index % 2]
    identity, agent = real_identity(rng, index)
    record: dict[str, Any] = {
        "eventVersion": "1.10",
        "userIdentity": identity,
        "eventTime": _iso(when),
        "eventSource": EC,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": EC if agent == EC else f"10.{index % 250}.{index % 199}.{index % 97}",
        "userAgent": agent,
        "requestParameters": _request(name, group, when, index),
        "responseElements": None if read_only else _response(name, group, region, when, index),
        "requestID": _uuid(rng),
        "eventID": _uuid(rng),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "apiVersion": "2015-02-02",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if agent != EC:
        record["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"elasticache.{region}.amazonaws.com",
        }
    if agent == CONSOLE_UA:
        record["sessionCredentialFromConsole"] = "true"
    if index % 13 == 5:
        record["vpcEndpointId"] = "vpce-0a1b2c3d4e5f60718"
        record["vpcEndpointAccountId"] = ACCOUNT
    if index % 50 == 7:
        record["errorCode"] = "AccessDenied"
        record["errorMessage"] = f"User is not authorized to perform: elasticache:{name}"
        record["responseElements"] = None
    return record


_NAMES = [(name, read_only) for name, read_only, _ in REAL_ACTIONS]
_WEIGHTS = [weight for _, _, weight in REAL_ACTIONS]


def _pick(rng: random.Random) -> tuple[str, bool]:
    return rng.choices(_NAMES, _WEIGHTS)[0]


def account_record(rng: random.Random, index: int, when: dt.datetime) -> dict[str, Any]:
    """Return one record of an account-wide trail (see ``cloudtrail_account.py``)."""
    from cloudtrail_account import account_record as make  # imports this module: load late

    return make(rng, index, when)


SHAPES = {"real": real_record, "thin": thin_record, "account": account_record}


def generate(folder: Path, records: int, per_file: int, shape: str = "real") -> list[Path]:
    """Write ``records`` records of ``shape`` into gzip log files of ``per_file`` records each."""
    rng = random.Random(7)
    make = SHAPES[shape]
    start = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    files: list[Path] = []
    for number, first in enumerate(range(0, records, per_file)):
        count = min(per_file, records - first)
        when = start + dt.timedelta(minutes=5 * number)
        batch = [make(rng, first + i, when + dt.timedelta(seconds=i % 300)) for i in range(count)]
        day = when.strftime("%Y/%m/%d")
        stamp = when.strftime("%Y%m%dT%H%MZ")
        path = folder / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / day
        path.mkdir(parents=True, exist_ok=True)
        path = path / f"{ACCOUNT}_CloudTrail_us-east-1_{stamp}_{number:06d}.json.gz"
        path.write_bytes(gzip.compress(orjson.dumps({"Records": batch}), compresslevel=6))
        files.append(path)
    return files
