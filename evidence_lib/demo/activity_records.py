"""CloudTrail records of the demo: the principals, the routine actions and their shapes.

Records follow the CloudTrail record format (eventVersion 1.10): userIdentity of type
IAMUser, AssumedRole (with sessionContext and sessionIssuer), AWSService or Root, request
parameters, response elements, resources, TLS details. Routine activity never deletes
anything and never stops logging: destructive and logging actions appear only among the
planted irregularities (``activity_plants``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from typing import Any

ELASTICACHE = "elasticache.amazonaws.com"
CONSOLE_UA = "AWS Internal"
CLI_UA = "aws-cli/2.17.42 md/awscrt#0.21.2 ua/2.0 os/linux#6.8 md/arch#x86_64 lang/python#3.12.5"
BOTO_UA = "Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux#6.1 lang/python#3.12.4"
TERRAFORM_UA = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) aws-sdk-go-v2/1.30.4"
)


@dataclass(frozen=True)
class Principal:
    """Who acts in the demo's CloudTrail records."""

    key: str
    identity_type: str
    name: str
    role: str | None
    user_agent: str
    source_ip: str


PRINCIPALS: dict[str, Principal] = {
    p.key: p
    for p in [
        Principal(
            "alex", "AssumedRole", "alex.morgan", "nwh-platform-admin", CONSOLE_UA, "203.0.113.24"
        ),
        Principal(
            "priya", "AssumedRole", "priya.shah", "nwh-platform-admin", CLI_UA, "198.51.100.17"
        ),
        Principal(
            "terraform",
            "AssumedRole",
            "terraform-ci",
            "nwh-terraform-deploy",
            TERRAFORM_UA,
            "192.0.2.40",
        ),
        Principal(
            "monitoring",
            "AssumedRole",
            "datadog-integration",
            "nwh-monitoring",
            BOTO_UA,
            "192.0.2.71",
        ),
        Principal("backup_audit", "IAMUser", "svc-backup-audit", None, BOTO_UA, "198.51.100.90"),
        Principal("service", "AWSService", ELASTICACHE, None, ELASTICACHE, ELASTICACHE),
        Principal("root", "Root", "root", None, CONSOLE_UA, "203.0.113.201"),
        Principal("contractor", "IAMUser", "contractor-dkim", None, CLI_UA, "203.0.113.77"),
    ]
}
ROUTINE_HUMANS = ("alex", "priya", "terraform")
ROUTINE_READERS = ("monitoring", "backup_audit")

