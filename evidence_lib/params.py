"""The parameters of a run: a YAML file validated before any AWS call.

``load_params(path)`` reads a file, ``parse_params(data)`` a mapping; both return a ``Params``
with the audit period resolved to dates and the endpoint URL taken from ``AWS_ENDPOINT_URL``
when the file leaves it null. Any problem raises ``ParameterError`` whose one-line message names
the dotted field (``aws.accounts[0].id``), the value and what is accepted.

Every key is explained in ``parameters/quarterly.example.yaml``; only ``run`` and ``aws`` are
required, every other section and threshold has a default.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import urllib.parse
import zoneinfo
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from evidence_lib.errors import ParameterError
from evidence_lib.regions import REGIONS

GUIDE_CONTROL_IDS: tuple[str, ...] = (
    "164.308(b)(1)",
    "0706.10b1",
    "1410.09e2",
    "1601.12c1",
    "1618.09l1",
    "1620.09l1",
    "0805.01m1",
    "0808.10b2",
    "0903.10f1",
    "1903.06d1",
    "19141.06c1",
    "1616.09l1",
    "1202.09aa1",
    "1203.09aa1",
    "1204.09aa1",
    "12100.09ab2",
    "1270.09ad1",
)
PERIOD_KEYWORDS = (
    "today",
    "last_full_quarter_start",
    "last_full_quarter_end",
    "current_quarter_start",
    "days_ago:N",
)
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)
CloudTrailSource = Literal["lookup_events", "s3_archive"]
Engine = Literal["redis", "valkey"]

_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_BUCKET = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
_BUCKET_TEXT = "S3 bucket names (3-63 lowercase letters, digits, '.', '-')"
_MISSING_TEXT = "(missing)"


def _refuse(accepted: str) -> PydanticCustomError:
    """Return the validation error our translator turns into 'accepted: <accepted>'."""
    return PydanticCustomError("evidence_param", "{accepted}", {"accepted": accepted})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _read_catalog() -> dict[str, Any] | None:
    """Return the parsed control catalog, or None when it is not installed."""
    try:
        text = resources.files("evidence_lib.controls").joinpath("catalog.yaml").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else None


def known_control_ids() -> tuple[str, ...]:
    """Return the control IDs of the catalog, or the guide's IDs when there is no catalog.

    Returns
    -------
    tuple of str
        The ``id`` of every entry under the catalog's top-level ``controls`` key, in catalog
        order; the 17 IDs of the guide when the catalog is absent or lists none.
    """
    catalog = _read_catalog() or {}
    entries = catalog.get("controls") or []
    ids = tuple(str(e["id"]) for e in entries if isinstance(e, Mapping) and "id" in e)
    return ids or GUIDE_CONTROL_IDS


def catalog_version() -> str | None:
    """Return the catalog's top-level ``version`` as text, or None when absent."""
    catalog = _read_catalog() or {}
    version = catalog.get("version")
    return None if version is None else str(version)


