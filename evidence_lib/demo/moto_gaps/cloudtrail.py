"""CloudTrail behaviour that moto 5.2.5 lacks, added in-process.

Each addition names the AWS operation or field it supplies:

- ``LookupEvents`` (moto answers HTTP 500): served from the same records the demo wrote into
  the trail's S3 archive. ``register_events`` keeps, per account and region, a light index of
  those records (time, ID, name, source, user name, access key, read-only flag, resources)
  and where each record's bytes sit inside its archive object, so ``CloudTrailEvent`` is the
  archived record byte for byte.
- ``GetTrailStatus``: ``StartLoggingTime``, ``StopLoggingTime``, ``LatestDeliveryTime``,
  ``LatestDigestDeliveryTime`` and ``LatestCloudWatchLogsDeliveryTime`` as of the seeded
  history (``set_trail_status``) instead of the wall-clock time of the seeding calls.
- ``DescribeTrails`` / ``GetTrail``: ``HasCustomEventSelectors`` and ``HasInsightSelectors``
  (moto always says ``False``).
- ``GetEventSelectors``: AWS returns only the kind of selectors in use, and for a trail that
  never had selectors put, the default selector (all management events, read and write).

The demo clock: LookupEvents answers "90 days back from now" where now is the ``now`` given
at seeding plus the wall time elapsed since, so a demo seeded for a fixed date stays stable.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import functools
import gzip
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from moto.cloudtrail import models as ct_models
from moto.cloudtrail.models import cloudtrail_backends
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError
from moto.s3.models import s3_backends

LOOKUP_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 50
ATTRIBUTE_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
_INSTALL_LOCK = threading.Lock()
_installed = False


class IndexedEvent(NamedTuple):
    """What LookupEvents needs of one archived record, and where its bytes are."""

    epoch: float
    event_id: str
    event_name: str
    event_source: str
    username: str | None
    access_key_id: str | None
    read_only: str
    resources: tuple[tuple[str, str], ...]
    file_no: int
    start: int
    end: int


@dataclass
class EventArchive:
    """The seeded records of one account and region, newest first."""

    seeded_now: dt.datetime
    seeded_wall: float
    files: list[tuple[str, str]] = field(default_factory=list)
    events: list[IndexedEvent] = field(default_factory=list)

    def clock(self) -> dt.datetime:
        """Return the demo's current time: seeded ``now`` plus wall time since seeding."""
        return self.seeded_now + dt.timedelta(seconds=time.time() - self.seeded_wall)


def _sort_key(event: IndexedEvent) -> tuple[float, str]:
    return (-event.epoch, event.event_id)


def register_events(
    account_id: str,
    region: str,
    *,
    now: dt.datetime,
    files: list[tuple[str, str]],
    events: list[IndexedEvent],
) -> None:
    """Add archived records to the LookupEvents index of one account and region.

    Parameters
    ----------
    account_id, region
        Where the events were recorded (the region of their archive files).
    now
        The seeding time; the demo clock starts from it.
    files
        ``(bucket, key)`` of archive objects; ``IndexedEvent.file_no`` indexes this list.
    events
        The records, in any order.
    """
    backend = cloudtrail_backends[account_id][region]
    archive: EventArchive | None = getattr(backend, "evidence_archive", None)
    if archive is None:
        archive = EventArchive(seeded_now=now, seeded_wall=time.time())
        backend.evidence_archive = archive  # type: ignore[attr-defined]
    offset = len(archive.files)
    archive.files.extend(files)
    shifted = [e._replace(file_no=e.file_no + offset) for e in events]
    archive.events = sorted(archive.events + shifted, key=_sort_key)


def set_trail_status(
    account_id: str,
    region: str,
    trail_name: str,
    **times: dt.datetime | None,
) -> None:
    """Set the seeded history behind GetTrailStatus of one trail.

    Parameters
    ----------
    account_id, region
        The trail's account and home region.
    trail_name
        The trail's name.
    **times
        Any of ``start``, ``stop``, ``delivery``, ``digest``, ``cloudwatch`` (tz-aware UTC).
    """
    trail = cloudtrail_backends[account_id][region].get_trail(trail_name)
    trail.status.evidence_times = dict(times)  # type: ignore[attr-defined]


