"""When and by whom the demo's CloudTrail records happen: routine work and planted findings.

Routine activity: people and automation change caches only during business hours
(07:00-19:00 UTC, Monday to Friday); monitoring reads around the clock; ElastiCache itself
calls KMS. Routine work never deletes, never stops logging, and fails rarely (at most two
failures per principal and hour), so a reviewer's checks flag only what was planted.

Planted, all within the 90 days LookupEvents serves: a burst of AccessDenied from one
principal, root activity, an off-hours DeleteSnapshot, a ModifyReplicationGroup that removes
AUTH, StopLogging then StartLogging of the main trail, and a first-seen principal making
changes late in the period. One weekday of the last full quarter has no records at all.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from evidence_lib.demo import activity_records as rec

BUSINESS_START_S = 7 * 3600
BUSINESS_END_S = 19 * 3600
DELIVERY_LAG = dt.timedelta(minutes=15)
ERROR_RATE = 0.004
MAX_ERRORS_PER_HOUR = 2
Event = tuple[float, str, dict[str, Any]]


def quarter_start(day: dt.date) -> dt.date:
    """Return the first day of the calendar quarter holding ``day``."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def previous_weekday(day: dt.date, avoid: dt.date | None = None) -> dt.date:
    """Return ``day`` or the nearest earlier Monday-to-Friday date that is not ``avoid``."""
    while day.weekday() >= 5 or day == avoid:
        day -= dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """Return ``day`` at ``hour:minute`` UTC."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


@dataclass
class Timeline:
    """The seeded period: from the last full quarter's start to just before ``now``."""

    now: dt.datetime
    start: dt.datetime = field(init=False)
    end: dt.datetime = field(init=False)
    missing_day: dt.date = field(init=False)
    gap: tuple[dt.datetime, dt.datetime] = field(init=False)
    weekdays: list[dt.date] = field(init=False)

    def __post_init__(self) -> None:
        today = self.now.astimezone(dt.UTC).date()
        last_quarter = quarter_start(quarter_start(today) - dt.timedelta(days=1))
        self.start = at(last_quarter, 0, 0)
        self.end = self.now - DELIVERY_LAG
        self.missing_day = previous_weekday(last_quarter + dt.timedelta(days=45))
        stop_day = previous_weekday(today - dt.timedelta(days=15), self.missing_day)
        self.gap = (at(stop_day, 11, 2), at(stop_day, 11, 44))
        days = (
            self.start.date() + dt.timedelta(days=i) for i in range((today - last_quarter).days + 1)
        )
        self.weekdays = [d for d in days if d.weekday() < 5 and d != self.missing_day]

    def allowed(self, moment: dt.datetime) -> bool:
        """Say whether routine activity may happen at ``moment``."""
        if moment < self.start or moment >= self.end or moment.date() == self.missing_day:
            return False
        return not self.gap[0] <= moment < self.gap[1]

    def business_time(self, rng: random.Random) -> dt.datetime:
        """Return a random allowed moment within business hours."""
        while True:
            day = self.weekdays[rng.randrange(len(self.weekdays))]
            moment = at(day, 0, 0) + dt.timedelta(
                seconds=rng.randrange(BUSINESS_START_S, BUSINESS_END_S)
            )
            if self.allowed(moment):
                return moment

    def any_time(self, rng: random.Random) -> dt.datetime:
        """Return a random allowed moment, day or night."""
        span = (self.end - self.start).total_seconds()
        while True:
            moment = self.start + dt.timedelta(seconds=int(rng.random() * span))
            if self.allowed(moment):
                return moment


NEW_NAME_PREFIX = {
    "rg": "nwh-scratch",
    "cc": "nwh-scratch-001",
    "pg": "nwh-redis7-tuned",
    "user": "app-user",
    "ug": "app-group",
}


