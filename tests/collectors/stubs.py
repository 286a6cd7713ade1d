"""Helpers for collector tests on recorded responses fed through botocore's Stubber."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
from botocore.client import BaseClient
from botocore.stub import Stubber

from evidence_lib.collectors.context import CollectContext
from evidence_lib.rawstore import RawStore

ACCOUNT = "123456789012"
REGION = "us-east-1"


class StubbedClients:
    """A client factory whose clients are stubbed; one client per (service, region)."""

    def __init__(self) -> None:
        self._session = botocore.session.get_session()
        self.clients: dict[tuple[str, str], BaseClient] = {}
        self.stubbers: dict[tuple[str, str], Stubber] = {}

    def __call__(self, service: str, region: str) -> BaseClient:
        key = (service, region)
        if key not in self.clients:
            client = self._session.create_client(
                service,
                region_name=REGION if region == "global" else region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            self.clients[key] = client
            self.stubbers[key] = Stubber(client)
            self.stubbers[key].activate()
        return self.clients[key]

    def stub(self, service: str, region: str = REGION) -> Stubber:
        """Return the (active) Stubber of one service and region."""
        self(service, region)
        return self.stubbers[(service, region)]

    def assert_no_pending(self) -> None:
        """Fail when a queued response was not used."""
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def make_context(tmp_path: Path, clients: StubbedClients, region: str = REGION) -> CollectContext:
    """Return a collection context on a fresh raw store in ``tmp_path``."""
    return CollectContext(RawStore(tmp_path), ACCOUNT, region, clients)


def stored(tmp_path: Path, pattern: str = "**/*.json") -> list[dict[str, Any]]:
    """Return the stored raw pages under ``tmp_path/raw`` matching ``pattern``, sorted by path."""
    paths = sorted((tmp_path / "raw").glob(pattern))
    return [json.loads(p.read_text(encoding="utf-8")) | {"_path": p} for p in paths]


def iter_operations(pages: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """Yield (region, service, operation) of each page."""
    for page in pages:
        yield page["region"], page["service"], page["operation"]
