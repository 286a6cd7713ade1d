"""Write the demo's CloudTrail records into the trail bucket as CloudTrail delivers them.

Log files: ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<random16>.json.gz``, gzip JSON
``{"Records": [...]}``, one per region and delivery window. Digest files: hourly per region
under ``CloudTrail-Digest/``, chained by the previous digest's hash, listing each log file
with the SHA-256 of its uncompressed content, as CloudTrail log file validation does. The
digest signature is a placeholder: there is no private key behind the demo.

Objects go straight into moto's S3 backend, in-process, not through PutObject over HTTP:
a quarter of activity at the 1,000,000-record scale is tens of thousands of objects, and
moto spends milliseconds per HTTP request (parsing, signing, XML) where a direct write
takes microseconds. The objects are moto's own (ETag = MD5, size, LastModified = delivery
time, bucket default encryption applied), so ListObjectsV2 and GetObject over HTTP serve
them as any uploaded object.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from moto.s3.models import s3_backends

from evidence_lib.demo import activity_records as rec
from evidence_lib.demo.activity_plan import Event, Timeline
from evidence_lib.demo.moto_gaps.cloudtrail import LOOKUP_WINDOW, IndexedEvent, register_events

HOUR = dt.timedelta(hours=1)


@dataclass
class LogFile:
    """One delivered log file."""

    key: str
    delivered: dt.datetime
    sha256: str
    oldest: str
    newest: str


@dataclass
class ArchiveResult:
    """What was written to the bucket."""

    log_files: dict[str, list[LogFile]] = field(default_factory=dict)
    digest_keys: list[str] = field(default_factory=list)
    records_by_region: dict[str, int] = field(default_factory=dict)
    latest_digest: dt.datetime | None = None

    @property
    def latest_delivery(self) -> dt.datetime | None:
        """Return the delivery time of the newest log file."""
        times = [f.delivered for files in self.log_files.values() for f in files]
        return max(times, default=None)


def put_object(account_id: str, bucket: str, key: str, body: bytes, when: dt.datetime) -> None:
    """Store one object in moto's S3 backend in-process, as PutObject would."""
    fake = s3_backends[account_id]["aws"].put_object(
        bucket, key, body, etag=hashlib.md5(body).hexdigest(), disable_notification=True
    )
    # NOTE: moto keeps LastModified as naive UTC; CloudTrail's is the delivery time.
    fake.last_modified = when.astimezone(dt.UTC).replace(tzinfo=None)