# (event source, event name, read-only, what it targets); Delete* never appears here.
READS = [
    (ELASTICACHE, "DescribeReplicationGroups", "rg"),
    (ELASTICACHE, "DescribeCacheClusters", "cc"),
    (ELASTICACHE, "DescribeSnapshots", "rg"),
    (ELASTICACHE, "DescribeCacheParameterGroups", "pg"),
    (ELASTICACHE, "DescribeCacheParameters", "pg"),
    (ELASTICACHE, "DescribeCacheSubnetGroups", None),
    (ELASTICACHE, "DescribeUsers", None),
    (ELASTICACHE, "DescribeUserGroups", None),
    (ELASTICACHE, "DescribeServerlessCaches", None),
    (ELASTICACHE, "DescribeEvents", None),
    (ELASTICACHE, "DescribeUpdateActions", None),
    (ELASTICACHE, "DescribeServiceUpdates", None),
    (ELASTICACHE, "DescribeCacheEngineVersions", None),
    (ELASTICACHE, "ListTagsForResource", "rg"),
    (ELASTICACHE, "ListAllowedNodeTypeModifications", "rg"),
    ("cloudtrail.amazonaws.com", "DescribeTrails", None),
    ("cloudtrail.amazonaws.com", "GetTrailStatus", "trail"),
    ("cloudtrail.amazonaws.com", "GetEventSelectors", "trail"),
    ("sts.amazonaws.com", "GetCallerIdentity", None),
    ("s3.amazonaws.com", "ListBuckets", None),
    ("s3.amazonaws.com", "GetBucketAcl", "bucket"),
    ("ec2.amazonaws.com", "DescribeSecurityGroups", None),
    ("ec2.amazonaws.com", "DescribeSubnets", None),
]
CHANGES = [
    ("CreateSnapshot", "rg", 30),
    ("ModifyReplicationGroup", "rg", 14),
    ("ModifyCacheCluster", "cc", 6),
    ("ModifyCacheParameterGroup", "pg", 8),
    ("CreateUser", "user", 5),
    ("ModifyUser", "user", 6),
    ("ModifyUserGroup", "ug", 6),
    ("AddTagsToResource", "rg", 10),
    ("TestFailover", "rg", 3),
    ("CreateUserGroup", "ug", 1),
    ("CreateCacheParameterGroup", "pg", 1),
    ("CreateReplicationGroup", "rg", 1),
    ("CreateCacheCluster", "cc", 1),
]
ROUTINE_ERRORS = {
    True: [
        ("ReplicationGroupNotFoundFault", "Replication group {} not found."),
        ("ThrottlingException", "Rate exceeded"),
    ],
    False: [("InvalidReplicationGroupState", "Replication group {} is not in available state.")],
}
RESOURCE_TYPES = {
    "rg": ("AWS::ElastiCache::ReplicationGroup", "replicationgroup"),
    "cc": ("AWS::ElastiCache::CacheCluster", "cluster"),
    "pg": ("AWS::ElastiCache::ParameterGroup", "parametergroup"),
    "user": ("AWS::ElastiCache::User", "user"),
    "ug": ("AWS::ElastiCache::UserGroup", "usergroup"),
    "snapshot": ("AWS::ElastiCache::Snapshot", "snapshot"),
}


@dataclass
class Names:
    """Resource names of one region that records refer to."""

    rg: list[str]
    cc: list[str]
    pg: list[str]
    user: list[str]
    ug: list[str]
    trail: list[str]
    bucket: list[str]
    kms_key_arn: str
    region: str
    account_id: str


def iso(moment: dt.datetime) -> str:
    """Format a UTC time as CloudTrail does (seconds, ``Z``)."""
    # NOTE: isoformat is several times faster than strftime, which matters at 1M records.
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def new_id(rng: random.Random) -> str:
    """Return a deterministic UUID4-shaped identifier."""
    digits = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def key_id(prefix: str, *parts: str) -> str:
    """Return a stable AWS-style key or principal ID (``AKIA...``, ``AROA...``) for the parts."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest().upper()
    return prefix + digest[:16]


class IdentityCache:
    """userIdentity blocks per principal and day (one session a day), built once."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self._cache: dict[tuple[str, dt.date], dict[str, Any]] = {}

    def get(self, principal: Principal, moment: dt.datetime) -> dict[str, Any]:
        """Return the userIdentity of ``principal`` for its session of that day."""
        day = moment.date()
        cached = self._cache.get((principal.key, day))
        if cached is None:
            cached = self._build(principal, f"{day.isoformat()}T07:00:00Z")
            self._cache[(principal.key, day)] = cached
        return cached

    def _build(self, p: Principal, hour: str) -> dict[str, Any]:
        acct = self.account_id
        if p.identity_type == "AWSService":
            return {"type": "AWSService", "invokedBy": p.name}
        if p.identity_type == "IAMUser":
            return {
                "type": "IAMUser",
                "principalId": key_id("AIDA", acct, p.name),
                "arn": f"arn:aws:iam::{acct}:user/{p.name}",
                "accountId": acct,
                "accessKeyId": key_id("AKIA", acct, p.name),
                "userName": p.name,
            }
        session_key = key_id("ASIA", acct, p.name, hour)
        attributes = {"creationDate": hour, "mfaAuthenticated": "true"}
        if p.identity_type == "Root":
            return {
                "type": "Root",
                "principalId": acct,
                "arn": f"arn:aws:iam::{acct}:root",
                "accountId": acct,
                "accessKeyId": session_key,
                "sessionContext": {"attributes": {**attributes, "mfaAuthenticated": "false"}},
            }
        role_id = key_id("AROA", acct, str(p.role))
        return {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{p.name}",
            "arn": f"arn:aws:sts::{acct}:assumed-role/{p.role}/{p.name}",
            "accountId": acct,
            "accessKeyId": session_key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": f"arn:aws:iam::{acct}:role/{p.role}",
                    "accountId": acct,
                    "userName": p.role,
                },
                "webIdFederationData": {},
                "attributes": attributes,
            },
        }


