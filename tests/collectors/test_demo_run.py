"""collect_run against the seeded demo endpoint, over HTTP with stock boto3."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from evidence_lib.rawstore import RawStore
from evidence_lib.session import AccountSession
from tests.fixtures_demo import SeededEndpoint
from tests.fixtures_run import collect_demo

REGIONS = ("us-east-1", "us-west-2")
PER_REGION = {
    ("elasticache", op)
    for op in (
        "DescribeReplicationGroups",
        "DescribeCacheClusters",
        "DescribeServerlessCaches",
        "DescribeSnapshots",
        "DescribeServerlessCacheSnapshots",
        "DescribeCacheEngineVersions",
        "DescribeCacheParameterGroups",
        "DescribeCacheSubnetGroups",
        "DescribeUserGroups",
        "DescribeUpdateActions",
    )
} | {
    ("ec2", "DescribeSecurityGroups"),
    ("ec2", "DescribeSubnets"),
    ("ec2", "DescribeRouteTables"),
    ("cloudwatch", "DescribeAlarms"),
    ("logs", "DescribeLogGroups"),
    ("logs", "DescribeMetricFilters"),
    ("cloudtrail", "DescribeTrails"),
}
DENIED = ("us-west-2", "elasticache", "DescribeSnapshots")


def _ok_calls(run_dir: Path) -> set[tuple[str, str, str]]:
    pages = RawStore(run_dir).iter_pages()
    return {(p.region, p.service, p.operation) for p in pages if p.outcome == "ok"}


def _gap_rows(run_dir: Path) -> list[tuple[str, str, str]]:
    with (run_dir / "gaps.csv").open(encoding="utf-8", newline="") as handle:
        return sorted((r["region"], r["service"], r["operation"]) for r in csv.DictReader(handle))


def _items(run_dir: Path, service: str, operation: str, key: str) -> list[dict[str, Any]]:
    pages = RawStore(run_dir).iter_pages(service, operation)
    return [item for p in pages if p.response for item in p.response.get(key) or []]


def test_demo_run_is_complete(demo_run: Path) -> None:
    """The run folder is marked collected, has a manifest, and counts its pages and gaps."""
    meta = json.loads((demo_run / "run.json").read_text(encoding="utf-8"))
    pages = list((demo_run / "raw").rglob("*.json"))

    assert meta["status"] == "collected"
    assert meta["pages"] == len(pages)
    assert meta["gaps"] == len(_gap_rows(demo_run))
    assert meta["caller_identities"]["123456789012"]["Account"] == "123456789012"
    assert (demo_run / "manifest.json").is_file()
    assert (demo_run / "frames" / "replication_groups.parquet").is_file()


def test_demo_run_collects_every_region_and_operation(demo_run: Path) -> None:
    """Every per-region operation answered in both regions; only Artifact is a gap."""
    calls = _ok_calls(demo_run)

    for region in REGIONS:
        assert {(region, s, o) for s, o in PER_REGION} <= calls
    assert ("global", "sts", "GetCallerIdentity") in calls
    assert _gap_rows(demo_run) == [("global", "artifact", "ListCustomerAgreements")]


def test_demo_run_holds_the_seeded_fleet(demo_run: Path, demo_endpoint: SeededEndpoint) -> None:
    """Every seeded replication group, trail status, topic and key is in the raw evidence."""
    fleet = demo_endpoint.fleet
    groups = _items(demo_run, "elasticache", "DescribeReplicationGroups", "ReplicationGroups")
    keys = [p.request["KeyId"] for p in RawStore(demo_run).iter_pages("kms", "DescribeKey")]
    topics = {p.request["TopicArn"] for p in RawStore(demo_run).iter_pages("sns")}

    assert set(fleet.groups.values()) <= {g["ReplicationGroupId"] for g in groups}
    assert fleet.kms_key_arn in keys
    assert len(keys) == len(set(keys))
    assert set(fleet.topics.values()) & topics
    assert {o for _, s, o in _ok_calls(demo_run) if s == "cloudtrail"} >= {
        "GetTrailStatus",
        "GetEventSelectors",
    }
    assert {o for _, s, o in _ok_calls(demo_run) if s == "s3"} >= {"GetBucketLocation"}


def _deny(client: Any, region: str) -> None:
    """Make DescribeSnapshots of ``client`` fail with AccessDenied in the denied region."""
    if (client.meta.region_name, client.meta.service_model.service_name) != DENIED[:2]:
        return

    def refuse(**_: object) -> None:
        error = {"Code": "AccessDenied", "Message": "injected by the test"}
        raise ClientError({"Error": error}, "DescribeSnapshots")

    client.meta.events.register(
        "before-call.elasticache.DescribeSnapshots", refuse, unique_id="test-deny"
    )


def test_access_denied_in_one_region_is_one_gap(
    demo_run: Path, demo_endpoint: SeededEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AccessDenied on one operation in one region leaves one gap; the rest is collected."""
    original = AccountSession.client

    def denying_client(self: AccountSession, service: str, region: str) -> Any:
        client = original(self, service, region)
        _deny(client, region)
        return client

    monkeypatch.setattr(AccountSession, "client", denying_client)

    run_dir = collect_demo(demo_endpoint, tmp_path)

    assert _gap_rows(run_dir) == sorted([DENIED, ("global", "artifact", "ListCustomerAgreements")])
    assert _ok_calls(run_dir) == _ok_calls(demo_run) - {DENIED}
    pages = RawStore(run_dir).iter_pages("elasticache", "DescribeSnapshots")
    [denied] = [p for p in pages if p.region == "us-west-2"]
    assert denied.error is not None and denied.error["code"] == "AccessDenied"
