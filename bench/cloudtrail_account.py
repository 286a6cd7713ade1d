"""The ``account`` record shape of ``cloudtrail_records.py`` (fictional values throughout).

What an account-wide trail delivers to its bucket: the management events of every service an
account running a health-care workload calls, of which ElastiCache (records made by
``real_record``, so exactly the ``real`` shape) is about one in seven. The rest, weighted roughly
as such an account produces them: STS and KMS calls made for applications and by services
(with ``resources`` and encryption contexts), EC2 Describe calls with the odd network interface,
security group rule or instance launched (its whole reservation in responseElements), S3 bucket
configuration calls (``bucketName``/``Host`` parameters, ``additionalEventData``), IAM, CloudWatch,
Logs, Config, Systems Manager agents, Lambda, CloudTrail, Secrets Manager, RDS, console
sign-ins and a few service events (``serviceEventDetails``). Identities are roles assumed by
applications, people (through IAM Identity Center roles), instances and web identities, IAM and
federated users, services, other accounts and, rarely, root. About 2% of calls fail.

The operation table and each operation's parameters follow what the APIs write into CloudTrail
as far as known; they are a plausible mix, not a measured one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from typing import Any, NamedTuple

from cloudtrail_records import (
    ACCOUNT,
    BOTO_UA,
    CLI_UA,
    CONSOLE_UA,
    REGIONS,
    _aws_date,
    _iso,
    _uuid,
    real_record,
)

PARTNER = "210987654321"
VPC = "vpc-0f1e2d3c4b5a69788"
SUBNETS = ("subnet-0a11b22c33d44e551", "subnet-0a11b22c33d44e552", "subnet-0a11b22c33d44e553")
GROUPS = (("sg-0a1b2c3d4e5f60718", "patients-cache"), ("sg-0b2c3d4e5f6071829", "patients-api"))
KEYS = (
    "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
    "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
)
BUCKETS = (
    f"patients-records-{ACCOUNT}",
    f"org-cloudtrail-logs-{ACCOUNT}",
    "claims-exports-prod",
    f"config-history-{ACCOUNT}",
)
FUNCTIONS = ("claims-etl", "intake-normalizer", "phi-redactor", "audit-exporter")
PARAMETERS = ("/patients/api/db-host", "/patients/api/cache-endpoint", "/claims/etl/batch-size")
SECRETS = ("prod/patients/db", "prod/patients/cache-auth", "prod/claims/api-key")
IDENTITY_STORE = f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-9067a1b2c3"
OIDC = "oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"
JAVA_UA = "aws-sdk-java/2.25.60 Linux/6.1 OpenJDK_64-Bit_Server_VM/21.0.3+9-LTS Java/21.0.3"
GO_UA = "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.30.3"
SSM_UA = "aws-sdk-go/1.54.20 (go1.22.5; linux; amd64) amazon-ssm-agent/3.3.1142.0"
TF_UA = "APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws"
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
)
# Roles applications run as, with the agent they call from.
APP_ROLES = (
    ("patients-api-task", JAVA_UA),
    ("claims-etl-lambda", BOTO_UA),
    ("intake-worker", GO_UA),
    ("monitoring", BOTO_UA),
    ("config-rules-lambda", BOTO_UA),
)
PEOPLE = ("jane.doe", "raj.patel", "li.wei", "maria.garcia", "sam.okafor")
SSO_ROLES = (
    "AWSReservedSSO_PlatformAdmin_0a1b2c3d4e5f6789",
    "AWSReservedSSO_SecurityAudit_9f8e7d6c",
)
GLOBAL = {"iam.amazonaws.com", "signin.amazonaws.com"}
# Who calls an operation: identity kinds with weights.
CALLERS = {
    "app": (("app", 80), ("user", 8), ("federated", 4), ("center", 4), ("human", 4)),
    "service": (("service", 65), ("app", 28), ("account", 7)),
    "human": (("human", 62), ("user", 18), ("center", 10), ("federated", 8), ("root", 2)),
    "instance": (("instance", 1),),
    "web": (("web", 1),),
    "login": (("user", 55), ("human", 40), ("root", 5)),
    "event": (("event", 1),),
}
TLS = ("TLSv1.3", "TLS_AES_128_GCM_SHA256")
ERRORS = {
    "ec2.amazonaws.com": (
        ("Client.UnauthorizedOperation", "You are not authorized to perform this operation."),
        ("Client.RequestLimitExceeded", "Request limit exceeded."),
    ),
    "s3.amazonaws.com": (
        ("NoSuchBucketPolicy", "The bucket policy does not exist"),
        ("AccessDenied", "Access Denied"),
    ),
    "iam.amazonaws.com": (("NoSuchEntityException", "The role with name {x} cannot be found."),),
    "secretsmanager.amazonaws.com": (
        ("ResourceNotFoundException", "Secrets Manager can't find the specified secret."),
    ),
    "signin.amazonaws.com": (("", "Failed authentication"),),
}
GENERIC_ERRORS = (
    ("AccessDenied", "User: {x} is not authorized to perform this operation"),
    ("ThrottlingException", "Rate exceeded"),
    ("ResourceNotFoundException", "The specified resource does not exist."),
)


@dataclass
class Call:
    """One API call being made up: the generator's state and what is known about the call."""

    rng: random.Random
    index: int
    region: str
    when: dt.datetime
    invoker: str = ""
    arn: str = ""


@cache
def _pid(prefix: str, name: str) -> str:
    """Return a stable unique id (``AROA...``, ``AIDA...``) for a named principal."""
    return prefix + hashlib.sha256(name.encode()).hexdigest()[:17].upper()


def _key_arn(c: Call, n: int | None = None) -> str:
    key = KEYS[c.index % len(KEYS) if n is None else n]
    return f"arn:aws:kms:{c.region}:{ACCOUNT}:key/{key}"