def lookup_username(identity: dict[str, Any]) -> str | None:
    """Return what LookupEvents reports as ``Username`` for a userIdentity."""
    kind = identity.get("type")
    if kind == "IAMUser":
        return str(identity["userName"])
    if kind == "Root":
        return "root"
    if kind == "AssumedRole":
        return str(identity["arn"]).rsplit("/", 1)[-1]
    return None


def _arn(kind: str, region: str, account_id: str, name: str) -> str:
    return f"arn:aws:elasticache:{region}:{account_id}:{RESOURCE_TYPES[kind][1]}:{name}"


_REQUESTS: dict[str, Any] = {
    "DescribeReplicationGroups": lambda v, c: {"replicationGroupId": v},
    "DescribeCacheClusters": lambda v, c: {"cacheClusterId": v, "showCacheNodeInfo": True},
    "DescribeSnapshots": lambda v, c: {"replicationGroupId": v},
    "DescribeCacheParameterGroups": lambda v, c: {"cacheParameterGroupName": v},
    "DescribeCacheParameters": lambda v, c: {"cacheParameterGroupName": v, "source": "user"},
    "DescribeUsers": lambda v, c: {"engine": "redis"},
    "DescribeEvents": lambda v, c: {"duration": 1440},
    "DescribeUpdateActions": lambda v, c: {"serviceUpdateStatus": ["available"]},
    "DescribeCacheEngineVersions": lambda v, c: {"engine": "redis", "defaultOnly": False},
    "ListAllowedNodeTypeModifications": lambda v, c: {"replicationGroupId": v},
    "ListTagsForResource": lambda v, c: {"resourceName": _arn("rg", c.region, c.account_id, v)},
    "GetTrailStatus": lambda v, c: {"name": v},
    "GetEventSelectors": lambda v, c: {"trailName": v},
    "DescribeTrails": lambda v, c: {"includeShadowTrails": True},
    "GetBucketAcl": lambda v, c: {"bucketName": v, "Host": f"{v}.s3.amazonaws.com", "acl": ""},
    "CreateSnapshot": lambda v, c: {"replicationGroupId": v, "snapshotName": f"{v}-manual"},
    "ModifyReplicationGroup": lambda v, c: {
        "replicationGroupId": v,
        "snapshotRetentionLimit": 35,
        "applyImmediately": False,
    },
    "ModifyCacheCluster": lambda v, c: {"cacheClusterId": v, "snapshotWindow": "03:00-04:00"},
    "ModifyCacheParameterGroup": lambda v, c: {
        "cacheParameterGroupName": v,
        "parameterNameValues": [
            {"parameterName": "maxmemory-policy", "parameterValue": "volatile-lru"}
        ],
    },
    "CreateUser": lambda v, c: {
        "userId": v,
        "userName": v,
        "engine": "redis",
        "accessString": "on ~app:* +@read +@write -@dangerous",
        "noPasswordRequired": False,
    },
    "ModifyUser": lambda v, c: {"userId": v, "accessString": "on ~app:* +@read -@dangerous"},
    "ModifyUserGroup": lambda v, c: {"userGroupId": v, "userIdsToAdd": [c.user[0]]},
    "CreateUserGroup": lambda v, c: {"userGroupId": v, "engine": "redis", "userIds": ["default"]},
    "CreateCacheParameterGroup": lambda v, c: {
        "cacheParameterGroupName": v,
        "cacheParameterGroupFamily": "redis7",
        "description": "tuned for session caches",
    },
    "TestFailover": lambda v, c: {"replicationGroupId": v, "nodeGroupId": "0001"},
    "CreateReplicationGroup": lambda v, c: {
        "replicationGroupId": v,
        "atRestEncryptionEnabled": True,
        "transitEncryptionEnabled": True,
        "multiAZEnabled": True,
    },
    "CreateCacheCluster": lambda v, c: {"cacheClusterId": v, "replicationGroupId": c.rg[0]},
    "AddTagsToResource": lambda v, c: {
        "resourceName": _arn("rg", c.region, c.account_id, v),
        "tags": [{"key": "cost-center", "value": "platform"}],
    },
}


