"""Tests of the subnet group, subnet and security group rule frames."""

from __future__ import annotations

import json

import pandas as pd

from evidence_lib.frames.network import (
    build_security_group_rules,
    build_subnet_groups,
    build_subnets,
)
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.rawstore import RawStore

from .helpers import WritePage, row_of, tri

SUBNETS = [
    {
        "SubnetId": "subnet-public",
        "VpcId": "vpc-1",
        "AvailabilityZone": "us-east-1a",
        "CidrBlock": "10.0.0.0/24",
        "MapPublicIpOnLaunch": True,
    },
    {
        "SubnetId": "subnet-private",
        "VpcId": "vpc-1",
        "AvailabilityZone": "us-east-1b",
        "CidrBlock": "10.0.1.0/24",
        "MapPublicIpOnLaunch": False,
    },
    {
        "SubnetId": "subnet-elsewhere",
        "VpcId": "vpc-2",
        "AvailabilityZone": "us-east-1c",
        "CidrBlock": "10.1.0.0/24",
    },
]
ROUTE_TABLES = [
    {
        "RouteTableId": "rtb-main",
        "VpcId": "vpc-1",
        "Associations": [{"Main": True, "RouteTableId": "rtb-main"}],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-123"},
        ],
    },
    {
        "RouteTableId": "rtb-private",
        "VpcId": "vpc-1",
        "Associations": [{"Main": False, "SubnetId": "subnet-private"}],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"},
        ],
    },
]


def test_public_subnet_via_main_route_table(store: RawStore, write: WritePage) -> None:
    """A subnet without an association is public through its VPC's main route table."""
    subnet_page = write("ec2", "DescribeSubnets", {"Subnets": SUBNETS})
    table_page = write("ec2", "DescribeRouteTables", {"RouteTables": ROUTE_TABLES})
    frame = build_subnets(store)
    SCHEMAS["subnets"].validate(frame)
    public = row_of(frame, "subnet-public")
    assert tri(public["public"]) is True
    assert public["route_table_id"] == "rtb-main"
    assert public["raw_path"] == ";".join(sorted([subnet_page, table_page]))
    private = row_of(frame, "subnet-private")
    assert tri(private["public"]) is False
    assert private["route_table_id"] == "rtb-private"


def test_subnet_without_route_evidence_is_na(store: RawStore, write: WritePage) -> None:
    """A subnet whose VPC has no collected route table is <NA>, not private."""
    write("ec2", "DescribeSubnets", {"Subnets": SUBNETS})
    write("ec2", "DescribeRouteTables", {"RouteTables": ROUTE_TABLES})
    row = row_of(build_subnets(store), "subnet-elsewhere")
    assert tri(row["public"]) is None
    assert row["route_table_id"] is pd.NA
    assert tri(row["map_public_ip_on_launch"]) is None


def test_ipv6_default_route_is_public(store: RawStore, write: WritePage) -> None:
    """A ::/0 route to an internet gateway also makes a subnet public."""
    table = {
        "RouteTableId": "rtb-v6",
        "VpcId": "vpc-1",
        "Associations": [{"SubnetId": "subnet-public"}],
        "Routes": [{"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-9"}],
    }
    write("ec2", "DescribeSubnets", {"Subnets": SUBNETS[:1]})
    write("ec2", "DescribeRouteTables", {"RouteTables": [table]})
    assert tri(row_of(build_subnets(store), "subnet-public")["public"]) is True