def _role_arn(role: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{role}"


def _resource(kind: str, arn: str, account: str = ACCOUNT) -> dict[str, str]:
    return {"accountId": account, "type": kind, "ARN": arn}


def _hex(c: Call, bits: int = 64) -> str:
    return f"{c.rng.getrandbits(bits):0{bits // 4}x}"


def _ip(c: Call, public: bool = False) -> str:
    if public:
        return f"203.0.113.{c.index % 200 + 10}"
    return f"10.{20 + c.index % 4}.{c.index % 199}.{c.index % 251}"


# --- identities ---------------------------------------------------------------------------


def _assumed(c: Call, role: str, session: str, mfa: bool = False) -> dict[str, Any]:
    created = c.when - dt.timedelta(minutes=c.index % 55)
    return {
        "type": "AssumedRole",
        "principalId": f"{_pid('AROA', role)}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": f"ASIA{c.rng.getrandbits(64):016X}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": _pid("AROA", role),
                "arn": _role_arn(role),
                "accountId": ACCOUNT,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": _iso(created), "mfaAuthenticated": str(mfa).lower()},
        },
    }


def _app(c: Call) -> tuple[dict[str, Any], str, str]:
    role, agent = APP_ROLES[c.index % len(APP_ROLES)]
    session = f"{role}-{c.index % 9}" if agent != BOTO_UA else f"botocore-session-{c.index % 97}"
    return _assumed(c, role, session), agent, _ip(c)


def _human(c: Call) -> tuple[dict[str, Any], str, str]:
    person = PEOPLE[c.index % len(PEOPLE)]
    identity = _assumed(c, SSO_ROLES[c.index % 2], f"{person}@example.org", mfa=False)
    agent = (CONSOLE_UA, CLI_UA, TF_UA)[c.index % 3]
    return identity, agent, CONSOLE_UA if agent == CONSOLE_UA else _ip(c, public=True)


def _instance(c: Call) -> tuple[dict[str, Any], str, str]:
    session = f"i-0{c.index % 23:02d}a1b2c3d4e5f6a7"
    identity = _assumed(c, "patients-ec2-ssm", session)
    identity["sessionContext"]["ec2RoleDelivery"] = "2.0"
    return identity, SSM_UA, _ip(c)


def _user(c: Call) -> tuple[dict[str, Any], str, str]:
    name = ("svc-backup-audit", "ci-deployer", "break-glass")[c.index % 3]
    identity = {
        "type": "IAMUser",
        "principalId": _pid("AIDA", name),
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": _pid("AKIA", name)[:20],
        "userName": name,
    }
    return identity, (BOTO_UA, CLI_UA, TF_UA)[c.index % 3], _ip(c, public=True)


def _federated(c: Call) -> tuple[dict[str, Any], str, str]:
    name = PEOPLE[c.index % len(PEOPLE)]
    issuer = "federation-broker"
    identity = {
        "type": "FederatedUser",
        "principalId": f"{ACCOUNT}:{name}",
        "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": f"ASIA{c.rng.getrandbits(64):016X}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "IAMUser",
                "principalId": _pid("AIDA", issuer),
                "arn": f"arn:aws:iam::{ACCOUNT}:user/{issuer}",
                "accountId": ACCOUNT,
                "userName": issuer,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": _iso(c.when), "mfaAuthenticated": "false"},
        },
    }
    return identity, CONSOLE_UA, CONSOLE_UA


def _center(c: Call) -> tuple[dict[str, Any], str, str]:
    person = PEOPLE[c.index % len(PEOPLE)]
    identity = {
        "type": "IdentityCenterUser",
        "accountId": ACCOUNT,
        "onBehalfOf": {
            "userId": f"9067a1b2c3-{hashlib.sha256(person.encode()).hexdigest()[:8]}",
            "identityStoreArn": IDENTITY_STORE,
        },
        "credentialId": _hex(c, 128),
    }
    return identity, CONSOLE_UA, _ip(c, public=True)


def _service(c: Call, invokers: tuple[str, ...]) -> tuple[dict[str, Any], str, str]:
    c.invoker = invokers[c.index % len(invokers)]
    return {"type": "AWSService", "invokedBy": c.invoker}, c.invoker, c.invoker


def _account(c: Call) -> tuple[dict[str, Any], str, str]:
    identity = {
        "type": "AWSAccount",
        "principalId": f"{_pid('AROA', 'partner-analytics')}:export-{c.index % 5}",
        "accountId": PARTNER,
    }
    return identity, BOTO_UA, _ip(c, public=True)


def _web(c: Call) -> tuple[dict[str, Any], str, str]:
    subject = f"system:serviceaccount:patients:intake-{c.index % 3}"
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC}"
    identity = {
        "type": "WebIdentityUser",
        "principalId": f"{provider}:sts.amazonaws.com:{subject}",
        "userName": subject,
        "identityProvider": provider,
    }
    return identity, GO_UA, _ip(c)


def _root(c: Call) -> tuple[dict[str, Any], str, str]:
    identity = {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
        "accessKeyId": "",
    }
    return identity, CONSOLE_UA, _ip(c, public=True)


_IDENTITIES = {
    "app": _app,
    "human": _human,
    "instance": _instance,
    "user": _user,
    "federated": _federated,
    "center": _center,
    "account": _account,
    "web": _web,
    "root": _root,
}


def identity(c: Call, callers: str, invokers: tuple[str, ...]) -> tuple[dict, str, str]:
    """Return a userIdentity, user agent and source address for a caller of ``callers`` kind."""
    kinds = CALLERS[callers]
    kind = c.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
    if kind == "service":
        return _service(c, invokers)
    if kind == "event":
        c.invoker = invokers[0]
        return {"accountId": ACCOUNT, "invokedBy": c.invoker}, c.invoker, c.invoker
    made, agent, ip = _IDENTITIES[kind](c)
    if callers == "login":
        made.pop("accessKeyId", None)
        return made, BROWSER_UA, _ip(c, public=True)
    return made, agent, ip


# --- STS and KMS ---------------------------------------------------------------------------


