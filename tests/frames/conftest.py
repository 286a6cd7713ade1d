"""Fixtures of the frame tests: a raw store in a temporary run folder and a page writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidence_lib.rawstore import RawStore

from .helpers import WritePage

ACCOUNT = "111122223333"
REGION = "us-east-1"


@pytest.fixture
def store(tmp_path: Path) -> RawStore:
    """Return an empty raw store in a temporary run folder."""
    return RawStore(tmp_path / "run")


@pytest.fixture
def write(store: RawStore) -> WritePage:
    """Write one raw page into ``store`` and return its path."""

    def _write(
        service: str,
        operation: str,
        response: dict[str, Any] | None = None,
        *,
        request: dict[str, Any] | None = None,
        region: str = REGION,
        account_id: str = ACCOUNT,
        outcome: str = "ok",
        error: dict[str, Any] | None = None,
    ) -> str:
        return store.write_page(
            service=service,
            operation=operation,
            account_id=account_id,
            region=region,
            request=request or {},
            response=response,
            outcome=outcome,
            error=error,
        )

    return _write