def request_parameters(name: str, value: str, ctx: Names) -> Any:
    """Return the requestParameters CloudTrail records for a routine call on ``value``."""
    builder = _REQUESTS.get(name)
    return builder(value, ctx) if builder else None


def response_elements(name: str, value: str, read_only: bool) -> Any:
    """Return the responseElements of a successful call (CloudTrail omits reads' bodies)."""
    if read_only:
        return None
    if name == "CreateSnapshot":
        return {"snapshotName": f"{value}-manual", "snapshotStatus": "creating"}
    if name in ("ModifyReplicationGroup", "TestFailover", "CreateReplicationGroup"):
        return {"replicationGroupId": value, "status": "modifying"}
    return {"requestId": "accepted"} if name == "AddTagsToResource" else {"id": value}


def build_record(
    *,
    rng: random.Random,
    identity: dict[str, Any],
    principal: Principal,
    moment: dt.datetime,
    source: str,
    name: str,
    region: str,
    account_id: str,
    read_only: bool,
    request: Any,
    response: Any,
    resources: list[dict[str, str]] | None,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Return one CloudTrail record with the fields real records carry."""
    record: dict[str, Any] = {
        "eventVersion": "1.10",
        "userIdentity": identity,
        "eventTime": iso(moment),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": principal.source_ip,
        "userAgent": principal.user_agent,
    }
    if error is not None:
        record["errorCode"], record["errorMessage"] = error
    record["requestParameters"] = request
    record["responseElements"] = None if error is not None else response
    record["requestID"] = new_id(rng)
    record["eventID"] = new_id(rng)
    record["readOnly"] = read_only
    if resources:
        record["resources"] = resources
    record["eventType"] = "AwsApiCall"
    if source == ELASTICACHE:
        record["apiVersion"] = "2015-02-02"
    record["managementEvent"] = True
    record["recipientAccountId"] = account_id
    record["eventCategory"] = "Management"
    if principal.identity_type != "AWSService":
        service = source.split(".", 1)[0]
        record["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{service}.{region}.amazonaws.com",
        }
    if principal.user_agent == CONSOLE_UA:
        record["sessionCredentialFromConsole"] = "true"
    return record


def resources_for(
    kind: str | None, value: str, region: str, account_id: str
) -> list[dict[str, str]] | None:
    """Return the ``resources`` block of an ElastiCache record that targets ``value``."""
    if kind not in RESOURCE_TYPES:
        return None
    return [
        {
            "accountId": account_id,
            "type": RESOURCE_TYPES[kind][0],
            "ARN": _arn(kind, region, account_id, value),
        }
    ]


def kms_record_parts(key_arn: str, account_id: str) -> tuple[Any, list[dict[str, str]]]:
    """Return requestParameters and resources of a KMS Decrypt that ElastiCache makes."""
    request = {
        "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "encryptionContext": {"aws:elasticache:cluster": "at-rest"},
    }
    return request, [{"accountId": account_id, "type": "AWS::KMS::Key", "ARN": key_arn}]