class Planner:
    """Builds the routine and planted records of one account, deterministically."""

    def __init__(
        self,
        *,
        rng: random.Random,
        account_id: str,
        names: dict[str, rec.Names],
        timeline: Timeline,
    ) -> None:
        self.rng = rng
        self.account_id = account_id
        self.names = names
        self.regions = list(names)
        self.timeline = timeline
        self.identities = rec.IdentityCache(account_id)
        self._errors: dict[tuple[str, int], int] = {}
        # The home region carries most of the activity; the others share the rest.
        weights = [3.0] + [2.0 / max(len(self.regions) - 1, 1)] * (len(self.regions) - 1)
        self._region_cdf = list(itertools.accumulate(weights))
        self._change_cdf = list(itertools.accumulate(c[2] for c in rec.CHANGES))

    def event(
        self,
        key: str,
        moment: dt.datetime,
        region: str,
        call: tuple[str, str, bool],
        *,
        kind: str | None = None,
        value: str = "",
        request: Any = None,
        error: tuple[str, str] | None = None,
    ) -> Event:
        """Return one record, as ``(epoch, region, record)``."""
        source, name, read_only = call
        principal = rec.PRINCIPALS[key]
        names = self.names[region]
        if request is None:
            request = rec.request_parameters(name, value, names)
        record = rec.build_record(
            rng=self.rng,
            identity=self.identities.get(principal, moment),
            principal=principal,
            moment=moment,
            source=source,
            name=name,
            region=region,
            account_id=self.account_id,
            read_only=read_only,
            request=request,
            response=rec.response_elements(name, value, read_only),
            resources=rec.resources_for(kind, value, region, self.account_id),
            error=error,
        )
        return (moment.timestamp(), region, record)

    def _region(self) -> str:
        draw = self.rng.random() * self._region_cdf[-1]
        return self.regions[min(bisect.bisect(self._region_cdf, draw), len(self.regions) - 1)]

    def _pick(self, region: str, kind: str | None) -> str:
        if kind is None:
            return ""
        return self.rng.choice(getattr(self.names[region], kind))

    def _error(
        self, key: str, moment: dt.datetime, read_only: bool, value: str
    ) -> tuple[str, str] | None:
        """Rare routine failures, capped per principal and hour so no burst forms."""
        if self.rng.random() >= ERROR_RATE:
            return None
        hour = int(moment.timestamp()) // 3600
        if self._errors.get((key, hour), 0) >= MAX_ERRORS_PER_HOUR:
            return None
        self._errors[(key, hour)] = self._errors.get((key, hour), 0) + 1
        code, message = self.rng.choice(rec.ROUTINE_ERRORS[read_only])
        return (code, message.format(value or "default"))

    def read(self, key: str, moment: dt.datetime, region: str) -> Event:
        """Return a routine read-only call."""
        source, name, kind = self.rng.choice(rec.READS)
        value = self._pick(region, kind)
        error = self._error(key, moment, True, value)
        res_kind = kind if source == rec.ELASTICACHE else None
        return self.event(
            key, moment, region, (source, name, True), kind=res_kind, value=value, error=error
        )

    def change(self, key: str, moment: dt.datetime, region: str) -> Event:
        """Return a routine, non-destructive change to ElastiCache."""
        draw = self.rng.random() * self._change_cdf[-1]
        name, kind, _ = rec.CHANGES[bisect.bisect(self._change_cdf, draw)]
        if name.startswith("Create") and name != "CreateSnapshot":
            value = f"{NEW_NAME_PREFIX[kind]}-{moment:%Y%m%d%H%M}"
        else:
            value = self._pick(region, kind)
        error = self._error(key, moment, False, value)
        call = (rec.ELASTICACHE, name, False)
        return self.event(key, moment, region, call, kind=kind, value=value, error=error)

    def kms(self, moment: dt.datetime, region: str) -> Event:
        """Return a KMS Decrypt that ElastiCache makes for at-rest encryption."""
        request, resources = rec.kms_record_parts(self.names[region].kms_key_arn, self.account_id)
        source, name, ro = (
            "kms.amazonaws.com",
            self.rng.choice(["Decrypt", "GenerateDataKey"]),
            True,
        )
        event = self.event("service", moment, region, (source, name, ro), request=request)
        event[2]["resources"] = resources
        return event

    def routine(self, count: int) -> list[Event]:
        """Return ``count`` routine records, plus one early read by every routine principal."""
        timeline, rng = self.timeline, self.rng
        first = at(timeline.weekdays[0], 8, 0)
        events = [
            self.read(key, first + dt.timedelta(minutes=i), self.regions[0])
            for i, key in enumerate((*rec.ROUTINE_HUMANS, *rec.ROUTINE_READERS))
        ]
        events.append(self.kms(first + dt.timedelta(minutes=30), self.regions[0]))
        for _ in range(max(count - len(events), 0)):
            draw, region = rng.random(), self._region()
            if draw < 0.5:
                key, moment = rng.choice(rec.ROUTINE_HUMANS), timeline.business_time(rng)
                make = self.change if rng.random() < 0.22 else self.read
                events.append(make(key, moment, region))
            elif draw < 0.88:
                key = rng.choice(rec.ROUTINE_READERS)
                events.append(self.read(key, timeline.any_time(rng), region))
            else:
                events.append(self.kms(timeline.any_time(rng), region))
        return events
