"""Tests of the bucket, KMS key and agreement frames."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.frames.storage import build_agreements, build_buckets, build_kms_keys
from evidence_lib.rawstore import RawStore

from .helpers import WritePage, row_of, tri

NOT_CONFIGURED = {"outcome": "not_configured", "error": {"code": "NotConfigured", "message": "-"}}


def _bucket(write: WritePage, name: str, *, lifecycle: dict | None, lock: dict | None) -> None:
    request = {"Bucket": name}
    write("s3", "GetBucketVersioning", {"Status": "Enabled"}, request=request)
    if lifecycle is None:
        write("s3", "GetBucketLifecycleConfiguration", None, request=request, **NOT_CONFIGURED)
    else:
        write("s3", "GetBucketLifecycleConfiguration", lifecycle, request=request)
    if lock is None:
        write("s3", "GetObjectLockConfiguration", None, request=request, **NOT_CONFIGURED)
    else:
        write("s3", "GetObjectLockConfiguration", lock, request=request)
    flags = dict.fromkeys(
        ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"], True
    )
    write("s3", "GetPublicAccessBlock", {"PublicAccessBlockConfiguration": flags}, request=request)
    encryption = {
        "ServerSideEncryptionConfiguration": {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "key-1",
                    }
                }
            ]
        }
    }
    write("s3", "GetBucketEncryption", encryption, request=request)


LIFECYCLE = {
    "Rules": [
        {
            "ID": "archive",
            "Status": "Enabled",
            "Transitions": [
                {"Days": 365, "StorageClass": "DEEP_ARCHIVE"},
                {"Days": 90, "StorageClass": "GLACIER"},
            ],
            "Expiration": {"Days": 2555},
        },
        {"ID": "old", "Status": "Disabled", "Expiration": {"Days": 30}},
    ]
}
LOCK = {
    "ObjectLockConfiguration": {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}},
    }
}


def test_bucket_lifecycle_and_lock_summary(store: RawStore, write: WritePage) -> None:
    """Enabled rules only: expiration 2555, first transition 90 days to GLACIER; lock 365."""
    _bucket(write, "audit-trail-logs", lifecycle=LIFECYCLE, lock=LOCK)
    frame = build_buckets(store)
    SCHEMAS["buckets"].validate(frame)
    row = row_of(frame, "audit-trail-logs")
    assert row["purpose"] == "trail"
    assert row["lifecycle_min_expiration_days"] == 2555
    assert row["lifecycle_first_archive_days"] == 90
    assert row["lifecycle_archive_storage_class"] == "GLACIER"
    assert len(json.loads(row["lifecycle_rules_json"])) == 2
    assert tri(row["object_lock_enabled"]) is True
    assert row["object_lock_mode"] == "COMPLIANCE"
    assert row["object_lock_retention_days"] == 365
    assert tri(row["public_access_blocked"]) is True
    assert row["versioning_status"] == "Enabled"
    assert row["mfa_delete"] == "Disabled"
    assert row["kms_key_id"] == "key-1"
    assert row["resource_arn"] == "arn:aws:s3:::audit-trail-logs"
    assert len(row["raw_path"].split(";")) == 5


def test_bucket_without_lifecycle_or_lock(store: RawStore, write: WritePage) -> None:
    """not_configured answers are evidence: no rules ('[]'), <NA> summaries, lock False."""
    _bucket(write, "bare-bucket", lifecycle=None, lock=None)
    row = row_of(build_buckets(store), "bare-bucket")
    assert row["lifecycle_rules_json"] == "[]"
    assert row["lifecycle_min_expiration_days"] is pd.NA
    assert row["lifecycle_first_archive_days"] is pd.NA
    assert tri(row["object_lock_enabled"]) is False


def test_bucket_failed_call_is_na(store: RawStore, write: WritePage) -> None:
    """A bucket call that failed leaves its columns <NA>, not False."""
    denied = {"outcome": "error", "error": {"code": "AccessDenied", "message": "no"}}
    request = {"Bucket": "half-known"}
    write("s3", "GetBucketVersioning", {"Status": "Suspended"}, request=request)
    write("s3", "GetPublicAccessBlock", None, request=request, **denied)
    write("s3", "GetObjectLockConfiguration", None, request=request, **denied)
    row = row_of(build_buckets(store), "half-known")
    assert row["versioning_status"] == "Suspended"
    assert tri(row["public_access_blocked"]) is None
    assert tri(row["object_lock_enabled"]) is None
    assert row["lifecycle_rules_json"] is pd.NA


def test_archive_bucket_purpose_from_run_json(store: RawStore, write: WritePage) -> None:
    """The backups archive bucket named in run.json parameters has purpose 'archive'."""
    _bucket(write, "snapshot-archive", lifecycle=LIFECYCLE, lock=None)
    _bucket(write, "audit-trail-logs", lifecycle=None, lock=None)
    run_json = {"parameters": {"backups": {"archive_bucket": "snapshot-archive"}}}
    Path(store.run_dir, "run.json").write_text(json.dumps(run_json), encoding="utf-8")
    frame = build_buckets(store)
    assert row_of(frame, "snapshot-archive")["purpose"] == "archive"
    assert row_of(frame, "audit-trail-logs")["purpose"] == "trail"


def test_kms_keys(store: RawStore, write: WritePage) -> None:
    """DescribeKey pages give one row per key with its manager and state."""
    for key_id, manager in (("cmk-1", "CUSTOMER"), ("aws-1", "AWS")):
        meta = {
            "KeyId": key_id,
            "Arn": f"arn:aws:kms:us-east-1:111122223333:key/{key_id}",
            "KeyManager": manager,
            "KeyState": "Enabled",
            "Enabled": True,
            "KeySpec": "SYMMETRIC_DEFAULT",
            "CreationDate": "2024-01-01T00:00:00Z",
        }
        write("kms", "DescribeKey", {"KeyMetadata": meta}, request={"KeyId": key_id})
    frame = build_kms_keys(store)
    SCHEMAS["kms_keys"].validate(frame)
    assert row_of(frame, "cmk-1")["key_manager"] == "CUSTOMER"
    assert row_of(frame, "aws-1")["key_manager"] == "AWS"
    assert tri(row_of(frame, "cmk-1")["enabled"]) is True


def test_agreements(store: RawStore, write: WritePage) -> None:
    """Artifact agreements keep their state and effective times."""
    agreement = {
        "id": "ca-1",
        "name": "AWS Business Associate Addendum",
        "arn": "arn:aws:artifact::111122223333:customer-agreement/ca-1",
        "type": "CUSTOM",
        "state": "ACTIVE",
        "effectiveStart": "2024-01-15T00:00:00Z",
    }
    write(
        "artifact", "ListCustomerAgreements", {"customerAgreements": [agreement]}, region="global"
    )
    frame = build_agreements(store)
    SCHEMAS["agreements"].validate(frame)
    row = row_of(frame, "ca-1")
    assert row["state"] == "ACTIVE"
    assert row["region"] == "global"
    assert row["effective_start_time"] == pd.Timestamp("2024-01-15", tz="UTC")
    assert row["effective_end_time"] is pd.NaT
