"""CloudTrail log file delivery per day: the ``cloudtrail_log_files`` frame and its reading.

The archive collection lists every day of the audit period under each trail bucket and prefix
(``s3`` / ``ListObjectsV2``, request ``Prefix`` ``<prefix>/AWSLogs/<account>/CloudTrail/
<region>/YYYY/MM/DD/``) and reads the listed log files into ``cloudtrail-archive`` pages whose
``sources`` name each file read. One row per (account, log region, bucket, prefix, day) says
whether the listing succeeded and how many log files, bytes and records it held.

A day listed successfully with no log file is a day without delivered logs. A day whose
listing failed is a gap: nothing is known about its files.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evidence_lib.cloudtrail_archive import is_log_key, iter_archive_pages
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.rawstore import RawPage, RawStore

logger = logging.getLogger(__name__)

FRAME = "cloudtrail_log_files"
RESOURCE_TYPE = "log_day"
DAY_PREFIX = re.compile(
    r"^(?P<root>(?:.*/)?)AWSLogs/(?P<account>\d{12})/CloudTrail/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/$"
)

#: Delivery states of one account, log region and day (see ``delivery_days``).
DELIVERED, NO_FILES, NOT_LISTED = "delivered", "no files", "not listed"


@dataclass
class _Day:
    """What the raw evidence tells about one bucket, day prefix and day."""

    account_id: str
    region: str
    bucket: str
    root: str
    day: pd.Timestamp
    pages_ok: int = 0
    pages_failed: int = 0
    error_code: str | None = None
    log_files: int = 0
    bytes: int = 0
    files_read: int = 0
    records_total: int = 0
    paths: list[str] = field(default_factory=list)


def _parse_prefix(prefix: str) -> dict[str, str] | None:
    match = DAY_PREFIX.match(prefix or "")
    return match.groupdict() if match else None


def _day_of(days: dict[tuple[str, str], _Day], bucket: str, prefix: str) -> _Day | None:
    """Return the record of ``bucket``/``prefix`` (created on first sight), None if no day."""
    parts = _parse_prefix(prefix)
    if parts is None:
        return None
    key = (bucket, prefix)
    if key not in days:
        day = pd.Timestamp(f"{parts['y']}-{parts['m']}-{parts['d']}", tz="UTC")
        root = parts["root"].rstrip("/")
        days[key] = _Day(parts["account"], parts["region"], bucket, root, day)
    return days[key]


def _add_listing(days: dict[tuple[str, str], _Day], page: RawPage) -> None:
    bucket = str(page.request.get("Bucket") or "")
    day = _day_of(days, bucket, str(page.request.get("Prefix") or ""))
    if day is None:
        return
    day.paths.append(page.path)
    if page.outcome != "ok":
        day.pages_failed += 1
        day.error_code = str((page.error or {}).get("code") or "Unknown")
        return
    day.pages_ok += 1
    logs = [item for item in (page.response or {}).get("Contents") or [] if _is_log(item)]
    day.log_files += len(logs)
    day.bytes += sum(int(item.get("Size") or 0) for item in logs)


def _is_log(item: Any) -> bool:
    return isinstance(item, dict) and is_log_key(str(item.get("Key") or ""))


def _add_sources(days: dict[tuple[str, str], _Day], path: str, sources: Iterable[Any]) -> None:
    for source in sources:
        if not isinstance(source, dict):
            continue
        # NOTE: a file counts only on a day whose listing is stored; sources create no day.
        key = str(source.get("key") or "")
        day = days.get((str(source.get("bucket") or ""), key.rsplit("/", 1)[0] + "/"))
        if day is None or not day.pages_ok:
            continue
        day.files_read += 1
        day.records_total += int(source.get("records_total") or 0)
        if path not in day.paths:
            day.paths.append(path)


def _row(day: _Day) -> dict[str, Any]:
    prefix = f"{day.root}/" if day.root else ""
    day_prefix = f"{prefix}AWSLogs/{day.account_id}/CloudTrail/{day.region}/{day.day:%Y/%m/%d}/"
    listed = day.pages_ok > 0 and day.pages_failed == 0
    return {
        "account_id": day.account_id,
        "region": day.region,
        "resource_type": RESOURCE_TYPE,
        "resource_id": f"s3://{day.bucket}/{day_prefix}",
        "resource_arn": f"arn:aws:s3:::{day.bucket}/{day_prefix}",
        "bucket": day.bucket,
        "key_prefix": day.root,
        "day_time": day.day,
        "listed": listed,
        "list_error_code": day.error_code,
        "log_files": day.log_files if listed else None,
        "bytes": day.bytes if listed else None,
        "files_read": day.files_read if listed else None,
        "records_total": day.records_total if listed else None,
        "raw_path": ";".join(day.paths),
    }


def build_cloudtrail_log_files(store: RawStore) -> pd.DataFrame:
    """Build the ``cloudtrail_log_files`` frame from the archive listings and pages.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        One row per (account_id, region, bucket, key_prefix, day_time), sorted that way:
        ``region`` is the log region of the files, ``resource_id`` the day's
        ``s3://bucket/prefix``; ``listed`` (False when a listing page of the day failed),
        ``list_error_code``, ``log_files`` and ``bytes`` (log files listed, digests
        excluded), ``files_read`` and ``records_total`` (from the archive pages' sources);
        the counts are <NA> on a day that was not listed. ``raw_path`` names the listing
        and archive pages.
    """
    started = time.monotonic()
    days: dict[tuple[str, str], _Day] = {}
    for page in store.iter_pages("s3", "ListObjectsV2"):
        _add_listing(days, page)
    for path, document in iter_archive_pages(store.run_dir):
        _add_sources(days, path, document.get("sources") or [])

    schema = SCHEMAS[FRAME]
    rows = [_row(day) for day in days.values()]
    frame = pd.DataFrame(rows, columns=list(schema.all_columns)) if rows else schema.empty()
    frame = schema.coerce(frame)
    order = ["account_id", "region", "bucket", "key_prefix", "day_time"]
    frame = frame.sort_values(order, kind="stable").reset_index(drop=True)
    logger.info(
        "%s: %s day(s) listed, %s without log files, in %.1f s",
        FRAME,
        int(frame["listed"].sum()),
        int(frame["log_files"].eq(0).sum()),
        time.monotonic() - started,
    )
    return frame


def delivery_days(log_files: pd.DataFrame) -> pd.DataFrame:
    """Return the delivery state of each account, log region and day, over all trail prefixes.

    Parameters
    ----------
    log_files : pandas.DataFrame
        The ``cloudtrail_log_files`` frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id``, ``region``, ``day_time``, ``state`` and ``raw_path``: state
        ``delivered`` when any prefix holds a log file that day, ``no files`` when every
        listing of the day succeeded and none holds one, ``not listed`` otherwise (a gap).
        A prefix that never held a file in the period (a trail that is not logging there)
        does not count while another prefix of the account and region did.
    """
    columns = ["account_id", "region", "day_time", "state", "raw_path"]
    if log_files.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    place = ["account_id", "region", "bucket", "key_prefix"]
    files = log_files["log_files"].fillna(0)
    used = files.groupby([log_files[c] for c in place], dropna=False).transform("sum").gt(0)
    region_used = used.groupby([log_files["account_id"], log_files["region"]]).transform("any")
    rows = log_files.loc[used | ~region_used]
    keys = ["account_id", "region", "day_time"]
    grouped = rows.assign(
        has_files=rows["log_files"].fillna(0).gt(0),
        failed=~rows["listed"].fillna(False).astype(bool),
    ).groupby(keys, dropna=False)
    out = grouped.agg(
        has_files=("has_files", "any"),
        failed=("failed", "any"),
        raw_path=("raw_path", lambda s: ";".join(s.dropna().astype(str))),
    ).reset_index()
    out["state"] = NO_FILES
    out.loc[out["failed"], "state"] = NOT_LISTED
    out.loc[out["has_files"], "state"] = DELIVERED
    return out.loc[:, columns]
