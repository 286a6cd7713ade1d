"""The demo network, keys and topics, as stock boto3 clients read them over HTTP."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.fixtures_demo import SeededEndpoint


def _client(demo: SeededEndpoint, service: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, endpoint_url=demo.url, region_name=region)


def test_public_subnet_routes_to_an_internet_gateway(demo_endpoint):
    """The public subnet's route table sends 0.0.0.0/0 to an internet gateway."""
    ec2, fleet = _client(demo_endpoint, "ec2"), demo_endpoint.fleet
    public = fleet.subnets["public-a"]
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [public]}]
    )["RouteTables"]
    routes = [r for t in tables for r in t["Routes"]]
    gateway = [r for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert gateway and gateway[0]["GatewayId"].startswith("igw-")
    subnet = ec2.describe_subnets(SubnetIds=[public])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is True


def test_private_subnets_span_three_zones(demo_endpoint):
    """The private subnets sit in three AZs of the production VPC."""
    ec2, fleet = _client(demo_endpoint, "ec2"), demo_endpoint.fleet
    ids = [fleet.subnets[f"private-{zone}"] for zone in "abc"]
    subnets = ec2.describe_subnets(SubnetIds=ids)["Subnets"]
    assert {s["AvailabilityZone"] for s in subnets} == {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert {s["VpcId"] for s in subnets} == {fleet.vpc_ids["us-east-1"]}


@pytest.mark.parametrize(
    ("name", "subnet_count"),
    [("nwh-cache-private", 3), ("nwh-cache-single-az", 1), ("nwh-cache-mixed-public", 2)],
    ids=["private", "single-az", "public"],
)
def test_cache_subnet_groups(demo_endpoint, name, subnet_count):
    """Each cache subnet group holds its subnets, each in a distinct, named AZ."""
    client = _client(demo_endpoint, "elasticache")
    group = client.describe_cache_subnet_groups(CacheSubnetGroupName=name)
    subnets = group["CacheSubnetGroups"][0]["Subnets"]
    assert len(subnets) == subnet_count
    zones = {s["SubnetAvailabilityZone"]["Name"] for s in subnets}
    assert zones <= {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert len(zones) == subnet_count


def test_mixed_subnet_group_includes_the_public_subnet(demo_endpoint):
    """The misconfigured subnet group includes the public subnet."""
    client, fleet = _client(demo_endpoint, "elasticache"), demo_endpoint.fleet
    group = client.describe_cache_subnet_groups(CacheSubnetGroupName="nwh-cache-mixed-public")
    ids = [s["SubnetIdentifier"] for s in group["CacheSubnetGroups"][0]["Subnets"]]
    assert fleet.subnets["public-a"] in ids


def _ingress(ec2: Any, group_id: str) -> list[dict[str, Any]]:
    groups = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return groups[0]["IpPermissions"]


def test_security_groups_open_and_restricted(demo_endpoint):
    """One group is open to 0.0.0.0/0, one to ::/0, one only to the app security group."""
    ec2, sg = _client(demo_endpoint, "ec2"), demo_endpoint.fleet.security_groups
    open_v4 = _ingress(ec2, sg["open-ipv4"])[0]
    assert open_v4["IpRanges"][0]["CidrIp"] == "0.0.0.0/0"
    assert (open_v4["FromPort"], open_v4["ToPort"]) == (6379, 6380)
    assert _ingress(ec2, sg["open-ipv6"])[0]["Ipv6Ranges"][0]["CidrIpv6"] == "::/0"
    restricted = _ingress(ec2, sg["restricted"])[0]
    assert restricted["UserIdGroupPairs"][0]["GroupId"] == sg["app"]
    assert restricted["IpRanges"] == []


def test_customer_managed_key_exists(demo_endpoint):
    """The cache CMK is a customer-managed, enabled KMS key."""
    kms, fleet = _client(demo_endpoint, "kms"), demo_endpoint.fleet
    key = kms.describe_key(KeyId=fleet.kms_key_arn)["KeyMetadata"]
    assert (key["KeyManager"], key["Enabled"]) == ("CUSTOMER", True)


def test_topics_exist_except_the_retired_one(demo_endpoint):
    """The cache event topic exists; the topic the Valkey group names does not."""
    sns, fleet = _client(demo_endpoint, "sns"), demo_endpoint.fleet
    arns = {t["TopicArn"] for t in sns.list_topics()["Topics"]}
    assert fleet.topics["cache-events"] in arns
    assert fleet.topics["missing"] not in arns


def test_default_vpc_main_route_table_reaches_the_internet(demo_endpoint):
    """As in AWS, the default VPC's main route table routes 0.0.0.0/0 to a gateway."""
    ec2 = _client(demo_endpoint, "ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    routes = {r.get("DestinationCidrBlock"): r.get("GatewayId", "") for r in tables[0]["Routes"]}
    assert routes["0.0.0.0/0"].startswith("igw-")
