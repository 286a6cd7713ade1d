"""EC2 collectors: the security groups, subnets and route tables the caches use.

IDs are sent in batches (one call per batch, never one per resource) as ``Filters``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from evidence_lib.collectors.context import CollectContext, Response, batches, call_pages, items
from evidence_lib.collectors.elasticache import CacheInventory

SERVICE = "ec2"
# NOTE: EC2 fails a whole request with InvalidGroup.NotFound when one of its GroupIds (or
# SubnetIds) no longer exists; a filter omits it, so one deleted group a cache still names does
# not turn the evidence of all the others into a gap.
BATCH_SIZE = 200


def _describe_filtered(
    ctx: CollectContext, operation: str, name: str, values: Iterable[str], key: str
) -> list[Response]:
    found: list[Response] = []
    for batch in batches(values, BATCH_SIZE):
        request = {"Filters": [{"Name": name, "Values": batch}]}
        found.extend(items(call_pages(ctx, SERVICE, operation, request), key))
    return found


def collect_describe_security_groups(
    ctx: CollectContext, group_ids: Iterable[str]
) -> list[Response]:
    """Store DescribeSecurityGroups pages for ``group_ids`` (batched); return the groups."""
    return _describe_filtered(
        ctx, "DescribeSecurityGroups", "group-id", group_ids, "SecurityGroups"
    )


def collect_describe_subnets(ctx: CollectContext, subnet_ids: Iterable[str]) -> list[Response]:
    """Store DescribeSubnets pages for ``subnet_ids`` (batched); return the subnets."""
    return _describe_filtered(ctx, "DescribeSubnets", "subnet-id", subnet_ids, "Subnets")


def collect_describe_route_tables(ctx: CollectContext, vpc_ids: Iterable[str]) -> list[Response]:
    """Store DescribeRouteTables pages of every table of ``vpc_ids``, main tables included."""
    return _describe_filtered(ctx, "DescribeRouteTables", "vpc-id", vpc_ids, "RouteTables")


def collect_network(
    ctx: CollectContext, inventory: CacheInventory, tick: Callable[[], None]
) -> None:
    """Collect the security groups, subnets and route tables of one region's caches.

    Parameters
    ----------
    ctx : CollectContext
        Store, account, region and client factory.
    inventory : CacheInventory
        What the ElastiCache responses named.
    tick : callable
        Called once after each operation (progress).
    """
    collect_describe_security_groups(ctx, inventory.security_group_ids())
    tick()
    subnets = collect_describe_subnets(ctx, inventory.subnet_ids())
    tick()
    vpc_ids = inventory.vpc_ids() | {s["VpcId"] for s in subnets if s.get("VpcId")}
    collect_describe_route_tables(ctx, vpc_ids)
    tick()


NETWORK_STEPS = 3
"""Progress ticks of :func:`collect_network`."""
