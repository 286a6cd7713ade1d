"""Realistic CloudTrail records of every shape the library reads (hand-written, fictional)."""

from __future__ import annotations

import copy
from typing import Any

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
EC = "elasticache.amazonaws.com"

IAM_USER: dict[str, Any] = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLEUSER00001",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/dana.ops",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAEXAMPLEKEY000001",
        "userName": "dana.ops",
    },
    "eventTime": "2026-07-01T10:00:00Z",
    "eventSource": EC,
    "eventName": "ModifyReplicationGroup",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "198.51.100.24",
    "userAgent": "aws-cli/2.17.0 md/Botocore#1.35.0 os/linux",
    "requestParameters": {"replicationGroupId": "patients-cache", "applyImmediately": True},
    "responseElements": {"replicationGroupId": "patients-cache", "status": "modifying"},
    "requestID": "2f1c7c6e-0000-4000-8000-000000000001",
    "eventID": "e1000000-0000-4000-8000-000000000001",
    "readOnly": False,
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
    "eventCategory": "Management",
}

ASSUMED_ROLE: dict[str, Any] = {
    "eventVersion": "1.08",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLEROLE00001:deploy-session",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/cache-deployer/deploy-session",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEKEY000002",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEROLE00001",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/cache-deployer",
                "accountId": ACCOUNT,
                "userName": "cache-deployer",
            },
            "attributes": {"creationDate": "2026-07-01T09:55:00Z", "mfaAuthenticated": "false"},
        },
    },
    "eventTime": "2026-07-01T10:00:00.123Z",
    "eventSource": EC,
    "eventName": "DescribeReplicationGroups",
    "awsRegion": "us-west-2",
    "sourceIPAddress": "10.0.4.17",
    "userAgent": "Boto3/1.35.0 md/Botocore#1.35.0",
    "requestParameters": None,
    "responseElements": None,
    "eventID": "e1000000-0000-4000-8000-000000000002",
    "readOnly": "true",
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
}

AWS_SERVICE: dict[str, Any] = {
    "eventVersion": "1.08",
    "userIdentity": {"type": "AWSService", "invokedBy": EC},
    "eventTime": "2026-07-01T12:00:00+02:00",
    "eventSource": "kms.amazonaws.com",
    "eventName": "Decrypt",
    "awsRegion": "us-east-1",
    "sourceIPAddress": EC,
    "userAgent": EC,
    "requestParameters": {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
    "responseElements": None,
    "eventID": "e1000000-0000-4000-8000-000000000003",
    "readOnly": True,
    "resources": [
        {
            "accountId": ACCOUNT,
            "type": "AWS::KMS::Key",
            "ARN": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1111-2222",
        }
    ],
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
    "sharedEventID": "e9000000-0000-4000-8000-000000000003",
}

ROOT: dict[str, Any] = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEKEY000004",
    },
    "eventTime": "2026-07-02T03:14:07Z",
    "eventSource": EC,
    "eventName": "DeleteReplicationGroup",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "203.0.113.9",
    "userAgent": "AWS Internal",
    "requestParameters": {"replicationGroupId": "old-cache", "retainPrimaryCluster": False},
    "responseElements": {"replicationGroupId": "old-cache", "status": "deleting"},
    "eventID": "e1000000-0000-4000-8000-000000000004",
    "readOnly": False,
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
}

FEDERATED_USER: dict[str, Any] = {
    "eventVersion": "1.08",
    "userIdentity": {
        "type": "FederatedUser",
        "principalId": f"{ACCOUNT}:partner-audit",
        "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/partner-audit",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEKEY000005",
        "sessionContext": {
            "sessionIssuer": {
                "type": "IAMUser",
                "principalId": "AIDAEXAMPLEUSER00009",
                "arn": f"arn:aws:iam::{ACCOUNT}:user/federation-broker",
                "accountId": ACCOUNT,
                "userName": "federation-broker",
            },
            "attributes": {"creationDate": "2026-07-02T08:00:00Z", "mfaAuthenticated": "false"},
        },
    },
    "eventTime": "2026-07-02T08:01:00Z",
    "eventSource": EC,
    "eventName": "DescribeSnapshots",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "192.0.2.10",
    "userAgent": "console.amazonaws.com",
    "requestParameters": {"maxRecords": 50},
    "responseElements": None,
    "eventID": "e1000000-0000-4000-8000-000000000005",
    "readOnly": True,
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
}

AWS_ACCOUNT: dict[str, Any] = {
    "eventVersion": "1.08",
    "userIdentity": {
        "type": "AWSAccount",
        "principalId": "AIDAEXAMPLEOTHER0001",
        "accountId": OTHER_ACCOUNT,
    },
    "eventTime": "2026-07-02T09:00:00Z",
    "eventSource": EC,
    "eventName": "CopySnapshot",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "198.51.100.77",
    "userAgent": "aws-sdk-java/2.25.0",
    "errorCode": "AccessDenied",
    "errorMessage": "User is not authorized to perform: elasticache:CopySnapshot",
    "requestParameters": {"sourceSnapshotName": "nightly", "targetSnapshotName": "copy"},
    "responseElements": None,
    "eventID": "e1000000-0000-4000-8000-000000000006",
    "readOnly": False,
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
}

