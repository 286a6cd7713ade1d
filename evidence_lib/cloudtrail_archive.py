"""The CloudTrail S3 archive: log files listed per day, read one by one, kept byte-faithfully.

CloudTrail delivers gzip log files under
``<prefix>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`` (digest files under
``CloudTrail-Digest/`` are not logs and are skipped). Each listing page is stored as a raw page
(``s3`` / ``ListObjectsV2``). The records whose eventSource is of interest are stored, with the
exact text they had in the log file, in archive pages of up to ``PAGE_RECORDS`` records::

    raw/<account_id>/<region>/cloudtrail-archive/<NNNN>.json
    {"service": "cloudtrail-archive", "operation": "S3Archive", "account_id", "region",
     "collected_at", "outcome": "ok", "request": {"bucket", "prefix"},
     "sources": [{"bucket", "key", "etag", "size", "sha256", "records_kept",
                  "records_total"}, ...],
     "records": [<each kept record, its original JSON text spliced in>, ...]}

Every log file read is listed in ``sources``, also when none of its records was kept. A file
that is not valid gzip or JSON, or that holds records lacking eventID, eventTime, eventName or
eventSource, is stored as an ``error`` page (``s3`` / ``GetObject``, code
``MalformedLogFile``), so it shows as a gap; the run goes on.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError
from isal import igzip

from evidence_lib.cloudtrail_decode import DECODE_ERRORS
from evidence_lib.cloudtrail_parse import event_source_of, is_well_formed
from evidence_lib.rawstore import RawStore, utc_now_iso

logger = logging.getLogger(__name__)

ARCHIVE_SERVICE = "cloudtrail-archive"
ARCHIVE_OPERATION = "S3Archive"
PAGE_RECORDS = 5_000
MALFORMED_CODE = "MalformedLogFile"
CLOUDTRAIL_SOURCE = "cloudtrail.amazonaws.com"
DIGEST_MARK = "CloudTrail-Digest"
FAILURES = (ClientError, BotoCoreError)

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class ArchiveTarget:
    """A bucket and key prefix holding CloudTrail log files, and the region of its client."""

    bucket: str
    prefix: str
    region: str

    def day_prefix(self, account_id: str, region: str, day: dt.date) -> str:
        """Return the key prefix of one account's, region's and day's log files."""
        root = f"{self.prefix.strip('/')}/" if self.prefix.strip("/") else ""
        return f"{root}AWSLogs/{account_id}/CloudTrail/{region}/{day:%Y/%m/%d}/"

    def region_prefix(self, account_id: str, region: str) -> str:
        """Return the key prefix of one account's and region's log files."""
        return self.day_prefix(account_id, region, dt.date(2000, 1, 1))[: -len("2000/01/01/")]


