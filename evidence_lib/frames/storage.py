"""Frames of storage and keys: S3 buckets of trails and archives, KMS keys, Artifact agreements."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_lib.frames.common import (
    Row,
    dig,
    evidence_pages,
    flag,
    json_text,
    leading,
    page_items,
    to_frame,
)
from evidence_lib.rawstore import RawPage, RawStore

BUCKET_OPERATIONS = (
    "GetBucketVersioning",
    "GetBucketLifecycleConfiguration",
    "GetObjectLockConfiguration",
    "GetPublicAccessBlock",
    "GetBucketEncryption",
)
PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


def archive_bucket(run_dir: Path) -> str | None:
    """Return the backups archive bucket named in the run's parameters (run.json), if any."""
    path = run_dir / "run.json"
    if not path.exists():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    parameters = document.get("parameters") or document.get("params") or {}
    value = dig(parameters, "backups", "archive_bucket")
    return str(value) if value else None


def _lifecycle(page: RawPage | None) -> Row:
    if page is None:
        return {"lifecycle_rules_json": None}
    # NOTE: NoSuchLifecycleConfiguration (not_configured) is evidence of no rules at all.
    rules = ((page.response or {}).get("Rules") or []) if page.outcome == "ok" else []
    enabled = [rule for rule in rules if rule.get("Status") == "Enabled"]
    expirations = [dig(r, "Expiration", "Days") for r in enabled]
    expirations = [days for days in expirations if days is not None]
    transitions = [
        t for r in enabled for t in r.get("Transitions") or [] if t.get("Days") is not None
    ]
    first = min(transitions, key=lambda t: int(t["Days"])) if transitions else {}
    return {
        "lifecycle_rules_json": json_text(rules),
        "lifecycle_min_expiration_days": min(expirations) if expirations else None,
        "lifecycle_first_archive_days": first.get("Days"),
        "lifecycle_archive_storage_class": first.get("StorageClass"),
    }


def _object_lock(page: RawPage | None) -> Row:
    if page is None:
        return {}
    if page.outcome == "not_configured":
        return {"object_lock_enabled": False}
    config = dig(page.response, "ObjectLockConfiguration") or {}
    retention = dig(config, "Rule", "DefaultRetention") or {}
    days = retention.get("Days")
    if days is None and retention.get("Years") is not None:
        days = int(retention["Years"]) * 365
    return {
        "object_lock_enabled": config.get("ObjectLockEnabled") == "Enabled",
        "object_lock_mode": retention.get("Mode"),
        "object_lock_retention_days": days,
    }


def _versioning(page: RawPage | None) -> Row:
    if page is None or page.outcome != "ok":
        return {}
    reply = page.response or {}
    # NOTE: S3 omits Status and MFADelete for a bucket that never had them enabled.
    return {
        "versioning_status": reply.get("Status", "Disabled"),
        "mfa_delete": reply.get("MFADelete", "Disabled"),
    }


def _public_access(page: RawPage | None) -> Row:
    if page is None:
        return {}
    config = dig(page.response, "PublicAccessBlockConfiguration") or {}
    return {"public_access_blocked": all(config.get(name) is True for name in PUBLIC_ACCESS_FLAGS)}


def _encryption(page: RawPage | None) -> Row:
    if page is None or page.outcome != "ok":
        return {}
    rules = dig(page.response, "ServerSideEncryptionConfiguration", "Rules") or []
    default = dig(rules, 0, "ApplyServerSideEncryptionByDefault") or {}
    return {
        "encryption_algorithm": default.get("SSEAlgorithm"),
        "kms_key_id": default.get("KMSMasterKeyID"),
    }


def _bucket_row(name: str, pages: dict[str, RawPage], archive: str | None) -> Row:
    first = pages[min(pages, key=lambda op: pages[op].path)]
    row = leading(first, "bucket", name, f"arn:aws:s3:::{name}")
    row["raw_path"] = ";".join(sorted(page.path for page in pages.values()))
    row["purpose"] = "archive" if name == archive else "trail"
    row.update(_versioning(pages.get("GetBucketVersioning")))
    row.update(_lifecycle(pages.get("GetBucketLifecycleConfiguration")))
    row.update(_object_lock(pages.get("GetObjectLockConfiguration")))
    row.update(_public_access(pages.get("GetPublicAccessBlock")))
    row.update(_encryption(pages.get("GetBucketEncryption")))
    return row


def build_buckets(store: RawStore) -> pd.DataFrame:
    """Build ``buckets``: one row per S3 bucket of a trail or of the backups archive.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run (its run.json names the archive bucket, if any).

    Returns
    -------
    pandas.DataFrame
        The ``buckets`` schema: purpose (``archive`` for the parameters' backups archive
        bucket, else ``trail``), versioning_status, mfa_delete, object lock (enabled, mode,
        retention days), lifecycle_rules_json (``[]`` without a lifecycle configuration)
        and the enabled rules' minimum expiration days, first transition days and storage
        class, public_access_blocked (all four flags true), encryption_algorithm and
        kms_key_id. A column whose call failed is <NA>; a bucket whose every call failed
        has no row (its calls are collection gaps).
    """
    found: dict[tuple[str, str], dict[str, RawPage]] = defaultdict(dict)
    for operation in BUCKET_OPERATIONS:
        for page in evidence_pages(store, "s3", operation, not_configured=True):
            key = (page.account_id, str(page.request.get("Bucket")))
            found[key].setdefault(operation, page)
    archive = archive_bucket(store.run_dir)
    rows = [_bucket_row(name, pages, archive) for (_, name), pages in sorted(found.items())]
    return to_frame("buckets", rows)


def build_kms_keys(store: RawStore) -> pd.DataFrame:
    """Build ``kms_keys``: one row per KMS key described (DescribeKey).

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``kms_keys`` schema: key_manager (AWS or CUSTOMER), key_state, key_spec,
        enabled and creation_time; resource_id is the key ID, resource_arn its ARN (a
        cache's kms_key_id may be either).
    """
    rows = []
    for page in evidence_pages(store, "kms", "DescribeKey"):
        meta: dict[str, Any] = dig(page.response, "KeyMetadata") or {}
        row = leading(page, "kms_key", meta.get("KeyId"), meta.get("Arn"))
        row.update(
            key_manager=meta.get("KeyManager"),
            key_state=meta.get("KeyState"),
            key_spec=meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
            enabled=flag(meta.get("Enabled")),
            creation_time=meta.get("CreationDate"),
        )
        rows.append(row)
    return to_frame("kms_keys", rows)


def build_agreements(store: RawStore) -> pd.DataFrame:
    """Build ``agreements``: one row per AWS Artifact customer agreement.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``agreements`` schema: name, agreement_type, state, effective_start_time and
        effective_end_time.
    """
    rows = []
    operation = "ListCustomerAgreements"
    for page, item in page_items(store, "artifact", operation, "customerAgreements"):
        row = leading(page, "agreement", item.get("id"), item.get("arn"))
        row.update(
            name=item.get("name"),
            agreement_type=item.get("type"),
            state=item.get("state"),
            effective_start_time=item.get("effectiveStart"),
            effective_end_time=item.get("effectiveEnd"),
        )
        rows.append(row)
    return to_frame("agreements", rows)
