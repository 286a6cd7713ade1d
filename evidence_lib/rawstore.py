"""The raw evidence store: one JSON file per API response page, never edited.

Layout inside a run folder::

    raw/<account_id>/<region>/<service>/<Operation>/<NNNN>.json

Each file holds ``service``, ``operation``, ``account_id``, ``region``, ``request``,
``collected_at`` (ISO-8601 UTC), ``outcome`` and either ``response`` (the botocore response,
``ResponseMetadata`` kept, datetimes as ISO-8601 UTC strings) or ``error``.

``outcome`` is one of:

- ``ok``: the call succeeded; ``response`` holds the page.
- ``not_configured``: AWS answered with an error that means "nothing is configured"
  (NoSuchLifecycleConfiguration, ObjectLockConfigurationNotFoundError, NotFound for a
  topic, ...). That is evidence, not a gap.
- ``error``: the call failed (AccessDenied, unsupported, timeout): a gap.

Pages are numbered per (account, region, service, operation) in the order they were written.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUTCOMES = ("ok", "not_configured", "error")


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "read"):
        return "<stream>"
    raise TypeError(f"cannot store {type(value).__name__} in raw evidence")


def utc_now_iso() -> str:
    """Return the current time as an ISO-8601 UTC string with a ``Z`` suffix."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class RawPage:
    """One stored response page (or failed call) with its provenance."""

    path: str
    service: str
    operation: str
    account_id: str
    region: str
    request: dict[str, Any]
    collected_at: str
    outcome: str
    response: dict[str, Any] | None
    error: dict[str, Any] | None


class RawStore:
    """Write and read the raw evidence of one run folder (thread-safe for writing)."""

    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.run_dir = Path(run_dir)
        self.root = self.run_dir / "raw"
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, ...], itertools.count[int]] = {}

    def _next_number(self, key: tuple[str, ...], folder: Path) -> int:
        with self._lock:
            if key not in self._counters:
                existing = len(list(folder.glob("*.json"))) if folder.exists() else 0
                self._counters[key] = itertools.count(existing + 1)
            return next(self._counters[key])

    def write_page(
        self,
        *,
        service: str,
        operation: str,
        account_id: str,
        region: str,
        request: Mapping[str, Any],
        response: Mapping[str, Any] | None = None,
        outcome: str = "ok",
        error: Mapping[str, Any] | None = None,
    ) -> str:
        """Store one page and return its path relative to the run folder."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r}; accepted: {', '.join(OUTCOMES)}")
        key = (account_id, region, service, operation)
        folder = self.root.joinpath(*key)
        number = self._next_number(key, folder)
        folder.mkdir(parents=True, exist_ok=True)
        document = {
            "service": service,
            "operation": operation,
            "account_id": account_id,
            "region": region,
            "request": dict(request),
            "collected_at": utc_now_iso(),
            "outcome": outcome,
            "response": dict(response) if response is not None else None,
            "error": dict(error) if error is not None else None,
        }
        text = json.dumps(document, default=_json_default, indent=1, sort_keys=False)
        path = folder / f"{number:04d}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return path.relative_to(self.run_dir).as_posix()

    def iter_pages(
        self, service: str | None = None, operation: str | None = None
    ) -> Iterator[RawPage]:
        """Yield stored pages, optionally of one service and operation, in a stable order."""
        pattern = f"*/*/{service or '*'}/{operation or '*'}/*.json"
        for path in sorted(self.root.glob(pattern)):
            document = json.loads(path.read_text(encoding="utf-8"))
            yield RawPage(
                path=path.relative_to(self.run_dir).as_posix(),
                service=document["service"],
                operation=document["operation"],
                account_id=document["account_id"],
                region=document["region"],
                request=document.get("request") or {},
                collected_at=document["collected_at"],
                outcome=document.get("outcome", "ok"),
                response=document.get("response"),
                error=document.get("error"),
            )
