"""Collection of CloudTrail events: LookupEvents pages and the S3 archive, into raw evidence.

``collect_events`` is called by ``collect_run`` after the other collectors, so that the
trails' DescribeTrails pages (their buckets and key prefixes) are already stored.

- LookupEvents answers for at most 90 days back; the audit period is clipped to that. It is
  called per account, region and event source of interest (``LookupAttributes`` EventSource),
  50 events a page, and paced to the documented 2 requests per second per account and region.
- The S3 archive is read day by day and file by file (see ``evidence_lib.cloudtrail_archive``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evidence_lib.cloudtrail_archive import (
    CLOUDTRAIL_SOURCE,
    FAILURES,
    ArchiveScope,
    ArchiveTarget,
    ArchiveWriter,
    collect_archive_day,
    error_of,
)
from evidence_lib.rawstore import RawStore

logger = logging.getLogger(__name__)

LOOKUP_DAYS = 90
LOOKUP_PAGE_SIZE = 50
LOOKUP_PER_SECOND = 2.0

ClientFactory = Callable[[str, str, str], Any]
"""Return a boto3 client for ``(account_id, service, region)``."""


@dataclass
class RateLimiter:
    """Space calls with the same key at least ``1 / per_second`` seconds apart (thread-safe)."""

    per_second: float = LOOKUP_PER_SECOND
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: dict[Any, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, key: Any) -> None:
        """Block until a call with ``key`` is allowed, and claim that slot."""
        with self._lock:
            now = self.clock()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + 1.0 / self.per_second
        if slot > now:
            self.sleep(slot - now)


def period_bounds(period: Any, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Return the audit period as UTC datetimes: start of its first day to end of its last.

    Parameters
    ----------
    period : evidence_lib.params.Period
        ``start`` and ``end`` dates, both included.
    now : datetime
        The present (UTC); the end never lies after it.

    Returns
    -------
    tuple of datetime
        Start (included) and end (excluded).
    """
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return start, min(end, now)


def period_days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """Return every day from ``start`` up to (excluding) ``end``."""
    days, day = [], start.date()
    while dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) < end:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def collect_lookup_events(
    store: RawStore,
    client: Any,
    account_id: str,
    region: str,
    event_source: str,
    window: tuple[dt.datetime, dt.datetime],
    limiter: RateLimiter,
) -> int:
    """Store every LookupEvents page of one event source in one account and region.

    Parameters
    ----------
    store : RawStore
        The run's raw store (pages: ``cloudtrail`` / ``LookupEvents``).
    client : botocore client
        CloudTrail client of the account and region.
    account_id, region : str
        Where the calls are made.
    event_source : str
        The ``EventSource`` lookup attribute, e.g. ``elasticache.amazonaws.com``.
    window : tuple of datetime
        ``StartTime`` and ``EndTime``.
    limiter : RateLimiter
        Paces the calls per account and region.

    Returns
    -------
    int
        The number of events stored; a failed call is stored as an error page (a gap).
    """
    request: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": event_source}],
        "StartTime": window[0],
        "EndTime": window[1],
        "MaxResults": LOOKUP_PAGE_SIZE,
    }
    page_write: dict[str, Any] = {"service": "cloudtrail", "operation": "LookupEvents"}
    events = 0
    while True:
        limiter.wait((account_id, region))
        try:
            page = client.lookup_events(**request)
        except FAILURES as exc:
            code, message = error_of(exc)
            error = {"code": code, "message": message}
            path = store.write_page(
                **page_write, account_id=account_id, region=region, request=request,
                outcome="error", error=error,
            )  # fmt: skip
            logger.warning("LookupEvents gap %s: %s %s", path, code, message)
            return events
        store.write_page(
            **page_write, account_id=account_id, region=region, request=request, response=page
        )
        events += len(page.get("Events", []))
        if not page.get("NextToken"):
            return events
        request = {**request, "NextToken": page["NextToken"]}


def archive_targets(store: RawStore, params: Any, account_id: str) -> list[ArchiveTarget]:
    """Return the buckets and prefixes holding an account's CloudTrail log files.

    ``params.cloudtrail.archive_buckets`` when set (with ``archive_prefix``), otherwise the
    buckets and key prefixes of the trails in the account's stored DescribeTrails pages.
    """
    settings = params.cloudtrail
    first_region = params.aws.regions[0]
    if settings.archive_buckets:
        prefix = settings.archive_prefix or ""
        return [ArchiveTarget(b, prefix, first_region) for b in settings.archive_buckets]
    targets: dict[tuple[str, str], ArchiveTarget] = {}
    for page in store.iter_pages("cloudtrail", "DescribeTrails"):
        if page.account_id != account_id or page.outcome != "ok" or not page.response:
            continue
        for trail in page.response.get("trailList", []):
            bucket = trail.get("S3BucketName")
            prefix = settings.archive_prefix or trail.get("S3KeyPrefix") or ""
            if bucket and (bucket, prefix) not in targets:
                region = trail.get("HomeRegion") or page.region
                targets[(bucket, prefix)] = ArchiveTarget(bucket, prefix, region)
    return list(targets.values())