IDENTITY_CENTER: dict[str, Any] = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "IdentityCenterUser",
        "accountId": ACCOUNT,
        "onBehalfOf": {
            "userId": "94482488-3041-7026-18f3-be45837cd0e4",
            "identityStoreArn": "arn:aws:identitystore::123456789012:identitystore/d-1234567890",
        },
        "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE",
    },
    "eventTime": "2026-07-03T11:00:00Z",
    "eventSource": "sso.amazonaws.com",
    "eventName": "Federate",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "192.0.2.44",
    "userAgent": "Mozilla/5.0",
    "requestParameters": None,
    "responseElements": None,
    "eventID": "e1000000-0000-4000-8000-000000000007",
    "readOnly": False,
    "eventType": "AwsServiceEvent",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
}

UNKNOWN: dict[str, Any] = {
    "eventVersion": "1.08",
    "userIdentity": {
        "type": "Unknown",
        "principalId": "",
        "arn": "",
        "accountId": ACCOUNT,
        "accessKeyId": "",
        "userName": "lee.contractor",
    },
    "eventTime": "2026-07-03T11:05:00Z",
    "eventSource": "signin.amazonaws.com",
    "eventName": "UserAuthentication",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "192.0.2.45",
    "userAgent": "Mozilla/5.0",
    "requestParameters": None,
    "responseElements": None,
    "eventID": "e1000000-0000-4000-8000-000000000008",
    "readOnly": False,
    "eventType": "AwsServiceEvent",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
}

CONSOLE_LOGIN_FAILED: dict[str, Any] = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLEUSER00001",
        "accountId": ACCOUNT,
        "accessKeyId": "",
        "userName": "dana.ops",
    },
    "eventTime": "2026-07-04T22:47:13Z",
    "eventSource": "signin.amazonaws.com",
    "eventName": "ConsoleLogin",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "203.0.113.50",
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
    "errorMessage": "Failed authentication",
    "requestParameters": None,
    "responseElements": {"ConsoleLogin": "Failure"},
    "additionalEventData": {"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"},
    "eventID": "e1000000-0000-4000-8000-000000000009",
    "readOnly": False,
    "eventType": "AwsConsoleSignIn",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
    "eventCategory": "Management",
}

INSIGHT: dict[str, Any] = {
    "eventVersion": "1.07",
    "eventTime": "2026-07-05T01:00:00Z",
    "awsRegion": "us-east-1",
    "eventID": "e1000000-0000-4000-8000-000000000010",
    "eventType": "AwsCloudTrailInsight",
    "recipientAccountId": ACCOUNT,
    "sharedEventID": "e9000000-0000-4000-8000-000000000010",
    "insightDetails": {
        "state": "Start",
        "eventSource": EC,
        "eventName": "DeleteCacheCluster",
        "insightType": "ApiCallRateInsight",
        "insightContext": {"statistics": {"baseline": {"average": 0.01}}},
    },
    "eventCategory": "Insight",
}

STOP_LOGGING: dict[str, Any] = {
    "eventVersion": "1.09",
    "userIdentity": copy.deepcopy(ASSUMED_ROLE["userIdentity"]),
    "eventTime": "2026-07-06T02:00:00Z",
    "eventSource": "cloudtrail.amazonaws.com",
    "eventName": "StopLogging",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "10.0.4.17",
    "userAgent": "aws-cli/2.17.0",
    "requestParameters": {"name": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/audit"},
    "responseElements": None,
    "eventID": "e1000000-0000-4000-8000-000000000011",
    "readOnly": False,
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": ACCOUNT,
}

EVERY_SHAPE = [
    IAM_USER,
    ASSUMED_ROLE,
    AWS_SERVICE,
    ROOT,
    FEDERATED_USER,
    AWS_ACCOUNT,
    IDENTITY_CENTER,
    UNKNOWN,
    CONSOLE_LOGIN_FAILED,
    INSIGHT,
    STOP_LOGGING,
]


def record(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Return a deep copy of ``base`` with top-level fields changed (None removes one)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def lookup_item(base: dict[str, Any]) -> dict[str, Any]:
    """Return a LookupEvents ``Events`` item for a record, as the API answers it."""
    import json

    return {
        "EventId": base["eventID"],
        "EventName": base["eventName"],
        "ReadOnly": str(base.get("readOnly", "")).lower(),
        "EventTime": base["eventTime"],
        "EventSource": base["eventSource"],
        "Username": base.get("userIdentity", {}).get("userName", ""),
        "Resources": [],
        "CloudTrailEvent": json.dumps(base),
    }