def _epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status_description(self: Any) -> dict[str, Any]:
    """Build GetTrailStatus as AWS does, from moto's state and the seeded history."""
    desc: dict[str, Any] = _ORIGINAL["status"](self)
    started, stopped = self.started, self.stopped
    # NOTE: moto converts naive UTC with time.mktime (local time); recompute the epochs.
    if started:
        desc["StartLoggingTime"] = _epoch(started)
    if stopped:
        desc["StopLoggingTime"] = _epoch(stopped)
    times: dict[str, dt.datetime | None] = getattr(self, "evidence_times", {})
    if not times:
        return desc
    fields = {
        "start": ("StartLoggingTime", "TimeLoggingStarted"),
        "stop": ("StopLoggingTime", "TimeLoggingStopped"),
        "delivery": ("LatestDeliveryTime", "LatestDeliveryAttemptSucceeded"),
        "digest": ("LatestDigestDeliveryTime", None),
        "cloudwatch": ("LatestCloudWatchLogsDeliveryTime", None),
    }
    for name, (epoch_field, text_field) in fields.items():
        value = times.get(name)
        if value is None:
            desc.pop(epoch_field, None)
            continue
        desc[epoch_field] = _epoch(value)
        if text_field:
            desc[text_field] = _iso(value)
    if times.get("delivery") is not None:
        desc["LatestDeliveryAttemptTime"] = desc["LatestDeliveryAttemptSucceeded"]
    return desc


def _trail_description(self: Any, include_region: bool = False) -> dict[str, Any]:
    """Supply DescribeTrails' HasCustomEventSelectors and HasInsightSelectors."""
    desc: dict[str, Any] = _ORIGINAL["trail"](self, include_region=include_region)
    desc["HasCustomEventSelectors"] = bool(self.event_selectors or self.advanced_event_selectors)
    desc["HasInsightSelectors"] = bool(self.insight_selectors)
    return desc


DEFAULT_SELECTORS = [
    {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }
]


def _get_event_selectors(self: CloudTrailResponse) -> str:
    """Answer GetEventSelectors with only the selector kind in use, as AWS does."""
    params = json.loads(self.body or "{}")
    backend = self.cloudtrail_backend
    arn, basic, advanced = backend.get_event_selectors(trail_name=params.get("TrailName"))
    response: dict[str, Any] = {"TrailARN": arn}
    if advanced:
        response["AdvancedEventSelectors"] = advanced
    else:
        response["EventSelectors"] = basic or DEFAULT_SELECTORS
    return json.dumps(response)


@functools.lru_cache(maxsize=64)
def _object_text(account_id: str, bucket: str, key: str) -> bytes:
    """Return the uncompressed bytes of one archive object (a few are kept decoded)."""
    fake_key = s3_backends[account_id]["aws"].get_object(bucket, key)
    if fake_key is None:
        raise JsonRESTError("InternalFailure", f"archive object {key} is gone")
    return gzip.decompress(fake_key.value)


def _error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(code, message)


@dataclass(frozen=True)
class LookupQuery:
    """One validated LookupEvents request."""

    attribute: tuple[str, str] | None
    start: float
    end: float
    max_results: int
    after: tuple[float, str] | None
    fingerprint: str