def _skip(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    return match.end() if match else index


def _expect(text: str, index: int, char: str) -> int:
    if index >= len(text) or text[index] != char:
        raise ValueError(f"expected {char!r} at offset {index}")
    return _skip(text, index + 1)


def _array_items(text: str, index: int, out: list[tuple[Any, str]]) -> int:
    """Append (value, original text) of each item of the array at ``index``; return its end."""
    index = _expect(text, index, "[")
    while index < len(text) and text[index] != "]":
        value, end = _DECODER.raw_decode(text, index)
        out.append((value, text[index:end]))
        index = _skip(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
    return _expect(text, index, "]")


def split_log_records(text: str) -> list[tuple[Any, str]]:
    """Return (record, original JSON text) of every item of a log file's ``Records`` array.

    Parameters
    ----------
    text : str
        The decompressed log file, ``{"Records": [...]}``.

    Returns
    -------
    list of tuple
        Each record parsed, with the exact text it has in the file.

    Raises
    ------
    ValueError
        When the text is not a JSON object, is truncated or has no ``Records`` array.
    """
    records: list[tuple[Any, str]] = []
    found = False
    index = _expect(text, _skip(text, 0), "{")
    while index < len(text) and text[index] != "}":
        key, index = _DECODER.raw_decode(text, index)
        index = _expect(text, _skip(text, index), ":")
        if key == "Records":
            index, found = _array_items(text, index, records), True
        else:
            index = _skip(text, _DECODER.raw_decode(text, index)[1])
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
    if _expect(text, index, "}") != len(text) or not found:
        raise ValueError("not a CloudTrail log file: no Records array, or text after it")
    return records


@dataclass
class ArchiveWriter:
    """Write the archive pages of one account and log region, ``PAGE_RECORDS`` at most each."""

    run_dir: Path
    account_id: str
    region: str
    request: dict[str, str]
    sources: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def add(self, source: dict[str, Any], texts: list[str]) -> None:
        """Add one log file's kept records; write a page when it is full."""
        if self.texts and len(self.texts) + len(texts) > PAGE_RECORDS:
            self.flush()
        self.sources.append(source)
        self.texts.extend(texts)

    def flush(self) -> None:
        """Write the gathered sources and records as one page (nothing when empty)."""
        if not self.sources:
            return
        folder = self.run_dir / "raw" / self.account_id / self.region / ARCHIVE_SERVICE
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{len(list(folder.glob('*.json'))) + 1:04d}.json"
        head = {
            "service": ARCHIVE_SERVICE,
            "operation": ARCHIVE_OPERATION,
            "account_id": self.account_id,
            "region": self.region,
            "collected_at": utc_now_iso(),
            "outcome": "ok",
            "request": self.request,
            "sources": self.sources,
        }
        # NOTE: the records are spliced in as the text they had in the log file (byte-faithful).
        body = ",\n  ".join(self.texts)
        text = f'{json.dumps(head, indent=1)[:-2]},\n "records": [\n  {body}\n ]\n}}\n'
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        self.paths.append(path.relative_to(self.run_dir).as_posix())
        self.sources, self.texts = [], []


@dataclass(frozen=True)
class ArchiveScope:
    """One account's and log region's files in one archive target, and what to keep."""

    store: RawStore
    client: Any
    account_id: str
    region: str
    target: ArchiveTarget
    event_sources: frozenset[str]

    def _write(self, operation: str, request: dict[str, Any], **page: Any) -> str:
        # NOTE: S3 calls are stored under the bucket's region, like the other S3 evidence.
        return self.store.write_page(
            service="s3",
            operation=operation,
            account_id=self.account_id,
            region=self.target.region,
            request=request,
            **page,
        )

    def gap(self, operation: str, request: dict[str, Any], code: str, message: str) -> None:
        """Store a failed call or a malformed file as an error page and log a WARNING."""
        path = self._write(
            operation, request, outcome="error", error={"code": code, "message": message}
        )
        logger.warning("CloudTrail archive gap %s: %s %s (%s)", path, code, message, operation)

    def list_day(self, day: dt.date) -> list[dict[str, Any]]:
        """List one day's objects, storing every listing page; return the objects."""
        prefix = self.target.day_prefix(self.account_id, self.region, day)
        request: dict[str, Any] = {"Bucket": self.target.bucket, "Prefix": prefix}
        objects: list[dict[str, Any]] = []
        while True:
            try:
                page = self.client.list_objects_v2(**request)
            except FAILURES as exc:
                self.gap("ListObjectsV2", request, *error_of(exc))
                return objects
            logger.debug("stored %s", self._write("ListObjectsV2", request, response=page))
            objects += page.get("Contents", [])
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return objects
            request = {**request, "ContinuationToken": token}


def error_of(exc: Exception) -> tuple[str, str]:
    """Return the code and message of a failed call (never headers or signatures)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return str(error.get("Code") or "Unknown"), str(error.get("Message") or exc)
    return type(exc).__name__, str(exc)


def is_log_key(key: str) -> bool:
    """Return whether an object key is a CloudTrail log file (not a digest file)."""
    return DIGEST_MARK not in key and key.endswith(".json.gz")


@dataclass(frozen=True)
class Fetched:
    """One GetObject: the object's body and ETag, or the failure."""

    key: str
    body: bytes = b""
    etag: str | None = None
    failure: tuple[str, str] | None = None


def fetch_log_file(scope: ArchiveScope, key: str) -> Fetched:
    """Get one object (safe to run in worker threads: it writes nothing)."""
    try:
        answer = scope.client.get_object(Bucket=scope.target.bucket, Key=key)
        return Fetched(key, answer["Body"].read(), answer.get("ETag"))
    except FAILURES as exc:
        return Fetched(key, failure=error_of(exc))


def keep_log_file(scope: ArchiveScope, writer: ArchiveWriter, fetched: Fetched) -> None:
    """Keep a fetched log file's records of interest in ``writer``; report damage as gaps."""
    request = {"Bucket": scope.target.bucket, "Key": fetched.key}
    if fetched.failure:
        scope.gap("GetObject", request, *fetched.failure)
        return
    body = fetched.body
    source: dict[str, Any] = {
        "bucket": scope.target.bucket,
        "key": fetched.key,
        "etag": fetched.etag,
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "records_kept": 0,
        "records_total": 0,
    }
    uri = f"s3://{scope.target.bucket}/{fetched.key}"
    try:
        pairs = split_log_records(igzip.decompress(body).decode("utf-8"))
    except DECODE_ERRORS as exc:
        source["error"] = f"{type(exc).__name__}: {exc}"
        scope.gap("GetObject", request, MALFORMED_CODE, f"{uri}: {source['error']}")
        writer.add(source, [])
        return
    whole = [(record, text) for record, text in pairs if is_well_formed(record)]
    if len(whole) < len(pairs):
        message = f"{uri}: {len(pairs) - len(whole)} record(s) lacking required fields"
        scope.gap("GetObject", request, MALFORMED_CODE, message)
    wanted = scope.event_sources
    kept = [text for record, text in whole if event_source_of(record) in wanted]
    source.update(records_kept=len(kept), records_total=len(pairs))
    writer.add(source, kept)


def collect_archive_day(
    scope: ArchiveScope, writer: ArchiveWriter, day: dt.date, pool: Executor | None = None
) -> int:
    """List and read one day's log files of one account and region; return the files read.

    With ``pool``, the day's objects are downloaded by its workers; they are processed and
    stored in key order in this thread, so only one day's files are in memory at a time.
    """
    keys = [item["Key"] for item in scope.list_day(day) if is_log_key(item["Key"])]
    fetch = functools.partial(fetch_log_file, scope)
    for fetched in pool.map(fetch, keys) if pool else map(fetch, keys):
        keep_log_file(scope, writer, fetched)
    return len(keys)


def iter_archive_pages(run_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (path relative to the run folder, document) of every archive page, in order."""
    for path in sorted((run_dir / "raw").glob(f"*/*/{ARCHIVE_SERVICE}/*.json")):
        yield path.relative_to(run_dir).as_posix(), orjson.loads(path.read_bytes())