def _credentials(c: Call, role: str, session: str) -> dict[str, Any]:
    expires = c.when + dt.timedelta(hours=1)
    return {
        "credentials": {
            "accessKeyId": f"ASIA{_hex(c)[:16].upper()}",
            "sessionToken": _b64(c, 12, "IQoJb3JpZ2luX2Vj") + _b64(c, 540),
            "expiration": _aws_date(expires),
        },
        "assumedRoleUser": {
            "assumedRoleId": f"{_pid('AROA', role)}:{session}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        },
    }


def _b64(c: Call, size: int, prefix: str = "") -> str:
    return prefix + base64.b64encode(c.rng.randbytes(size)).decode()


def _sts_data(c: Call) -> dict[str, Any]:
    """Return the additionalEventData STS writes: which endpoint served the call."""
    return {
        "ExtendedRequestId": _b64(c, 42),
        "RequestDetails": {"awsServingRegion": c.region, "endpointType": "regional"},
    }


def sts_caller(c: Call) -> dict[str, Any]:
    return {
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": _sts_data(c),
    }


def sts_assume_role(c: Call) -> dict[str, Any]:
    role = APP_ROLES[c.index % len(APP_ROLES)][0]
    session = (
        f"{c.invoker.split('.')[0]}-{_hex(c)[:12]}" if c.invoker else f"session-{c.index % 41}"
    )
    return {
        "requestParameters": {
            "roleArn": _role_arn(role),
            "roleSessionName": session,
            "durationSeconds": 3600,
        },
        "responseElements": _credentials(c, role, session),
        "additionalEventData": _sts_data(c),
        "resources": [_resource("AWS::IAM::Role", _role_arn(role))],
    }


def sts_web_identity(c: Call) -> dict[str, Any]:
    role, session = "patients-intake-irsa", f"botocore-session-{c.rng.randrange(10**10)}"
    response = _credentials(c, role, session)
    response |= {
        "subjectFromWebIdentityToken": f"system:serviceaccount:patients:intake-{c.index % 3}",
        "provider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC}",
        "audience": "sts.amazonaws.com",
    }
    return {
        "requestParameters": {"roleArn": _role_arn(role), "roleSessionName": session},
        "responseElements": response,
        "additionalEventData": _sts_data(c)
        | {"identityProviderConnectionVerificationMethod": "IAMTrustStore"},
        "resources": [
            _resource("AWS::IAM::Role", _role_arn(role)),
            _resource("AWS::IAM::OidcProvider", f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC}"),
        ],
    }


def _context(c: Call) -> dict[str, str]:
    """Return the encryption context a caller (or the service invoking KMS) passes."""
    if c.invoker == "secretsmanager.amazonaws.com":
        name = SECRETS[c.index % len(SECRETS)]
        return {"SecretARN": f"arn:aws:secretsmanager:{c.region}:{ACCOUNT}:secret:{name}-AbC123"}
    if c.invoker == "s3.amazonaws.com":
        return {"aws:s3:arn": f"arn:aws:s3:::{BUCKETS[0]}/intake/{c.when:%Y/%m/%d}/{_hex(c)}.json"}
    if c.invoker == "rds.amazonaws.com":
        return {"aws:rds:db-id": "db-ABCDEFGHIJKLMNOPQRSTUVWXY0"}
    if c.invoker == "logs.amazonaws.com":
        return {
            "aws:logs:arn": f"arn:aws:logs:{c.region}:{ACCOUNT}:log-group:/aws/lambda/claims-etl"
        }
    return {"tenant": "patients", "purpose": ("record-field", "export")[c.index % 2]}


def _kms(c: Call, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestParameters": request,
        "responseElements": None,
        "resources": [_resource("AWS::KMS::Key", _key_arn(c))],
    }


def kms_decrypt(c: Call) -> dict[str, Any]:
    request = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": _context(c)}
    if not c.invoker:
        request["keyId"] = _key_arn(c)
    return _kms(c, request)


def kms_data_key(c: Call) -> dict[str, Any]:
    return _kms(c, {"keyId": _key_arn(c), "encryptionContext": _context(c), "keySpec": "AES_256"})


def kms_encrypt(c: Call) -> dict[str, Any]:
    request = {"keyId": "alias/patients-data", "encryptionContext": _context(c)}
    return _kms(c, request | {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"})


def kms_describe(c: Call) -> dict[str, Any]:
    return _kms(c, {"keyId": ("alias/patients-data", "alias/aws/ssm", _key_arn(c))[c.index % 3]})


def kms_rotate(c: Call) -> dict[str, Any]:
    key = _key_arn(c)
    return _kms(c, None) | {"serviceEventDetails": {"keyId": key.rsplit("/", 1)[1]}}


# --- EC2 -------------------------------------------------------------------------------------


def _items(*values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {"items": list(values)}


def _filter(name: str, value: str) -> dict[str, Any]:
    return _items({"name": name, "valueSet": _items({"value": value})})


def _groups(named: bool = True) -> dict[str, Any]:
    return _items(*({"groupId": g, "groupName": n} if named else {"groupId": g} for g, n in GROUPS))


def ec2_describe(c: Call, name: str) -> dict[str, Any]:
    requests = {
        "DescribeInstances": {"instancesSet": {}, "filterSet": _filter("tag:app", "patients")},
        "DescribeSecurityGroups": {"securityGroupSet": {}, "securityGroupIdSet": _groups(False)},
        "DescribeNetworkInterfaces": {
            "networkInterfaceIdSet": {},
            "filterSet": _filter("vpc-id", VPC),
        },
        "DescribeSubnets": {
            "subnetSet": _items(*({"subnetId": s} for s in SUBNETS)),
            "filterSet": {},
        },
    }
    return {"requestParameters": requests[name], "responseElements": None}


def _eni(c: Call, subnet: str, ip: str, kind: str) -> dict[str, Any]:
    return {
        "networkInterfaceId": f"eni-0{_hex(c)[:16]}",
        "subnetId": subnet,
        "vpcId": VPC,
        "ownerId": ACCOUNT,
        "status": "in-use" if kind == "interface" else "pending",
        "macAddress": "0e:" + ":".join(_hex(c, 40)[i : i + 2] for i in range(0, 10, 2)),
        "privateIpAddress": ip,
        "privateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal",
        "sourceDestCheck": True,
        "interfaceType": kind,
        "groupSet": _groups(),
        "privateIpAddressesSet": {
            "item": [
                {
                    "privateIpAddress": ip,
                    "privateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal",
                    "primary": True,
                }
            ]
        },
        "ipv6AddressesSet": {},
        "tagSet": {},
    }


def ec2_create_eni(c: Call) -> dict[str, Any]:
    subnet = SUBNETS[c.index % 3]
    function = FUNCTIONS[c.index % len(FUNCTIONS)]
    eni = _eni(c, subnet, _ip(c), "lambda") | {
        "availabilityZone": f"{c.region}{'abc'[c.index % 3]}",
        "description": f"AWS Lambda VPC ENI-{function}-{_uuid(c.rng)}",
        "requesterId": f"{_pid('AROA', 'lambda')}:{function}",
        "requesterManaged": True,
    }
    request = {
        "subnetId": subnet,
        "description": eni["description"],
        "groupSet": _groups(False),
        "privateIpAddressesSet": {},
    }
    return {
        "requestParameters": request,
        "responseElements": {"requestId": _uuid(c.rng), "networkInterface": eni},
    }


def ec2_authorize(c: Call) -> dict[str, Any]:
    group, port = GROUPS[0][0], 6379
    cidr = f"10.{20 + c.index % 4}.0.0/16"
    rule = {"ipProtocol": "tcp", "fromPort": port, "toPort": port, "groups": {}}
    rule |= {"ipRanges": _items({"cidrIp": cidr, "description": "app subnets"})}
    result = {
        "groupOwnerId": ACCOUNT,
        "groupId": group,
        "securityGroupRuleId": f"sgr-0{_hex(c)[:16]}",
        "isEgress": False,
        "ipProtocol": "tcp",
        "fromPort": port,
        "toPort": port,
        "cidrIpv4": cidr,
        "description": "app subnets",
    }
    return {
        "requestParameters": {
            "groupId": group,
            "ipPermissions": _items(rule | {"ipv6Ranges": {}, "prefixListIds": {}}),
        },
        "responseElements": {
            "requestId": _uuid(c.rng),
            "_return": True,
            "securityGroupRuleSet": _items(result),
        },
    }


def _tags(c: Call) -> list[dict[str, str]]:
    return [
        {"key": "Name", "value": f"patients-api-{c.index % 7}"},
        {"key": "app", "value": "patients"},
        {"key": "phi", "value": "yes"},
        {"key": "aws:autoscaling:groupName", "value": "patients-api-asg"},
    ]


def _instance_item(c: Call, launched: int, token: str) -> dict[str, Any]:
    subnet, ip = SUBNETS[c.index % 3], _ip(c)
    eni = _eni(c, subnet, ip, "interface")
    eni["attachment"] = {
        "attachmentId": f"eni-attach-0{_hex(c)[:16]}",
        "deviceIndex": 0,
        "networkCardIndex": 0,
        "status": "attaching",
        "attachTime": launched,
        "deleteOnTermination": True,
    }
    return {
        "instanceId": f"i-0{_hex(c)[:16]}",
        "imageId": "ami-0a1b2c3d4e5f60718",
        "currentInstanceBootMode": "uefi",
        "instanceState": {"code": 0, "name": "pending"},
        "privateDnsName": eni["privateDnsName"],
        "amiLaunchIndex": 0,
        "productCodes": {},
        "instanceType": "m7g.large",
        "launchTime": launched,
        "placement": {"availabilityZone": f"{c.region}{'abc'[c.index % 3]}", "tenancy": "default"},
        "monitoring": {"state": "disabled"},
        "subnetId": subnet,
        "vpcId": VPC,
        "privateIpAddress": ip,
        "stateReason": {"code": "pending", "message": "pending"},
        "architecture": "arm64",
        "rootDeviceType": "ebs",
        "rootDeviceName": "/dev/xvda",
        "blockDeviceMapping": {},
        "virtualizationType": "hvm",
        "clientToken": token,
        "tagSet": _items(*_tags(c)),
        "groupSet": _groups(),
        "sourceDestCheck": True,
        "hypervisor": "xen",
        "networkInterfaceSet": _items(eni),
        "iamInstanceProfile": {
            "arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/patients-ec2-ssm",
            "id": _pid("AIPA", "patients-ec2-ssm"),
        },
        "ebsOptimized": True,
        "enaSupport": True,
        "cpuOptions": {"coreCount": 2, "threadsPerCore": 1},
        "capacityReservationSpecification": {"capacityReservationPreference": "open"},
        "enclaveOptions": {"enabled": False},
        "metadataOptions": {
            "state": "pending",
            "httpTokens": "required",
            "httpPutResponseHopLimit": 2,
            "httpEndpoint": "enabled",
            "httpProtocolIpv4": "enabled",
            "httpProtocolIpv6": "disabled",
            "instanceMetadataTags": "disabled",
        },
        "maintenanceOptions": {"autoRecovery": "default"},
        "privateDnsNameOptions": {
            "hostnameType": "ip-name",
            "enableResourceNameDnsARecord": False,
            "enableResourceNameDnsAAAARecord": False,
        },
    }


def ec2_run_instances(c: Call) -> dict[str, Any]:
    token = _uuid(c.rng)
    volume = {"volumeSize": 50, "deleteOnTermination": True, "volumeType": "gp3", "encrypted": True}
    request = {
        "instancesSet": _items({"imageId": "ami-0a1b2c3d4e5f60718", "minCount": 1, "maxCount": 1}),
        "instanceType": "m7g.large",
        "blockDeviceMapping": _items(
            {"deviceName": "/dev/xvda", "ebs": volume | {"kmsKeyId": _key_arn(c, 2)}}
        ),
        "monitoring": {"enabled": False},
        "disableApiTermination": False,
        "disableApiStop": False,
        "clientToken": token,
        "launchTemplate": {"launchTemplateId": "lt-0a1b2c3d4e5f60718", "version": "12"},
        "tagSpecificationSet": _items({"resourceType": "instance", "tags": _items(*_tags(c))}),
        "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2},
    }
    launched = int(c.when.timestamp() * 1000)
    response = {
        "requestId": _uuid(c.rng),
        "reservationId": f"r-0{_hex(c)[:16]}",
        "ownerId": ACCOUNT,
        "requesterId": "940372691376",
        "groupSet": {},
        "instancesSet": _items(_instance_item(c, launched, token)),
    }
    return {"requestParameters": request, "responseElements": response}


# --- S3 --------------------------------------------------------------------------------------


def _s3(c: Call, subresource: str, **extra: Any) -> dict[str, Any]:
    bucket = (
        BUCKETS[1] if c.invoker == "cloudtrail.amazonaws.com" else BUCKETS[c.index % len(BUCKETS)]
    )
    host = f"{bucket}.s3.{c.region}.amazonaws.com"
    return {
        "requestParameters": {"bucketName": bucket, "Host": host, subresource: "", **extra},
        "responseElements": None,
        "additionalEventData": _s3_data(c, 540 + c.index % 700),
        "resources": [_resource("AWS::S3::Bucket", f"arn:aws:s3:::{bucket}")],
        "requestID": _hex(c)[:16].upper(),
    }


def _s3_data(c: Call, out: int) -> dict[str, Any]:
    return {
        "SignatureVersion": "SigV4",
        "CipherSuite": TLS[1],
        "bytesTransferredIn": 0,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": f"{_hex(c, 256)}=",
        "bytesTransferredOut": out,
    }


def s3_acl(c: Call) -> dict[str, Any]:
    return _s3(c, "acl")


def s3_policy(c: Call) -> dict[str, Any]:
    return _s3(c, "policy")


def s3_encryption(c: Call) -> dict[str, Any]:
    return _s3(c, "encryption")


def s3_put_policy(c: Call) -> dict[str, Any]:
    made = _s3(c, "policy")
    bucket = made["requestParameters"]["bucketName"]
    deny = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    made["requestParameters"]["bucketPolicy"] = {"Version": "2012-10-17", "Statement": [deny]}
    made["additionalEventData"]["bytesTransferredIn"] = 312
    return made


def s3_list_buckets(c: Call) -> dict[str, Any]:
    return {
        "requestParameters": {"Host": f"s3.{c.region}.amazonaws.com"},
        "responseElements": None,
        "additionalEventData": _s3_data(c, 1402),
        "requestID": _hex(c)[:16].upper(),
    }


# --- IAM -------------------------------------------------------------------------------------


def _trust(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":"))


def iam_get_role(c: Call) -> dict[str, Any]:
    role = (*SSO_ROLES, *(r for r, _ in APP_ROLES))[c.index % 7]
    return {"requestParameters": {"roleName": role}, "responseElements": None}


def iam_list_roles(c: Call) -> dict[str, Any]:
    return {
        "requestParameters": {"maxItems": 100} if c.index % 2 else None,
        "responseElements": None,
    }


def iam_create_role(c: Call) -> dict[str, Any]:
    role = f"{FUNCTIONS[c.index % len(FUNCTIONS)]}-exec-{c.index % 100}"
    tags = [{"key": "app", "value": "patients"}, {"key": "owner", "value": "platform"}]
    request = {
        "roleName": role,
        "description": "Execution role for a patients workload function",
        "assumeRolePolicyDocument": _trust("lambda.amazonaws.com"),
        "maxSessionDuration": 3600,
        "tags": tags,
    }
    role_out = {
        "path": "/",
        "roleName": role,
        "roleId": _pid("AROA", role),
        "arn": _role_arn(role),
        "createDate": _aws_date(c.when),
        "assumeRolePolicyDocument": request["assumeRolePolicyDocument"].replace('"', "%22"),
        "tags": tags,
    }
    return {"requestParameters": request, "responseElements": {"role": role_out}}


def iam_attach(c: Call) -> dict[str, Any]:
    policy = ("AWSLambdaVPCAccessExecutionRole", "AWSXRayDaemonWriteAccess")[c.index % 2]
    request = {
        "roleName": APP_ROLES[c.index % len(APP_ROLES)][0],
        "policyArn": f"arn:aws:iam::aws:policy/service-role/{policy}",
    }
    return {"requestParameters": request, "responseElements": None}


def iam_put_policy(c: Call) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": _key_arn(c, 0),
    }
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=4)
    request = {
        "roleName": APP_ROLES[c.index % len(APP_ROLES)][0],
        "policyName": "patients-kms-access",
        "policyDocument": document,
    }
    return {"requestParameters": request, "responseElements": None}


# --- CloudWatch, Logs, Config -----------------------------------------------------------------


def cw_metric_data(c: Call) -> dict[str, Any]:
    queries = [
        {
            "id": f"m{n}",
            "metricStat": {
                "metric": {
                    "namespace": "AWS/ElastiCache",
                    "metricName": metric,
                    "dimensions": [
                        {"name": "CacheClusterId", "value": f"patients-cache-{c.index % 11}-001"}
                    ],
                },
                "period": 60,
                "stat": "Average",
            },
            "returnData": True,
        }
        for n, metric in enumerate(("CPUUtilization", "DatabaseMemoryUsagePercentage"))
    ]
    start = c.when - dt.timedelta(hours=3)
    request = {
        "metricDataQueries": queries,
        "startTime": _aws_date(start),
        "endTime": _aws_date(c.when),
    }
    return {"requestParameters": request, "responseElements": None}


def cw_describe_alarms(c: Call) -> dict[str, Any]:
    requests = ({"maxRecords": 100}, {"stateValue": "ALARM"}, {"alarmNamePrefix": "patients-"})
    return {"requestParameters": requests[c.index % 3], "responseElements": None}


def cw_put_alarm(c: Call) -> dict[str, Any]:
    group = f"patients-cache-{c.index % 11}"
    request = {
        "alarmName": f"{group}-cpu-high",
        "alarmActions": [f"arn:aws:sns:{c.region}:{ACCOUNT}:platform-alerts"],
        "metricName": "EngineCPUUtilization",
        "namespace": "AWS/ElastiCache",
        "statistic": "Average",
        "dimensions": [{"name": "ReplicationGroupId", "value": group}],
        "period": 300,
        "evaluationPeriods": 3,
        "threshold": 80.0,
        "comparisonOperator": "GreaterThanThreshold",
        "treatMissingData": "missing",
    }
    return {"requestParameters": request, "responseElements": None}


def logs_create_stream(c: Call) -> dict[str, Any]:
    function = FUNCTIONS[c.index % len(FUNCTIONS)]
    request = {
        "logGroupName": f"/aws/lambda/{function}",
        "logStreamName": f"{c.when:%Y/%m/%d}/[$LATEST]{_hex(c, 128)}",
    }
    return {"requestParameters": request, "responseElements": None}


def logs_describe(c: Call) -> dict[str, Any]:
    return {
        "requestParameters": {"logGroupNamePrefix": "/aws/", "limit": 50},
        "responseElements": None,
    }


def logs_retention(c: Call) -> dict[str, Any]:
    request = {"logGroupName": f"/cache/patients-cache-{c.index % 11}", "retentionInDays": 2192}
    return {"requestParameters": request, "responseElements": None}


def config_put_evaluations(c: Call) -> dict[str, Any]:
    evaluation = {
        "complianceResourceType": "AWS::ElastiCache::ReplicationGroup",
        "complianceResourceId": f"patients-cache-{c.index % 11}",
        "complianceType": ("COMPLIANT", "NON_COMPLIANT")[c.index % 9 == 0],
        "orderingTimestamp": _aws_date(c.when - dt.timedelta(minutes=2)),
    }
    request = {"evaluations": [evaluation], "resultToken": f"eyJ{_hex(c, 512)}", "testMode": False}
    return {"requestParameters": request, "responseElements": {"failedEvaluations": []}}


def config_describe_rules(c: Call) -> dict[str, Any]:
    rules = [
        "elasticache-repl-grp-encrypted-at-rest",
        "elasticache-auto-minor-version-upgrade-check",
    ]
    return {
        "requestParameters": {"configRuleNames": rules} if c.index % 2 else {},
        "responseElements": None,
    }


# --- SSM, Lambda, CloudTrail, Secrets Manager, RDS ---------------------------------------------


def _instance_id(c: Call) -> str:
    return f"i-0{c.index % 23:02d}a1b2c3d4e5f6a7"


def ssm_get_parameter(c: Call) -> dict[str, Any]:
    name = PARAMETERS[c.index % len(PARAMETERS)]
    return {"requestParameters": {"name": name, "withDecryption": True}, "responseElements": None}


def ssm_update_instance(c: Call) -> dict[str, Any]:
    ip = _ip(c)
    request = {
        "instanceId": _instance_id(c),
        "agentVersion": "3.3.1142.0",
        "agentStatus": "Active",
        "platformType": "Linux",
        "platformName": "Amazon Linux",
        "platformVersion": "2023",
        "iPAddress": ip,
        "computerName": f"ip-{ip.replace('.', '-')}.ec2.internal",
        "agentName": "amazon-ssm-agent",
        "availabilityZone": f"{c.region}{'abc'[c.index % 3]}",
        "availabilityZoneId": f"use1-az{c.index % 3 + 1}",
        "sSMConnectionChannel": "ssmmessages",
    }
    return {"requestParameters": request, "responseElements": None}


def ssm_associations(c: Call) -> dict[str, Any]:
    return {"requestParameters": {"instanceId": _instance_id(c)}, "responseElements": None}


def lambda_get(c: Call) -> dict[str, Any]:
    return {"requestParameters": {"functionName": FUNCTIONS[c.index % 4]}, "responseElements": None}


def lambda_update(c: Call) -> dict[str, Any]:
    function = FUNCTIONS[c.index % len(FUNCTIONS)]
    hidden = {"variables": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    request = {"functionName": function, "timeout": 120, "memorySize": 1024, "environment": hidden}
    arn = f"arn:aws:lambda:{c.region}:{ACCOUNT}:function:{function}"
    response = {
        "functionName": function,
        "functionArn": arn,
        "runtime": "python3.12",
        "role": _role_arn(f"{function}-exec"),
        "handler": "app.handler",
        "codeSize": 48213 + c.index % 9000,
        "description": "",
        "timeout": 120,
        "memorySize": 1024,
        "lastModified": c.when.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "codeSha256": f"{_hex(c, 256)[:43]}=",
        "version": "$LATEST",
        "vpcConfig": {
            "subnetIds": list(SUBNETS[:2]),
            "securityGroupIds": [GROUPS[1][0]],
            "vpcId": VPC,
        },
        "environment": hidden,
        "kMSKeyArn": _key_arn(c, 1),
        "tracingConfig": {"mode": "PassThrough"},
        "revisionId": _uuid(c.rng),
        "state": "Active",
        "lastUpdateStatus": "InProgress",
        "lastUpdateStatusReason": "The function is being created.",
        "lastUpdateStatusReasonCode": "Creating",
        "packageType": "Zip",
        "architectures": ["arm64"],
        "ephemeralStorage": {"size": 512},
        "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
        "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{function}"},
    }
    return {"requestParameters": request, "responseElements": response}


def trail_lookup(c: Call) -> dict[str, Any]:
    request = {
        "lookupAttributes": [
            {"attributeKey": "EventSource", "attributeValue": "elasticache.amazonaws.com"}
        ],
        "startTime": _aws_date(c.when - dt.timedelta(days=1)),
        "endTime": _aws_date(c.when),
        "maxResults": 50,
    }
    return {"requestParameters": request, "responseElements": None}


def trail_describe(c: Call) -> dict[str, Any]:
    return {
        "requestParameters": {"trailNameList": [], "includeShadowTrails": True},
        "responseElements": None,
    }


def trail_status(c: Call) -> dict[str, Any]:
    trail = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-management-events"
    return {"requestParameters": {"name": trail}, "responseElements": None}


def _secret(c: Call) -> str:
    name = SECRETS[c.index % len(SECRETS)]
    return f"arn:aws:secretsmanager:{c.region}:{ACCOUNT}:secret:{name}-AbC123"


def secret_value(c: Call) -> dict[str, Any]:
    request = {"secretId": _secret(c) if c.index % 2 else SECRETS[c.index % len(SECRETS)]}
    return {"requestParameters": request, "responseElements": None}


def secret_describe(c: Call) -> dict[str, Any]:
    return {"requestParameters": {"secretId": _secret(c)}, "responseElements": None}


def secret_rotated(c: Call) -> dict[str, Any]:
    return {
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": {"SecretId": _secret(c)},
    }


def rds_describe(c: Call) -> dict[str, Any]:
    request = {"dBInstanceIdentifier": "patients-db"} if c.index % 2 else None
    return {"requestParameters": request, "responseElements": None}


def console_login(c: Call) -> dict[str, Any]:
    data = {
        "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
        "MobileVersion": "No",
        "MFAUsed": "Yes" if c.index % 6 else "No",
    }
    if c.index % 6:
        data["MFAIdentifier"] = f"arn:aws:iam::{ACCOUNT}:u2f/user/{PEOPLE[c.index % 5]}/yubikey"
    return {
        "requestParameters": None,
        "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": data,
        "eventType": "AwsConsoleSignIn",
        "requestID": None,
    }


def credential_challenge(c: Call) -> dict[str, Any]:
    return {
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": {"AuthWorkflowID": _uuid(c.rng), "CredentialType": "PASSWORD"},
        "serviceEventDetails": {"CredentialChallenge": "Success"},
        "requestID": None,
    }


def backup_completed(c: Call) -> dict[str, Any]:
    job = _uuid(c.rng).upper()
    details = {
        "backupJobId": job,
        "backupVaultName": "patients-vault",
        "backupVaultArn": f"arn:aws:backup:{c.region}:{ACCOUNT}:backup-vault:patients-vault",
        "resourceArn": f"arn:aws:rds:{c.region}:{ACCOUNT}:db:patients-db",
        "resourceType": "RDS",
        "state": "COMPLETED",
        "creationDate": _aws_date(c.when - dt.timedelta(minutes=42)),
        "completionDate": _aws_date(c.when),
        "backupSizeInBytes": 21474836480 + c.index,
        "iamRoleArn": _role_arn("service-role/AWSBackupDefaultServiceRole"),
    }
    return {"requestParameters": None, "responseElements": None, "serviceEventDetails": details}


class Op(NamedTuple):
    """An operation of the account trail: who calls it, how often and what it writes."""

    source: str
    name: str
    read_only: bool
    weight: int
    build: Callable[[Call], dict[str, Any]] | None  # None: ElastiCache, by ``real_record``
    callers: str = "app"
    invokers: tuple[str, ...] = ()


def _nothing(c: Call) -> dict[str, Any]:
    return {"requestParameters": None, "responseElements": None}


def _ec2(name: str) -> Callable[[Call], dict[str, Any]]:
    return lambda c: ec2_describe(c, name)


_KMS_BY = (
    "secretsmanager.amazonaws.com",
    "s3.amazonaws.com",
    "rds.amazonaws.com",
    "logs.amazonaws.com",
)
_STS_BY = ("lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "config.amazonaws.com")
STS, KMS, EC2, S3, IAM = (f"{s}.amazonaws.com" for s in ("sts", "kms", "ec2", "s3", "iam"))
CW, LOGS, CONFIG, SSM = (f"{s}.amazonaws.com" for s in ("monitoring", "logs", "config", "ssm"))
LAMBDA, TRAIL, SM, RDS = (
    f"{s}.amazonaws.com" for s in ("lambda", "cloudtrail", "secretsmanager", "rds")
)
SIGNIN, BACKUP = "signin.amazonaws.com", "backup.amazonaws.com"
_BUCKET_BY = ("cloudtrail.amazonaws.com", "config.amazonaws.com")
# Weights in records per thousand: ElastiCache is 150 of them.
OPERATIONS = (
    Op("elasticache.amazonaws.com", "", False, 150, None),
    Op(STS, "AssumeRole", True, 130, sts_assume_role, "service", _STS_BY),
    Op(STS, "GetCallerIdentity", True, 40, sts_caller),
    Op(STS, "AssumeRoleWithWebIdentity", True, 20, sts_web_identity, "web"),
    Op(KMS, "Decrypt", True, 100, kms_decrypt, "service", _KMS_BY),
    Op(KMS, "GenerateDataKey", True, 50, kms_data_key, "service", _KMS_BY),
    Op(KMS, "Encrypt", True, 15, kms_encrypt),
    Op(KMS, "DescribeKey", True, 20, kms_describe, "service", (SSM,)),
    Op(KMS, "RotateKey", False, 2, kms_rotate, "event", (KMS,)),
    Op(EC2, "DescribeInstances", True, 36, _ec2("DescribeInstances")),
    Op(EC2, "DescribeSecurityGroups", True, 20, _ec2("DescribeSecurityGroups"), "human"),
    Op(EC2, "DescribeNetworkInterfaces", True, 25, _ec2("DescribeNetworkInterfaces")),
    Op(EC2, "DescribeSubnets", True, 20, _ec2("DescribeSubnets")),
    Op(EC2, "CreateNetworkInterface", False, 8, ec2_create_eni),
    Op(EC2, "AuthorizeSecurityGroupIngress", False, 3, ec2_authorize, "human"),
    Op(EC2, "RunInstances", False, 3, ec2_run_instances, "service", ("autoscaling.amazonaws.com",)),
    Op(S3, "GetBucketAcl", True, 20, s3_acl, "service", _BUCKET_BY),
    Op(S3, "GetBucketPolicy", True, 12, s3_policy, "human"),
    Op(S3, "GetBucketEncryption", True, 12, s3_encryption, "service", (_BUCKET_BY[1],)),
    Op(S3, "PutBucketPolicy", False, 1, s3_put_policy, "human"),
    Op(S3, "ListBuckets", True, 8, s3_list_buckets, "human"),
    Op(IAM, "GetRole", True, 15, iam_get_role),
    Op(IAM, "ListRoles", True, 8, iam_list_roles, "human"),
    Op(IAM, "CreateRole", False, 1, iam_create_role, "human"),
    Op(IAM, "AttachRolePolicy", False, 2, iam_attach, "human"),
    Op(IAM, "PutRolePolicy", False, 2, iam_put_policy, "human"),
    Op(CW, "GetMetricData", True, 30, cw_metric_data),
    Op(CW, "DescribeAlarms", True, 15, cw_describe_alarms, "human"),
    Op(CW, "PutMetricAlarm", False, 3, cw_put_alarm, "human"),
    Op(LOGS, "CreateLogStream", False, 25, logs_create_stream),
    Op(LOGS, "DescribeLogGroups", True, 12, logs_describe, "human"),
    Op(LOGS, "PutRetentionPolicy", False, 1, logs_retention, "human"),
    Op(CONFIG, "PutEvaluations", False, 25, config_put_evaluations),
    Op(CONFIG, "DescribeConfigRules", True, 8, config_describe_rules, "human"),
    Op(SSM, "GetParameter", True, 20, ssm_get_parameter),
    Op(SSM, "UpdateInstanceInformation", False, 30, ssm_update_instance, "instance"),
    Op(SSM, "ListInstanceAssociations", True, 20, ssm_associations, "instance"),
    Op(LAMBDA, "GetFunction20150331v2", True, 8, lambda_get, "human"),
    Op(LAMBDA, "UpdateFunctionConfiguration20150331v2", False, 1, lambda_update, "human"),
    Op(LAMBDA, "ListFunctions20150331", True, 4, _nothing, "human"),
    Op(TRAIL, "LookupEvents", True, 6, trail_lookup, "human"),
    Op(TRAIL, "DescribeTrails", True, 4, trail_describe, "human"),
    Op(TRAIL, "GetTrailStatus", True, 4, trail_status, "human"),
    Op(SM, "GetSecretValue", True, 25, secret_value),
    Op(SM, "DescribeSecret", True, 8, secret_describe, "human"),
    Op(SM, "RotationSucceeded", False, 2, secret_rotated, "event", (SM,)),
    Op(RDS, "DescribeDBInstances", True, 20, rds_describe),
    Op(SIGNIN, "ConsoleLogin", False, 3, console_login, "login"),
    Op(SIGNIN, "CredentialChallenge", False, 1, credential_challenge, "login"),
    Op(BACKUP, "BackupJobCompleted", False, 2, backup_completed, "event", (BACKUP,)),
)
VERSIONS = {STS: "1.11", S3: "1.10", KMS: "1.10", SIGNIN: "1.09"}
SERVICE_EVENTS = {"RotateKey", "RotationSucceeded", "BackupJobCompleted", "CredentialChallenge"}
_CUMULATIVE = list(accumulate(op.weight for op in OPERATIONS))


def _envelope(c: Call, op: Op, who: dict[str, Any], agent: str, ip: str) -> dict[str, Any]:
    """Return the fields every record of the account trail has, in CloudTrail's order."""
    return {
        "eventVersion": VERSIONS.get(op.source, ("1.08", "1.09")[c.index % 2]),
        "userIdentity": who,
        "eventTime": _iso(c.when),
        "eventSource": op.source,
        "eventName": op.name,
        "awsRegion": c.region,
        "sourceIPAddress": ip,
        "userAgent": agent,
        "requestParameters": None,
        "responseElements": None,
        "requestID": _uuid(c.rng),
        "eventID": _uuid(c.rng),
        "readOnly": op.read_only,
        "eventType": "AwsServiceEvent" if op.name in SERVICE_EVENTS else "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }


def _host(op: Op, c: Call, record: dict[str, Any]) -> str:
    if op.source == S3:
        return record["requestParameters"]["Host"]
    if op.source == "signin.amazonaws.com":
        return f"{c.region}.signin.aws.amazon.com"
    if op.source == IAM:
        return IAM
    return f"{op.source.split('.')[0]}.{c.region}.amazonaws.com"


def _extras(c: Call, op: Op, record: dict[str, Any], agent: str) -> None:
    """Add the fields only some records carry: TLS, shared event, VPC endpoint, console flag."""
    kind = record["userIdentity"].get("type")
    if kind in ("AWSService", "AWSAccount", None) and op.source in (STS, KMS):
        record["sharedEventID"] = _uuid(c.rng)
    if agent != c.invoker:
        record["tlsDetails"] = {
            "tlsVersion": TLS[0],
            "cipherSuite": TLS[1],
            "clientProvidedHostHeader": _host(op, c, record),
        }
    if kind == "AssumedRole" and record["sourceIPAddress"].startswith("10.") and c.index % 4 == 1:
        record["vpcEndpointId"] = f"vpce-0{c.index % 3}1b2c3d4e5f60718"
        record["vpcEndpointAccountId"] = ACCOUNT
    if agent == CONSOLE_UA and kind not in (None, "AWSService"):
        record["sessionCredentialFromConsole"] = "true"


def _fail(c: Call, op: Op, record: dict[str, Any]) -> None:
    code, message = c.rng.choice(ERRORS.get(op.source, GENERIC_ERRORS))
    caller = record["userIdentity"]
    who = caller.get("arn") or caller.get("invokedBy") or ACCOUNT
    if code:
        record["errorCode"] = code
    record["errorMessage"] = message.replace("{x}", who)
    response = record["responseElements"]
    record["responseElements"] = (
        {"ConsoleLogin": "Failure"} if response and "ConsoleLogin" in response else None
    )


def account_record(rng: random.Random, index: int, when: dt.datetime) -> dict[str, Any]:
    """Return one record of an account-wide trail (ElastiCache ones are ``real_record``'s)."""
    op = rng.choices(OPERATIONS, cum_weights=_CUMULATIVE)[0]
    if op.build is None:
        return real_record(rng, index, when)
    region = "us-east-1" if op.source in GLOBAL else REGIONS[index % 2]
    c = Call(rng, index, region, when)
    who, agent, ip = identity(c, op.callers, op.invokers)
    record = _envelope(c, op, who, agent, ip)
    record.update(op.build(c))
    if op.name in SERVICE_EVENTS or record.get("requestID", "") is None:
        del record["requestID"]  # service events and sign-ins have none
    _extras(c, op, record, agent)
    if op.name not in SERVICE_EVENTS and rng.random() < 0.02:
        _fail(c, op, record)
    return record