def _parse_time(value: Any, name: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return _epoch(dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError as exc:
        raise _error("InvalidTimeRangeException", f"{name} {value!r} is not a time") from exc


def _parse_attribute(params: dict[str, Any]) -> tuple[str, str] | None:
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise _error("InvalidLookupAttributesException", "Only one lookup attribute is allowed")
    if not attributes:
        return None
    key, value = attributes[0].get("AttributeKey"), attributes[0].get("AttributeValue")
    if key not in ATTRIBUTE_KEYS or not isinstance(value, str):
        accepted = ", ".join(ATTRIBUTE_KEYS)
        raise _error("InvalidLookupAttributesException", f"AttributeKey must be one of {accepted}")
    return (key, value)


def _parse_token(token: str, fingerprint: str) -> tuple[float, str]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
        position = (float(state["t"]), str(state["i"]))
        valid = state["q"] == fingerprint
    except (ValueError, KeyError, TypeError, binascii.Error):
        valid = False
    if not valid:
        raise _error("InvalidNextTokenException", "Invalid NextToken")
    return position


def _parse_query(params: dict[str, Any], now: dt.datetime) -> LookupQuery:
    """Validate a LookupEvents request as AWS does; the window is 90 days back from now."""
    attribute = _parse_attribute(params)
    max_results = int(params.get("MaxResults") or MAX_RESULTS)
    if not 1 <= max_results <= MAX_RESULTS:
        raise _error("InvalidMaxResultsException", "MaxResults must be between 1 and 50")
    oldest = _epoch(now - LOOKUP_WINDOW)
    start = _parse_time(params["StartTime"], "StartTime") if "StartTime" in params else None
    end = _parse_time(params["EndTime"], "EndTime") if "EndTime" in params else _epoch(now)
    if start is not None and start > end:
        raise _error("InvalidTimeRangeException", "StartTime must not be after EndTime")
    fixed = {k: params.get(k) for k in ("LookupAttributes", "StartTime", "EndTime")}
    fingerprint = hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()[:16]
    token = params.get("NextToken")
    after = _parse_token(token, fingerprint) if token else None
    return LookupQuery(
        attribute, max(start or oldest, oldest), end, max_results, after, fingerprint
    )


def _matches(event: IndexedEvent, attribute: tuple[str, str] | None) -> bool:
    if attribute is None:
        return True
    key, value = attribute
    if key == "ResourceType":
        return any(kind == value for kind, _ in event.resources)
    if key == "ResourceName":
        return any(name == value for _, name in event.resources)
    fields = {
        "EventId": event.event_id,
        "EventName": event.event_name,
        "ReadOnly": event.read_only,
        "Username": event.username,
        "EventSource": event.event_source,
        "AccessKeyId": event.access_key_id,
    }
    return fields[key] == value


def _select(archive: EventArchive, query: LookupQuery) -> tuple[list[IndexedEvent], bool]:
    """Return one page of matching events, newest first, and whether more follow."""
    events = archive.events
    if query.after is None:
        position = bisect.bisect_left(events, (-query.end, ""), key=_sort_key)
    else:
        after_epoch, after_id = query.after
        position = bisect.bisect_right(events, (-after_epoch, after_id), key=_sort_key)
    page: list[IndexedEvent] = []
    for event in events[position:]:
        if event.epoch < query.start:
            return page, False
        if not _matches(event, query.attribute):
            continue
        if len(page) == query.max_results:
            return page, True
        page.append(event)
    return page, False


def _render(account_id: str, archive: EventArchive, event: IndexedEvent) -> dict[str, Any]:
    """Shape one event as LookupEvents returns it (EventTime is a timestamp)."""
    bucket, key = archive.files[event.file_no]
    text = _object_text(account_id, bucket, key)[event.start : event.end].decode("utf-8")
    shaped: dict[str, Any] = {
        "EventId": event.event_id,
        "EventName": event.event_name,
        "ReadOnly": event.read_only,
        "EventTime": event.epoch,
        "EventSource": event.event_source,
        "Resources": [{"ResourceType": t, "ResourceName": n} for t, n in event.resources],
        "CloudTrailEvent": text,
    }
    if event.access_key_id:
        shaped["AccessKeyId"] = event.access_key_id
    if event.username:
        shaped["Username"] = event.username
    return shaped


def _lookup_events(self: CloudTrailResponse) -> str:
    """Serve CloudTrail LookupEvents (absent from moto) from the seeded archive."""
    params = json.loads(self.body or "{}")
    category = params.get("EventCategory")
    if category not in (None, "insight"):
        raise _error("InvalidEventCategoryException", "EventCategory must be insight")
    backend = self.cloudtrail_backend
    archive: EventArchive | None = getattr(backend, "evidence_archive", None)
    if archive is None or category == "insight":
        # NOTE: a region with nothing seeded answers with no events, as AWS does for a new one.
        return json.dumps({"Events": []})
    query = _parse_query(params, archive.clock())
    page, more = _select(archive, query)
    response: dict[str, Any] = {"Events": [_render(self.current_account, archive, e) for e in page]}
    if more and page:
        state = {"t": page[-1].epoch, "i": page[-1].event_id, "q": query.fingerprint}
        response["NextToken"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
    return json.dumps(response)


_ORIGINAL: dict[str, Any] = {}


def install() -> None:
    """Patch moto's CloudTrail in-process (idempotent); call before the server starts."""
    global _installed
    with _INSTALL_LOCK:
        if _installed:
            return
        _ORIGINAL["status"] = ct_models.TrailStatus.description
        _ORIGINAL["trail"] = ct_models.Trail.description
        ct_models.TrailStatus.description = _status_description  # type: ignore[method-assign]
        ct_models.Trail.description = _trail_description  # type: ignore[method-assign]
        CloudTrailResponse.get_event_selectors = _get_event_selectors  # type: ignore[method-assign]
        CloudTrailResponse.lookup_events = _lookup_events  # type: ignore[attr-defined]
        _installed = True
