"""Fixtures of the embedded AWS endpoint: one seeded demo endpoint per test session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from evidence_lib.demo import DemoFleet, seed_demo
from evidence_lib.demo.server import DemoEndpoint

# The demo's present: every seeded timestamp is relative to it. It is the real present (to the
# hour), because collection, the parameters' period keywords and the recency checks all read the
# real clock; a fixed date would drift away from them as the calendar moves on.
DEMO_NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class SeededEndpoint:
    """A running demo endpoint and what was seeded into it."""

    url: str
    fleet: DemoFleet


@pytest.fixture(scope="session")
def demo_endpoint() -> Iterator[SeededEndpoint]:
    """Start the embedded AWS endpoint once per session and seed the demo fleet."""
    endpoint = DemoEndpoint()
    try:
        fleet = seed_demo(endpoint.url, now=DEMO_NOW)
        yield SeededEndpoint(url=endpoint.url, fleet=fleet)
    finally:
        endpoint.stop()


@pytest.fixture
def demo_env(demo_endpoint: SeededEndpoint, monkeypatch: pytest.MonkeyPatch) -> SeededEndpoint:
    """Point boto3 at the demo endpoint for one test (AWS_ENDPOINT_URL)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", demo_endpoint.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return demo_endpoint
