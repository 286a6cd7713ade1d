"""S3 collectors: the settings of the trails' buckets and of the backup archive bucket.

Every page is stored under the bucket's region (from GetBucketLocation).
"""

from __future__ import annotations

from collections.abc import Iterable

from evidence_lib.collectors.context import CollectContext, Response, call_pages

SERVICE = "s3"
# NOTE: GetBucketLocation answers null for us-east-1 and the legacy "EU" for eu-west-1.
_LEGACY_LOCATIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}
SETTINGS_OPERATIONS = (
    "GetBucketVersioning",
    "GetBucketLifecycleConfiguration",
    "GetObjectLockConfiguration",
    "GetPublicAccessBlock",
    "GetBucketEncryption",
)


def bucket_region(page: Response) -> str:
    """Return the region of a GetBucketLocation response."""
    location = page.get("LocationConstraint")
    return _LEGACY_LOCATIONS.get(location, location) or "us-east-1"


def collect_get_bucket_location(ctx: CollectContext, bucket: str) -> str | None:
    """Store GetBucketLocation under the bucket's region; return that region (None: failed)."""
    request = {"Bucket": bucket}
    pages = call_pages(ctx, SERVICE, "GetBucketLocation", request, storage_region=bucket_region)
    return bucket_region(pages[0]) if pages else None


def collect_bucket_setting(ctx: CollectContext, operation: str, bucket: str) -> Response | None:
    """Store one bucket-setting call (``SETTINGS_OPERATIONS``) in ``ctx.region``.

    Returns
    -------
    dict or None
        The response; None when nothing is configured or the call failed.
    """
    pages = call_pages(ctx, SERVICE, operation, {"Bucket": bucket})
    return pages[0] if pages else None


def collect_get_bucket_versioning(ctx: CollectContext, bucket: str) -> Response | None:
    """Store GetBucketVersioning of one bucket; return the response."""
    return collect_bucket_setting(ctx, "GetBucketVersioning", bucket)


def collect_get_bucket_lifecycle_configuration(ctx: CollectContext, bucket: str) -> Response | None:
    """Store GetBucketLifecycleConfiguration (NoSuchLifecycleConfiguration: not configured)."""
    return collect_bucket_setting(ctx, "GetBucketLifecycleConfiguration", bucket)


def collect_get_object_lock_configuration(ctx: CollectContext, bucket: str) -> Response | None:
    """Store GetObjectLockConfiguration of one bucket (not found: not configured)."""
    return collect_bucket_setting(ctx, "GetObjectLockConfiguration", bucket)


def collect_get_public_access_block(ctx: CollectContext, bucket: str) -> Response | None:
    """Store GetPublicAccessBlock of one bucket (not found: not configured)."""
    return collect_bucket_setting(ctx, "GetPublicAccessBlock", bucket)


def collect_get_bucket_encryption(ctx: CollectContext, bucket: str) -> Response | None:
    """Store GetBucketEncryption of one bucket (not found: not configured)."""
    return collect_bucket_setting(ctx, "GetBucketEncryption", bucket)


def encryption_key_ids(encryption: Response | None) -> set[str]:
    """KMS keys named by a GetBucketEncryption response."""
    rules = ((encryption or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    defaults = (rule.get("ApplyServerSideEncryptionByDefault") or {} for rule in rules)
    return {d["KMSMasterKeyID"] for d in defaults if d.get("KMSMasterKeyID")}


def collect_buckets(ctx: CollectContext, buckets: Iterable[str]) -> set[str]:
    """Collect the location and settings of each bucket, once each.

    Parameters
    ----------
    ctx : CollectContext
        Store, account and client factory; ``ctx.region`` is where the location is asked and
        where a bucket whose location cannot be read is stored.
    buckets : iterable of str
        Bucket names (duplicates are collected once).

    Returns
    -------
    set of str
        The KMS keys the buckets encrypt with.
    """
    keys: set[str] = set()
    for bucket in sorted(set(buckets)):
        region = collect_get_bucket_location(ctx, bucket) or ctx.region
        in_region = ctx.in_region(region)
        for operation in SETTINGS_OPERATIONS[:-1]:
            collect_bucket_setting(in_region, operation, bucket)
        keys |= encryption_key_ids(collect_get_bucket_encryption(in_region, bucket))
    return keys