# --- the audit period -------------------------------------------------------------------------


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def resolve_period_value(value: object, now: dt.datetime) -> dt.date:
    """Resolve an ISO date or a period keyword to a date, relative to ``now`` (UTC).

    Parameters
    ----------
    value
        A ``datetime.date``, an ISO date text, or one of ``PERIOD_KEYWORDS``.
    now
        The reference time; a naive datetime is taken as UTC.

    Returns
    -------
    datetime.date
        The resolved day.
    """
    today = (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    previous_end = _quarter_start(today) - dt.timedelta(days=1)
    fixed = {
        "today": today,
        "current_quarter_start": _quarter_start(today),
        "last_full_quarter_start": _quarter_start(previous_end),
        "last_full_quarter_end": previous_end,
    }
    if text in fixed:
        return fixed[text]
    match = re.fullmatch(r"days_ago:(\d{1,5})", text)
    if match:
        return today - dt.timedelta(days=int(match.group(1)))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _refuse(f"an ISO date (YYYY-MM-DD) or one of {', '.join(PERIOD_KEYWORDS)}") from None


class Period(_Model):
    """The audit period, both ends included."""

    start: dt.date
    end: dt.date

    @field_validator("start", "end", mode="before")
    @classmethod
    def _resolve(cls, value: object, info: ValidationInfo) -> dt.date:
        now = (info.context or {}).get("now") or dt.datetime.now(dt.UTC)
        return resolve_period_value(value, now)

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and value < start:
            raise _refuse(f"a day on or after the start {start.isoformat()}")
        return value


class RunParams(_Model):
    """Run name (a slug used in the run folder name) and audit period."""

    name: Annotated[
        str,
        Field(
            pattern=r"^[a-z0-9][a-z0-9_-]{0,47}$",
            description="a slug of 1-48 lowercase letters, digits, '-' or '_'",
        ),
    ]
    period: Period


# --- AWS scope --------------------------------------------------------------------------------


class Account(_Model):
    """One AWS account in scope, with the role to assume in it (null: default credentials)."""

    id: Annotated[str, Field(pattern=r"^\d{12}$", description="a 12-digit string in quotes")]
    role_arn: str | None = None

    @field_validator("role_arn")
    @classmethod
    def _role_form(cls, value: str | None, info: ValidationInfo) -> str | None:
        match = _ROLE_ARN.match(value or "")
        if value is not None and not match:
            raise _refuse("null or arn:aws[-partition]:iam::<12 digits>:role/<path/name>")
        account = info.data.get("id")
        if match and account is not None and match.group(2) != account:
            raise _refuse(f"null or a role in account {account} (the account's own id)")
        return value


def _known_region(value: str) -> str:
    if value not in REGIONS:
        raise _refuse(f"an AWS commercial or GovCloud region: {', '.join(sorted(REGIONS))}")
    return value


class AwsParams(_Model):
    """AWS scope and client settings."""

    profile: str | None = None
    endpoint_url: str | None = None
    regions: Annotated[list[Annotated[str, AfterValidator(_known_region)]], Field(min_length=1)]
    accounts: Annotated[list[Account], Field(min_length=1)]
    max_attempts: Annotated[int, Field(ge=1, le=20, description="an integer from 1 to 20")] = 5
    max_workers: Annotated[int, Field(ge=1, le=32, description="an integer from 1 to 32")] = 4
    connect_timeout_seconds: Annotated[
        float, Field(gt=0, le=300, description="seconds, more than 0 and at most 300")
    ] = 5
    read_timeout_seconds: Annotated[
        float, Field(gt=0, le=3600, description="seconds, more than 0 and at most 3600")
    ] = 30

    @field_validator("endpoint_url", mode="before")
    @classmethod
    def _endpoint_from_env(cls, value: object, info: ValidationInfo) -> object:
        if value is not None or (info.context or {}).get("stored"):
            return value
        return os.environ.get("AWS_ENDPOINT_URL") or None

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint_form(cls, value: str | None) -> str | None:
        parsed = urllib.parse.urlparse(value or "")
        if value is not None and (parsed.scheme not in ("http", "https") or not parsed.netloc):
            raise _refuse("null or an http:// or https:// URL, e.g. http://127.0.0.1:5000")
        return value

    @field_validator("regions")
    @classmethod
    def _unique_regions(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise _refuse("each region once")
        return value

    @field_validator("accounts")
    @classmethod
    def _unique_accounts(cls, value: list[Account]) -> list[Account]:
        if len({a.id for a in value}) != len(value):
            raise _refuse("each account id once")
        return value


class CloudTrailParams(_Model):
    """Where CloudTrail events are read from, and which event sources matter."""

    sources: Annotated[list[Literal["lookup_events", "s3_archive"]], Field(min_length=1)] = [
        "lookup_events",
        "s3_archive",
    ]
    archive_buckets: Annotated[
        list[Annotated[str, Field(pattern=_BUCKET)]], Field(description=_BUCKET_TEXT)
    ] = Field(default_factory=list)
    archive_prefix: str | None = None
    event_sources: Annotated[
        list[Annotated[str, Field(pattern=r"^[a-z0-9-]+\.amazonaws\.com$")]],
        Field(description="service hosts like elasticache.amazonaws.com"),
    ] = ["elasticache.amazonaws.com", "cloudtrail.amazonaws.com"]


class BackupParams(_Model):
    """The bucket holding exported snapshots (null: the long-term archive is not checked)."""

    archive_bucket: Annotated[
        str | None, Field(pattern=_BUCKET, description=f"null or {_BUCKET_TEXT}")
    ] = None


# --- thresholds, attestations, rendering ------------------------------------------------------

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class BusinessHours(_Model):
    """Working hours: changes outside them are reported as off-hours activity."""

    start: Annotated[str, Field(pattern=_HHMM, description="a time 'HH:MM' (24 h)")] = "07:00"
    end: Annotated[str, Field(pattern=_HHMM, description="a time 'HH:MM' (24 h)")] = "19:00"
    timezone: str = "UTC"
    weekdays: Annotated[list[Weekday], Field(min_length=1)] = ["mon", "tue", "wed", "thu", "fri"]

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _refuse("an IANA time zone name, e.g. UTC or America/Chicago") from None
        return value

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise _refuse(f"a time 'HH:MM' after the start {start}")
        return value


class Thresholds(_Model):
    """Every threshold a check uses; each has the default documented in the example file."""

    min_engine_version: Annotated[
        dict[Engine, Annotated[str, Field(pattern=r"^\d+\.\d+$")]],
        Field(description="a mapping of engine (redis, valkey) to a version like '7.1'"),
    ] = {"redis": "6.2", "valkey": "7.2"}
    backup_retention_days: Annotated[int, Field(ge=0, le=35)] = 35
    recent_backup_max_age_hours: Annotated[int, Field(ge=1, le=24 * 366)] = 48
    require_customer_managed_key: bool = False
    log_retention_days: Annotated[int, Field(ge=1, le=3653)] = 90
    log_archive_days: Annotated[int, Field(ge=1, le=3653)] = 365
    long_term_archive_days: Annotated[int, Field(ge=1, le=36500)] = 2190
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    failure_burst_count: Annotated[int, Field(ge=1, le=100000)] = 10
    failure_burst_minutes: Annotated[int, Field(ge=1, le=1440)] = 60


class Baa(_Model):
    """An attestation that a BAA with AWS is in place (used when Artifact shows none)."""

    reference: Annotated[str, Field(min_length=1)]
    accepted_on: Annotated[dt.date, Field(description="a date YYYY-MM-DD")]
    accepted_by: Annotated[str, Field(min_length=1)]


class Attestations(_Model):
    """Facts the APIs cannot show, attested by a named person."""

    baa: Baa | None = None


def _known_control(value: str, info: ValidationInfo) -> str:
    # A stored run keeps the IDs it was rendered with, even after the catalog changed.
    known = known_control_ids()
    if value not in known and not (info.context or {}).get("stored"):
        raise _refuse(f"a control ID of the catalog: {', '.join(known)}")
    return value


class RenderParams(_Model):
    """Which controls to render, in which formats, with how many parallel kernels."""

    controls: Annotated[
        Literal["all"] | list[Annotated[str, AfterValidator(_known_control)]],
        Field(description="'all' or a list of control IDs"),
    ] = "all"
    formats: Annotated[list[Literal["html", "pdf"]], Field(min_length=1)] = ["html", "pdf"]
    jobs: Annotated[int, Field(ge=1, le=8, description="an integer from 1 to 8")] = 2
    timeout_seconds: Annotated[int, Field(ge=10, le=7200)] = 600

    @field_validator("controls")
    @classmethod
    def _some_controls(cls, value: str | list[str]) -> str | list[str]:
        if not value:
            raise _refuse("'all' or a non-empty list of control IDs")
        return value


class Params(_Model):
    """All parameters of a run."""

    run: RunParams
    aws: AwsParams
    cloudtrail: CloudTrailParams = Field(default_factory=CloudTrailParams)
    backups: BackupParams = Field(default_factory=BackupParams)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    attestations: Attestations = Field(default_factory=Attestations)
    render: RenderParams = Field(default_factory=RenderParams)

    def to_json(self) -> dict[str, Any]:
        """Return the resolved parameters as JSON-safe data (dates as ISO text), for run.json."""
        return self.model_dump(mode="json")

    def control_ids(self) -> tuple[str, ...]:
        """Return the control IDs to render: every known one for ``all``."""
        controls = self.render.controls
        return known_control_ids() if controls == "all" else tuple(controls)


# --- loading and error translation ------------------------------------------------------------


class _Missing:
    def __repr__(self) -> str:
        return _MISSING_TEXT


def _model_in(annotation: object) -> type[BaseModel] | None:
    """Return the pydantic model inside an annotation (through list, dict, Optional)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _walk(loc: tuple[str | int, ...]) -> tuple[type[BaseModel] | None, Any]:
    """Return the model reached by ``loc`` and the last field passed on the way."""
    model: type[BaseModel] | None = Params
    field = None
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return model, field


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def _translate(error: Mapping[str, Any]) -> ParameterError:
    """Turn one pydantic error into a ParameterError naming field, value and accepted values."""
    # NOTE: pydantic puts union members and dict-key markers ("list[str]", "[key]") in loc.
    loc = tuple(p for p in error["loc"] if isinstance(p, int) or "[" not in p)
    value: object = error.get("input")
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        parent, _ = _walk(loc[:-1])
        keys = ", ".join(parent.model_fields) if parent is not None else "none"
        accepted = f"one of the keys {keys}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        model, _ = _walk(loc)
        keys = f" with the keys {', '.join(model.model_fields)}" if model is not None else ""
        accepted = f"a mapping{keys}"
    elif kind == "missing":
        value, accepted = _Missing(), "a value (this key is required)"
    elif "accepted" in ctx:
        accepted = str(ctx["accepted"])
    else:
        _, field = _walk(loc)
        description = getattr(field, "description", None)
        accepted = description or str(error["msg"]).removeprefix("Input should be ")
    return ParameterError(_dotted(loc), value, accepted)


def _from_validation_error(exc: ValidationError) -> ParameterError:
    """Return one ParameterError for every problem, on one line joined by '; '."""
    problems: dict[str, ParameterError] = {}
    for error in exc.errors():
        problem = _translate(error)
        problems.setdefault(problem.field, problem)

    # A union reports every branch; keep the most specific field (controls[1] over controls).
    for name in list(problems):
        if any(other.startswith((f"{name}[", f"{name}.")) for other in problems):
            del problems[name]
    first, *_ = problems.values()
    if len(problems) > 1:
        first.args = ("; ".join(str(p) for p in problems.values()),)
    return first


def parse_params(
    data: object, *, now: dt.datetime | None = None, source: str = "<dict>", stored: bool = False
) -> Params:
    """Validate parameters given as a mapping.

    Parameters
    ----------
    data
        The parsed parameters (e.g. from YAML, or ``Params.to_json()`` of an earlier run).
    now
        The time keywords of the period are resolved against (default: now, UTC).
    source
        Where the data came from, named when it is not a mapping at all.
    stored
        True for the parameters recorded in a run.json: ``endpoint_url`` is not taken from
        the environment and control IDs are not checked against today's catalog.

    Returns
    -------
    Params
        The validated parameters, period resolved to dates.

    Raises
    ------
    ParameterError
        One line naming the field, the value and what is accepted.
    """
    if not isinstance(data, Mapping):
        keys = ", ".join(Params.model_fields)
        raise ParameterError(source, data, f"a mapping with the sections {keys}")
    try:
        return Params.model_validate(dict(data), context={"now": now, "stored": stored})
    except ValidationError as exc:
        raise _from_validation_error(exc) from None


def load_params(path: str | os.PathLike[str], *, now: dt.datetime | None = None) -> Params:
    """Read and validate a parameters YAML file.

    Parameters
    ----------
    path
        The YAML file, e.g. ``parameters/quarterly.yaml``.
    now
        The time the period keywords are resolved against (default: now, UTC).

    Returns
    -------
    Params
        The validated parameters.

    Raises
    ------
    ParameterError
        When the file is missing or unreadable, is not valid YAML, or holds an invalid value.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        accepted = f"a readable YAML file ({reason})"
        raise ParameterError("parameters file", str(file), accepted) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else str(file)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ParameterError(where, problem, "YAML syntax") from None
    return parse_params(data, now=now, source=str(file))
