"""Account-level collectors: STS caller identity and AWS Artifact agreements (region global)."""

from __future__ import annotations

from evidence_lib.collectors.context import CollectContext, Response, call_pages, items


def collect_get_caller_identity(ctx: CollectContext, client_region: str) -> Response | None:
    """Store GetCallerIdentity under ``ctx.region``; return ``{"UserId", "Account", "Arn"}``.

    Parameters
    ----------
    ctx : CollectContext
        The account's context with region ``global``.
    client_region : str
        The region whose STS endpoint is called.

    Returns
    -------
    dict or None
        The identity, or None when the call failed.
    """
    pages = call_pages(ctx, "sts", "GetCallerIdentity", client_region=client_region)
    if not pages:
        return None
    return {key: pages[0].get(key) for key in ("UserId", "Account", "Arn")}


def collect_list_customer_agreements(ctx: CollectContext, client_region: str) -> list[Response]:
    """Store every ListCustomerAgreements page under ``ctx.region``; return the agreements."""
    pages = call_pages(ctx, "artifact", "ListCustomerAgreements", client_region=client_region)
    return items(pages, "customerAgreements")