def _archive_steps(
    store: RawStore, params: Any, sessions: list[Any], client_factory: ClientFactory
) -> Iterator[tuple[ArchiveScope, ArchiveWriter]]:
    """Yield the scope and page writer of each account, log region and archive target."""
    wanted = frozenset(params.cloudtrail.event_sources) | {CLOUDTRAIL_SOURCE}
    for session in sessions:
        account_id = session.account_id
        targets = archive_targets(store, params, account_id)
        if not targets:
            logger.warning("account %s: no CloudTrail archive bucket known; skipped", account_id)
        for target in targets:
            client = client_factory(account_id, "s3", target.region)
            for region in params.aws.regions:
                scope = ArchiveScope(store, client, account_id, region, target, wanted)
                request = {
                    "bucket": target.bucket,
                    "prefix": target.region_prefix(account_id, region),
                }
                yield scope, ArchiveWriter(store.run_dir, account_id, region, request)


def _lookup_all(
    store: RawStore,
    params: Any,
    sessions: list[Any],
    client_factory: ClientFactory,
    window: tuple[dt.datetime, dt.datetime],
    limiter: RateLimiter,
) -> int:
    """Collect LookupEvents for every account, region and event source; return the events.

    Account-regions run in parallel (``params.aws.max_workers``): the quota is per account
    and region, so each one's event sources are looked up in turn, paced by ``limiter``.
    """

    def one(account_id: str, region: str) -> int:
        client = client_factory(account_id, "cloudtrail", region)
        return sum(
            collect_lookup_events(store, client, account_id, region, source, window, limiter)
            for source in params.cloudtrail.event_sources
        )

    scopes = [(s.account_id, region) for s in sessions for region in params.aws.regions]
    with ThreadPoolExecutor(_workers(params), thread_name_prefix="lookup-events") as pool:
        return sum(pool.map(lambda scope: one(*scope), scopes))


def _workers(params: Any) -> int:
    return max(1, int(getattr(params.aws, "max_workers", 1) or 1))


def collect_events(
    run_dir: Path,
    params: Any,
    sessions: list[Any],
    client_factory: ClientFactory,
    progress: bool,
    store: RawStore | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Collect the audit period's CloudTrail events into the run folder's raw evidence.

    Parameters
    ----------
    run_dir : Path
        The run folder.
    params : evidence_lib.params.Params
        ``run.period``, ``aws.regions`` and ``cloudtrail`` (sources, archive buckets and
        prefix, event sources) are used.
    sessions : list of evidence_lib.session.AccountSession
        One per account (only ``account_id`` is read).
    client_factory : callable
        ``(account_id, service, region) -> client``.
    progress : bool
        Show a progress bar (accounts x regions x days of the archive) on stderr.
    store : RawStore, optional
        The run's raw store (default: a new one on ``run_dir``).
    now : datetime, optional
        The run's present, UTC (default: now): the period ends there at the latest.
    """
    # NOTE: collect_run passes the parameters by name from its RunContext.
    collect_events_until(
        now or dt.datetime.now(dt.UTC),
        store if store is not None else RawStore(run_dir),
        params,
        sessions,
        client_factory,
        progress=progress,
    )


def collect_events_until(
    now: dt.datetime,
    store: RawStore,
    params: Any,
    sessions: list[Any],
    client_factory: ClientFactory,
    *,
    progress: bool = False,
    limiter: RateLimiter | None = None,
) -> None:
    """Collect CloudTrail events as ``collect_events`` does, with the present and pacing given.

    Parameters
    ----------
    now : datetime
        The present, UTC; the period never reaches past it, LookupEvents not 90 days before.
    store, params, sessions, client_factory, progress
        As for ``collect_events``.
    limiter : RateLimiter, optional
        Paces LookupEvents (default: 2 calls per second per account and region).
    """
    start, end = period_bounds(params.run.period, now)
    sources = params.cloudtrail.sources
    started = time.monotonic()
    if "lookup_events" in sources:
        window = (max(start, now - dt.timedelta(days=LOOKUP_DAYS)), end)
        if window[0] < window[1]:
            limiter = limiter or RateLimiter()
            events = _lookup_all(store, params, sessions, client_factory, window, limiter)
            logger.info("LookupEvents: %s event(s) in %.1f s", events, time.monotonic() - started)
        else:
            logger.info("LookupEvents skipped: the period ended more than 90 days ago")
    if "s3_archive" in sources:
        _collect_archive(store, params, sessions, client_factory, period_days(start, end), progress)


def _collect_archive(
    store: RawStore,
    params: Any,
    sessions: list[Any],
    client_factory: ClientFactory,
    days: list[dt.date],
    progress: bool,
) -> None:
    """Read the archive day by day for every account, region and target, with progress."""
    started, files = time.monotonic(), 0
    steps = list(_archive_steps(store, params, sessions, client_factory))
    workers = _workers(params)
    # NOTE: disable=None turns the bar off when stderr is not a terminal (logs, CI).
    bar = tqdm(
        total=len(steps) * len(days),
        desc="cloudtrail archive",
        unit="day",
        disable=None if progress else True,
    )
    with bar, ThreadPoolExecutor(workers, thread_name_prefix="cloudtrail-archive") as pool:
        for scope, writer in steps:
            for day in days:
                files += collect_archive_day(scope, writer, day, pool)
                bar.update(1)
            writer.flush()
    logger.info("S3 archive: %s log file(s) read in %.1f s", files, time.monotonic() - started)
