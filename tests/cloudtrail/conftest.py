"""Fixtures of the CloudTrail tests: a moto server of their own and log files."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.cloudtrail import samples as s

BUCKET = "trail-logs"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """Start a moto server on a free loopback port for one test module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(moto_url: str) -> Iterator[Any]:
    """Return an S3 client on the moto server with an empty bucket ``trail-logs``."""
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def log_file(records: list[dict[str, Any]]) -> bytes:
    """Return a gzip CloudTrail log file holding ``records``, as CloudTrail writes it."""
    return gzip.compress(json.dumps({"Records": records}).encode())


def log_key(day: str, name: str, region: str = "us-east-1", prefix: str = "") -> str:
    """Return the key of a log file in the real layout (``day`` is YYYY/MM/DD)."""
    root = f"{prefix}/" if prefix else ""
    return (
        f"{root}AWSLogs/{s.ACCOUNT}/CloudTrail/{region}/{day}/"
        f"{s.ACCOUNT}_CloudTrail_{region}_{name}.json.gz"
    )
