"""Frames of the network around caches: subnet groups, subnets, security group rules."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evidence_lib.frames.common import Row, dig, flag, json_ids, leading, page_items, to_frame
from evidence_lib.rawstore import RawPage, RawStore

OPEN_DESTINATIONS = ("0.0.0.0/0", "::/0")


def _subnet_zones(store: RawStore) -> dict[tuple[str, str, str], tuple[str, str]]:
    """Map (account, region, subnet ID) to its AZ and page path, from DescribeSubnets."""
    return {
        (page.account_id, page.region, str(item.get("SubnetId"))): (
            str(item.get("AvailabilityZone")),
            page.path,
        )
        for page, item in page_items(store, "ec2", "DescribeSubnets", "Subnets")
        if item.get("AvailabilityZone")
    }


def _group_zones(
    page: RawPage, subnets: list[dict[str, Any]], known: dict[tuple[str, str, str], tuple[str, str]]
) -> tuple[list[str | None], list[str]]:
    """Return each subnet's AZ (None: unknown) and the extra pages the AZs came from."""
    zones: list[str | None] = []
    paths: list[str] = []
    for subnet in subnets:
        zone = dig(subnet, "SubnetAvailabilityZone", "Name")
        # NOTE: fall back to EC2's view of the subnet when the group omits the AZ name.
        found = known.get((page.account_id, page.region, str(subnet.get("SubnetIdentifier"))))
        if not zone and found:
            zone, path = found
            paths.append(path)
        zones.append(zone or None)
    return zones, paths


def build_subnet_groups(store: RawStore) -> pd.DataFrame:
    """Build ``subnet_groups``: one row per cache subnet group.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``subnet_groups`` schema: description, vpc_id, subnet_ids, availability_zones
        (JSON lists; an AZ the group omits is taken from DescribeSubnets), az_count (<NA>
        when any subnet's AZ is unknown) and is_default (the group is named ``default``).
    """
    known = _subnet_zones(store)
    rows = []
    operation = "DescribeCacheSubnetGroups"
    for page, item in page_items(store, "elasticache", operation, "CacheSubnetGroups"):
        subnets = item.get("Subnets") or []
        zones, paths = _group_zones(page, subnets, known)
        name = item.get("CacheSubnetGroupName")
        row = leading(page, "subnet_group", name, item.get("ARN"))
        row["raw_path"] = ";".join(sorted({page.path, *paths}))
        row.update(
            description=item.get("CacheSubnetGroupDescription"),
            vpc_id=item.get("VpcId"),
            subnet_ids=json_ids(s.get("SubnetIdentifier") for s in subnets),
            availability_zones=json_ids(zones),
            az_count=None if None in zones else len(set(zones)),
            is_default=name == "default",
        )
        rows.append(row)
    return to_frame("subnet_groups", rows)


def _routes_to_internet(table: dict[str, Any]) -> bool:
    for route in table.get("Routes") or []:
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        gateway = str(route.get("GatewayId") or "")
        if gateway.startswith("igw-") and destination in OPEN_DESTINATIONS:
            return True
    return False


RouteIndex = dict[tuple[str, str, str], tuple[dict[str, Any], str]]


def _route_index(store: RawStore) -> tuple[RouteIndex, RouteIndex]:
    """Index route tables by explicitly associated subnet and by VPC (main table)."""
    by_subnet: RouteIndex = {}
    main_by_vpc: RouteIndex = {}
    for page, table in page_items(store, "ec2", "DescribeRouteTables", "RouteTables"):
        for association in table.get("Associations") or []:
            if association.get("SubnetId"):
                key = (page.account_id, page.region, association["SubnetId"])
                by_subnet.setdefault(key, (table, page.path))
            if association.get("Main"):
                key = (page.account_id, page.region, str(table.get("VpcId")))
                main_by_vpc.setdefault(key, (table, page.path))
    return by_subnet, main_by_vpc


