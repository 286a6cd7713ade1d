"""KMS collector: DescribeKey of every key in use, once per key, in the key's region."""

from __future__ import annotations

from evidence_lib.collectors.context import CollectContext, Response, call_pages
from evidence_lib.collectors.monitoring import arn_region


def collect_describe_key(ctx: CollectContext, key_id: str) -> Response | None:
    """Store DescribeKey of one key (in the region its ARN names); return its KeyMetadata.

    KMS has no batch call, so this is one call per key; NotFoundException is stored as
    ``not_configured`` (the key does not exist) and returns None.
    """
    region = arn_region(key_id, ctx.region)
    request = {"KeyId": key_id}
    pages = call_pages(
        ctx, "kms", "DescribeKey", request, client_region=region, storage_region=region
    )
    return pages[0].get("KeyMetadata") if pages else None