def _resources(record: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Return LookupEvents' (ResourceType, ResourceName) pairs of a record."""
    pairs = []
    for resource in record.get("resources") or ():
        arn = resource["ARN"]
        is_cache = arn.startswith("arn:aws:elasticache:")
        pairs.append((resource["type"], arn.rsplit(":", 1)[-1] if is_cache else arn))
    return tuple(pairs)


def _index_entry(
    epoch: float, record: dict[str, Any], file_no: int, span: tuple[int, int]
) -> IndexedEvent:
    identity = record["userIdentity"]
    return IndexedEvent(
        epoch=epoch,
        event_id=record["eventID"],
        event_name=record["eventName"],
        event_source=record["eventSource"],
        username=rec.lookup_username(identity),
        access_key_id=identity.get("accessKeyId"),
        read_only="true" if record["readOnly"] else "false",
        resources=_resources(record),
        file_no=file_no,
        start=span[0],
        end=span[1],
    )


def _serialize(events: list[Event]) -> tuple[bytes, list[tuple[int, int]]]:
    """Return ``{"Records": [...]}`` and each record's byte span inside it."""
    parts, spans = [], []
    offset = len(b'{"Records":[')
    for _, _, record in events:
        part = orjson.dumps(record)
        spans.append((offset, offset + len(part)))
        offset += len(part) + 1
        parts.append(part)
    return b'{"Records":[' + b",".join(parts) + b"]}", spans


class ArchiveWriter:
    """Writes one account's records and digests into the trail bucket."""

    def __init__(
        self,
        *,
        account_id: str,
        bucket: str,
        trail_name: str,
        home_region: str,
        timeline: Timeline,
        rng: random.Random,
        window_minutes: int,
    ) -> None:
        self.account_id = account_id
        self.bucket = bucket
        self.trail_name = trail_name
        self.home_region = home_region
        self.timeline = timeline
        self.rng = rng
        self.window = dt.timedelta(minutes=window_minutes)
        self.result = ArchiveResult()

    def write(self, events: list[Event]) -> ArchiveResult:
        """Write every record and the hourly digests; index the recent records."""
        by_region: dict[str, list[Event]] = defaultdict(list)
        for event in sorted(events, key=lambda e: (e[0], e[2]["eventID"])):
            by_region[event[1]].append(event)
        for region, region_events in by_region.items():
            self.result.records_by_region[region] = len(region_events)
            self._write_region(region, region_events)
        for region in by_region:
            self._write_digests(region)
        return self.result

    def _windows(self, events: list[Event]) -> list[list[Event]]:
        seconds = self.window.total_seconds()
        groups: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            groups[int(event[0] // seconds)].append(event)
        return [groups[k] for k in sorted(groups)]

    def _write_region(self, region: str, events: list[Event]) -> None:
        files: list[tuple[str, str]] = []
        index: list[IndexedEvent] = []
        oldest_indexed = (self.timeline.now - LOOKUP_WINDOW - HOUR).timestamp()
        self.result.log_files[region] = []
        for group in self._windows(events):
            body, spans = _serialize(group)
            log_file = self._deliver(region, group, body)
            files.append((self.bucket, log_file.key))
            for (epoch, _, record), span in zip(group, spans, strict=True):
                if epoch >= oldest_indexed:
                    index.append(_index_entry(epoch, record, len(files) - 1, span))
        register_events(self.account_id, region, now=self.timeline.now, files=files, events=index)

    def _deliver(self, region: str, group: list[Event], body: bytes) -> LogFile:
        """Store one log file; it is delivered at the end of its window (or now)."""
        first, last = group[0][2]["eventTime"], group[-1][2]["eventTime"]
        window_end = dt.datetime.fromtimestamp(
            (group[0][0] // self.window.total_seconds() + 1) * self.window.total_seconds(),
            tz=dt.UTC,
        )
        delivered = min(window_end - dt.timedelta(minutes=1), self.timeline.now)
        suffix = base64.b32encode(self.rng.randbytes(10)).decode()
        acct = self.account_id
        key = (
            f"AWSLogs/{acct}/CloudTrail/{region}/{delivered:%Y/%m/%d}/"
            f"{acct}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{suffix}.json.gz"
        )
        put_object(acct, self.bucket, key, gzip.compress(body, compresslevel=6, mtime=0), delivered)
        log_file = LogFile(key, delivered, hashlib.sha256(body).hexdigest(), first, last)
        self.result.log_files[region].append(log_file)
        return log_file

    def _write_digests(self, region: str) -> None:
        """Write one digest per hour of the period, except on the day with no delivery."""
        files = self.result.log_files[region]
        hour = self.timeline.start
        previous: tuple[str, str, str] | None = None
        position = 0
        while hour + HOUR <= self.timeline.now:
            end = hour + HOUR - dt.timedelta(seconds=1)
            listed = []
            while position < len(files) and files[position].delivered <= end:
                listed.append(files[position])
                position += 1
            if hour.date() != self.timeline.missing_day:
                previous = self._write_digest(region, hour, end, listed, previous)
            hour += HOUR

    def _write_digest(
        self,
        region: str,
        start: dt.datetime,
        end: dt.datetime,
        files: list[LogFile],
        previous: tuple[str, str, str] | None,
    ) -> tuple[str, str, str]:
        acct, home = self.account_id, self.home_region
        key = (
            f"AWSLogs/{acct}/CloudTrail-Digest/{region}/{end:%Y/%m/%d}/"
            f"{acct}_CloudTrail-Digest_{region}_{self.trail_name}_{home}_{end:%Y%m%dT%H%M%SZ}"
            ".json.gz"
        )
        document = _digest_document(self, key, (start, end), files, previous)
        body = orjson.dumps(document)
        digest_hash = hashlib.sha256(body).hexdigest()
        signature = _signature(body)
        put_object(acct, self.bucket, key, gzip.compress(body, mtime=0), end)
        fake = s3_backends[acct]["aws"].get_object(self.bucket, key)
        if fake is not None:
            # NOTE: CloudTrail keeps a digest's signature in the object's metadata.
            fake.set_metadata(
                {
                    "x-amz-meta-signature": signature,
                    "x-amz-meta-signature-algorithm": "SHA256withRSA",
                }
            )
        self.result.digest_keys.append(key)
        self.result.latest_digest = max(end, self.result.latest_digest or end)
        return key, digest_hash, signature


def _signature(body: bytes) -> str:
    """Return a placeholder signature (hex, the length of an RSA-2048 one)."""
    seed = hashlib.sha512(body).hexdigest()
    return (seed * 4)[:512]


def _digest_document(
    writer: ArchiveWriter,
    key: str,
    span: tuple[dt.datetime, dt.datetime],
    files: list[LogFile],
    previous: tuple[str, str, str] | None,
) -> dict[str, Any]:
    """Return a digest file's content, in CloudTrail's digest format."""
    bucket = writer.bucket
    fingerprint = hashlib.md5(writer.account_id.encode()).hexdigest()
    return {
        "awsAccountId": writer.account_id,
        "digestStartTime": rec.iso(span[0]),
        "digestEndTime": rec.iso(span[1]),
        "digestS3Bucket": bucket,
        "digestS3Object": key,
        "digestPublicKeyFingerprint": fingerprint,
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": max((f.newest for f in files), default=None),
        "oldestEventTime": min((f.oldest for f in files), default=None),
        "previousDigestS3Bucket": bucket if previous else None,
        "previousDigestS3Object": previous[0] if previous else None,
        "previousDigestHashValue": previous[1] if previous else None,
        "previousDigestHashAlgorithm": "SHA-256" if previous else None,
        "previousDigestSignature": previous[2] if previous else None,
        "logFiles": [
            {
                "s3Bucket": bucket,
                "s3Object": f.key,
                "hashValue": f.sha256,
                "hashAlgorithm": "SHA-256",
                "newestEventTime": f.newest,
                "oldestEventTime": f.oldest,
            }
            for f in files
        ],
    }
