"""Tests of the frames of the collected demo run: every seeded resource, with its values."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from evidence_lib.frames import build_frames, load_frames
from evidence_lib.frames.schema import SCHEMAS
from tests.fixtures_demo import SeededEndpoint

from .helpers import row_of, tri


@pytest.fixture(scope="module")
def frames(demo_run: Path) -> dict[str, pd.DataFrame]:
    """Return the demo run's frames, read back from parquet."""
    return load_frames(demo_run)


def test_every_frame_matches_its_schema(frames: dict[str, pd.DataFrame]) -> None:
    """Every declared frame of the demo run loads with its declared columns and dtypes."""
    assert list(frames) == list(SCHEMAS)
    for name, frame in frames.items():
        SCHEMAS[name].validate(frame)


def test_every_seeded_cache_is_a_row(
    frames: dict[str, pd.DataFrame], demo_endpoint: SeededEndpoint
) -> None:
    """Every seeded group, member cluster, standalone cluster and serverless cache is present."""
    fleet = demo_endpoint.fleet
    groups = frames["replication_groups"]
    assert set(fleet.groups.values()) <= set(groups["resource_id"])
    clusters = set(frames["cache_clusters"]["resource_id"])
    assert set(fleet.clusters.values()) <= clusters
    for members in groups["member_cluster_ids"]:
        assert set(json.loads(members)) <= clusters
    assert set(fleet.serverless.values()) <= set(frames["serverless_caches"]["resource_id"])
    assert row_of(groups, fleet.groups["dr_west"])["region"] == "us-west-2"


def test_hardened_group_uses_customer_managed_key(
    frames: dict[str, pd.DataFrame], demo_endpoint: SeededEndpoint
) -> None:
    """The hardened group's KMS key resolves, through kms_keys, to a CUSTOMER key."""
    group = row_of(frames["replication_groups"], demo_endpoint.fleet.groups["hardened"])
    assert group["kms_key_id"] == demo_endpoint.fleet.kms_key_arn
    keys = frames["kms_keys"]
    key = keys[(keys["resource_arn"] == group["kms_key_id"])].iloc[0]
    assert key["key_manager"] == "CUSTOMER"
    assert group["transit_encryption_mode"] == "required"
    assert tri(group["multi_az_enabled"]) is True
    assert len(json.loads(group["availability_zones"])) == 3


def test_legacy_group_engine_from_members(
    frames: dict[str, pd.DataFrame], demo_endpoint: SeededEndpoint
) -> None:
    """The legacy group's engine version 3.2.6 is joined from its member clusters."""
    group = row_of(frames["replication_groups"], demo_endpoint.fleet.groups["legacy"])
    assert group["engine_version"] == "3.2.6"
    assert len(group["raw_path"].split(";")) >= 2


def test_public_subnet_is_public(
    frames: dict[str, pd.DataFrame], demo_endpoint: SeededEndpoint
) -> None:
    """The seeded public subnet routes to an internet gateway; the private ones do not."""
    subnets = frames["subnets"]
    fleet_subnets = demo_endpoint.fleet.subnets
    assert tri(row_of(subnets, fleet_subnets["public-a"])["public"]) is True
    for role in ("private-a", "private-b", "private-c"):
        assert tri(row_of(subnets, fleet_subnets[role])["public"]) is False


def test_security_group_open_to_world(
    frames: dict[str, pd.DataFrame], demo_endpoint: SeededEndpoint
) -> None:
    """The world-open security group has an ingress rule from 0.0.0.0/0."""
    rules = frames["security_group_rules"]
    group_id = demo_endpoint.fleet.security_groups["open-ipv4"]
    ingress = rules[(rules["resource_id"] == group_id) & (rules["direction"] == "ingress")]
    assert "0.0.0.0/0" in set(ingress["cidr"].dropna())


def test_rebuild_after_deleting_frames_is_equal(demo_run: Path, tmp_path: Path) -> None:
    """Deleting frames/ of a copy of the demo run and rebuilding gives equal frames."""
    copy = tmp_path / demo_run.name
    shutil.copytree(demo_run, copy)
    shutil.rmtree(copy / "frames")
    rebuilt = build_frames(copy)
    original = load_frames(demo_run)
    for name in SCHEMAS:
        pd.testing.assert_frame_equal(rebuilt[name], original[name], check_exact=True)
    assert (copy / "gaps.csv").read_bytes() == (demo_run / "gaps.csv").read_bytes()
