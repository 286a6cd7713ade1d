"""CloudTrail configuration collectors: trails, their status and their event selectors.

CloudTrail *events* (LookupEvents, the S3 log archive) are collected by
``evidence_lib.cloudtrail``, not here.
"""

from __future__ import annotations

from collections.abc import Callable

from evidence_lib.collectors.context import CollectContext, Response, call_pages, items

SERVICE = "cloudtrail"


def collect_describe_trails(ctx: CollectContext) -> list[Response]:
    """Store DescribeTrails (shadow trails included); return every trail visible in the region."""
    pages = call_pages(ctx, SERVICE, "DescribeTrails", {"includeShadowTrails": True})
    return items(pages, "trailList")


def collect_get_trail_status(ctx: CollectContext, trail_arn: str) -> Response | None:
    """Store GetTrailStatus of one trail; return the response, or None when it failed."""
    pages = call_pages(ctx, SERVICE, "GetTrailStatus", {"Name": trail_arn})
    return pages[0] if pages else None


def collect_get_event_selectors(ctx: CollectContext, trail_arn: str) -> Response | None:
    """Store GetEventSelectors of one trail; return the response, or None when it failed."""
    pages = call_pages(ctx, SERVICE, "GetEventSelectors", {"TrailName": trail_arn})
    return pages[0] if pages else None


def home_trails(trails: list[Response], region: str) -> list[Response]:
    """Return the trails homed in ``region`` (a multi-region trail shows in every region)."""
    return [t for t in trails if t.get("HomeRegion", region) == region]


def collect_trail_config(ctx: CollectContext, tick: Callable[[], None]) -> list[Response]:
    """Collect the trails of one region, and the status and selectors of those homed there.

    Parameters
    ----------
    ctx : CollectContext
        Store, account, region and client factory.
    tick : callable
        Called once after each operation (progress).

    Returns
    -------
    list of dict
        Every trail DescribeTrails listed in the region (buckets and keys come from them).
    """
    trails = collect_describe_trails(ctx)
    tick()

    # NOTE: GetTrailStatus and GetEventSelectors answer only in the trail's home region.
    homed = [t["TrailARN"] for t in home_trails(trails, ctx.region) if t.get("TrailARN")]
    for arn in homed:
        collect_get_trail_status(ctx, arn)
    tick()
    for arn in homed:
        collect_get_event_selectors(ctx, arn)
    tick()
    return trails


TRAIL_STEPS = 3
"""Progress ticks of :func:`collect_trail_config`."""