def _subnet_row(page: RawPage, item: dict[str, Any], routes: tuple[RouteIndex, RouteIndex]) -> Row:
    by_subnet, main_by_vpc = routes
    subnet_id = item.get("SubnetId")
    found = by_subnet.get((page.account_id, page.region, str(subnet_id)))
    # NOTE: a subnet without an explicit association uses its VPC's main route table.
    found = found or main_by_vpc.get((page.account_id, page.region, str(item.get("VpcId"))))
    table, table_path = found if found else ({}, None)
    arn = item.get("SubnetArn") or f"arn:aws:ec2:{page.region}:{page.account_id}:subnet/{subnet_id}"
    row = leading(page, "subnet", subnet_id, arn)
    row["raw_path"] = ";".join(sorted({page.path, table_path or page.path}))
    row.update(
        vpc_id=item.get("VpcId"),
        availability_zone=item.get("AvailabilityZone"),
        cidr_block=item.get("CidrBlock"),
        map_public_ip_on_launch=flag(item.get("MapPublicIpOnLaunch")),
        route_table_id=table.get("RouteTableId"),
        public=_routes_to_internet(table) if found else None,
    )
    return row


def build_subnets(store: RawStore) -> pd.DataFrame:
    """Build ``subnets``: one row per subnet, with its route table and public flag.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``subnets`` schema: vpc_id, availability_zone, cidr_block,
        map_public_ip_on_launch, route_table_id (the explicitly associated table, else the
        VPC's main table) and public (that table routes 0.0.0.0/0 or ::/0 to an ``igw-``
        gateway; <NA> when no route table was collected for it).
    """
    routes = _route_index(store)
    rows = [
        _subnet_row(page, item, routes)
        for page, item in page_items(store, "ec2", "DescribeSubnets", "Subnets")
    ]
    return to_frame("subnets", rows)


def _sources(permission: dict[str, Any]) -> list[Row]:
    """Return one entry per source of a permission: CIDR, IPv6 CIDR, group or prefix list."""
    sources: list[Row] = []
    for entry in permission.get("IpRanges") or []:
        sources.append({"cidr": entry.get("CidrIp"), "text": entry.get("Description")})
    for entry in permission.get("Ipv6Ranges") or []:
        sources.append({"cidr": entry.get("CidrIpv6"), "text": entry.get("Description")})
    for entry in permission.get("UserIdGroupPairs") or []:
        sources.append({"source_group_id": entry.get("GroupId"), "text": entry.get("Description")})
    for entry in permission.get("PrefixListIds") or []:
        sources.append(
            {"prefix_list_id": entry.get("PrefixListId"), "text": entry.get("Description")}
        )
    return sources


def _rule_key(direction: str, permission: dict[str, Any], source: Row) -> str:
    low, high = permission.get("FromPort"), permission.get("ToPort")
    ports = "all" if low is None and high is None else f"{low}-{high}"
    origin = source.get("cidr") or source.get("source_group_id") or source.get("prefix_list_id")
    return f"{direction}:{permission.get('IpProtocol')}:{ports}:{origin}"


def _rule_rows(page: RawPage, group: dict[str, Any]) -> list[Row]:
    rows = []
    group_id = group.get("GroupId")
    arn = group.get("SecurityGroupArn") or (
        f"arn:aws:ec2:{page.region}:{page.account_id}:security-group/{group_id}"
    )
    for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        for permission in group.get(key) or []:
            for source in _sources(permission):
                row = leading(page, "security_group", group_id, arn)
                row.update(
                    group_name=group.get("GroupName"),
                    vpc_id=group.get("VpcId"),
                    rule_key=_rule_key(direction, permission, source),
                    direction=direction,
                    ip_protocol=permission.get("IpProtocol"),
                    from_port=permission.get("FromPort"),
                    to_port=permission.get("ToPort"),
                    cidr=source.get("cidr"),
                    source_group_id=source.get("source_group_id"),
                    prefix_list_id=source.get("prefix_list_id"),
                    rule_description=source.get("text"),
                )
                rows.append(row)
    return rows


def build_security_group_rules(store: RawStore) -> pd.DataFrame:
    """Build ``security_group_rules``: one row per (permission, source) of a security group.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``security_group_rules`` schema: group_name, vpc_id, rule_key
        (``<direction>:<protocol>:<from>-<to>:<source>``, ports ``all`` when absent),
        direction (ingress/egress), ip_protocol as reported (``-1`` means all protocols and
        ports), from_port and to_port (<NA> when absent), cidr (IPv4 or IPv6),
        source_group_id, prefix_list_id and rule_description. resource_id is the group ID;
        a group without rules has no row.
    """
    rows = [
        row
        for page, group in page_items(store, "ec2", "DescribeSecurityGroups", "SecurityGroups")
        for row in _rule_rows(page, group)
    ]
    frame = to_frame("security_group_rules", rows, unique=False)
    frame = frame.drop_duplicates(subset=["account_id", "region", "resource_id", "rule_key"])
    return frame.reset_index(drop=True)