def test_subnet_groups(store: RawStore, write: WritePage) -> None:
    """Subnet groups list sorted subnets and AZs, count AZs and flag the default group."""
    groups = [
        {
            "CacheSubnetGroupName": "default",
            "VpcId": "vpc-1",
            "Subnets": [
                {
                    "SubnetIdentifier": "subnet-public",
                    "SubnetAvailabilityZone": {"Name": "us-east-1a"},
                },
                {"SubnetIdentifier": "subnet-x", "SubnetAvailabilityZone": {"Name": "us-east-1a"}},
            ],
        },
        {
            "CacheSubnetGroupName": "private-subnets",
            "VpcId": "vpc-1",
            "Subnets": [
                {"SubnetIdentifier": "subnet-b", "SubnetAvailabilityZone": {"Name": "us-east-1b"}},
                {"SubnetIdentifier": "subnet-a", "SubnetAvailabilityZone": {"Name": "us-east-1a"}},
            ],
        },
    ]
    write("elasticache", "DescribeCacheSubnetGroups", {"CacheSubnetGroups": groups})
    frame = build_subnet_groups(store)
    SCHEMAS["subnet_groups"].validate(frame)
    default = row_of(frame, "default")
    assert tri(default["is_default"]) is True
    assert default["az_count"] == 1
    private = row_of(frame, "private-subnets")
    assert json.loads(private["subnet_ids"]) == ["subnet-a", "subnet-b"]
    assert json.loads(private["availability_zones"]) == ["us-east-1a", "us-east-1b"]
    assert private["az_count"] == 2


def test_security_group_rules_one_row_per_source(store: RawStore, write: WritePage) -> None:
    """Each (permission, source) is a row; -1 keeps <NA> ports and an 'all' rule key."""
    group = {
        "GroupId": "sg-open",
        "GroupName": "cache-open",
        "VpcId": "vpc-1",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 6379,
                "ToPort": 6379,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "oops"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "UserIdGroupPairs": [{"GroupId": "sg-app"}],
                "PrefixListIds": [{"PrefixListId": "pl-1"}],
            }
        ],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    }
    write("ec2", "DescribeSecurityGroups", {"SecurityGroups": [group]})
    frame = build_security_group_rules(store)
    SCHEMAS["security_group_rules"].validate(frame)
    assert sorted(frame["rule_key"]) == [
        "egress:-1:all:0.0.0.0/0",
        "ingress:tcp:6379-6379:0.0.0.0/0",
        "ingress:tcp:6379-6379:::/0",
        "ingress:tcp:6379-6379:pl-1",
        "ingress:tcp:6379-6379:sg-app",
    ]
    world = frame[frame["rule_key"] == "ingress:tcp:6379-6379:0.0.0.0/0"].iloc[0]
    assert world["from_port"] == 6379
    assert world["rule_description"] == "oops"
    assert world["resource_arn"] == "arn:aws:ec2:us-east-1:111122223333:security-group/sg-open"
    egress = frame[frame["direction"] == "egress"].iloc[0]
    assert egress["from_port"] is pd.NA
    assert egress["ip_protocol"] == "-1"
    peer = frame[frame["source_group_id"] == "sg-app"].iloc[0]
    assert peer["cidr"] is pd.NA


def test_subnet_group_zones_fall_back_to_ec2(store: RawStore, write: WritePage) -> None:
    """Without AZ names in the group, AZs come from DescribeSubnets; unknown ones give <NA>."""
    groups = [
        {
            "CacheSubnetGroupName": "known",
            "Subnets": [
                {"SubnetIdentifier": "subnet-public", "SubnetAvailabilityZone": {}},
                {"SubnetIdentifier": "subnet-private", "SubnetAvailabilityZone": {}},
            ],
        },
        {
            "CacheSubnetGroupName": "unknown",
            "Subnets": [
                {"SubnetIdentifier": "subnet-public", "SubnetAvailabilityZone": {}},
                {"SubnetIdentifier": "subnet-missing", "SubnetAvailabilityZone": {}},
            ],
        },
    ]
    group_page = write("elasticache", "DescribeCacheSubnetGroups", {"CacheSubnetGroups": groups})
    subnet_page = write("ec2", "DescribeSubnets", {"Subnets": SUBNETS})
    frame = build_subnet_groups(store)
    known = row_of(frame, "known")
    assert json.loads(known["availability_zones"]) == ["us-east-1a", "us-east-1b"]
    assert known["az_count"] == 2
    assert known["raw_path"] == ";".join(sorted([group_page, subnet_page]))
    unknown = row_of(frame, "unknown")
    assert json.loads(unknown["availability_zones"]) == ["us-east-1a"]
    assert unknown["az_count"] is pd.NA
