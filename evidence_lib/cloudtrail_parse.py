"""CloudTrail records to the columns of the ``cloudtrail_events`` frame.

One record becomes one row. The record shapes handled are those AWS writes to S3 log files
(``{"Records": [...]}``) and those LookupEvents answers (``{"EventId", "EventName",
"EventTime", "CloudTrailEvent": "<record as JSON text>", ...}``).

How the identity columns are filled, per ``userIdentity.type``:

=====================  ==============  =================  =================================
type                   principal_arn   principal_id       user_name
=====================  ==============  =================  =================================
IAMUser, Root          ``arn``         ``principalId``    ``userName``
AssumedRole            ``arn``         ``principalId``    role session name (end of ``arn``)
FederatedUser          ``arn``         ``principalId``    federated name (end of ``arn``)
AWSService             <NA>            <NA>               ``invokedBy``
AWSAccount             ``arn``         ``principalId``    ``userName`` when present
IdentityCenterUser     <NA>            ``onBehalfOf``     ``onBehalfOf.userId``
                                       ``.userId``
Unknown                ``arn``         ``principalId``    ``userName``
=====================  ==============  =================  =================================

Empty strings (as AWS writes for ``Unknown`` identities) become <NA>. ``session_issuer_arn``
is ``sessionContext.sessionIssuer.arn`` (assumed roles, federated users).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import pandas as pd

logger = logging.getLogger(__name__)

FRAME = "cloudtrail_events"
REQUIRED_FIELDS = ("eventID", "eventTime", "eventName", "eventSource")
SOURCE_LOOKUP = "lookup_events"
SOURCE_ARCHIVE = "s3_archive"
CONSOLE_LOGIN_FAILURE = "ConsoleLoginFailure"

# Columns filled from the records (strings unless listed in BOOL_COLUMNS).
RECORD_COLUMNS = (
    "account_id",
    "event_id",
    "event_time",
    "event_source",
    "event_name",
    "aws_region",
    "recipient_account_id",
    "user_identity_type",
    "principal_arn",
    "principal_id",
    "user_name",
    "session_issuer_arn",
    "source_ip",
    "user_agent",
    "error_code",
    "error_message",
    "read_only",
    "event_type",
    "management_event",
    "request_parameters",
    "response_elements",
    "resources",
)
BOOL_COLUMNS = frozenset({"read_only", "management_event"})
JSON_COLUMNS = frozenset({"request_parameters", "response_elements", "resources"})
# The order of the values _record_rows() and _identity_rows() return.
_PLAIN_COLUMNS = (
    "event_id",
    "event_time",
    "event_source",
    "event_name",
    "aws_region",
    "recipient_account_id",
    "source_ip",
    "user_agent",
    "error_code",
    "error_message",
    "read_only",
    "event_type",
    "management_event",
    "request_parameters",
    "response_elements",
    "resources",
    "user_identity",
)
_IDENTITY_COLUMNS = (
    "user_identity_type",
    "principal_arn",
    "principal_id",
    "user_name",
    "session_issuer_arn",
)
_NO_IDENTITY = (None, None, None, None, None)
_BOOL_TEXT = {"true": True, "false": False}
_dumps = orjson.dumps

Columns = dict[str, Sequence[Any]]


def text_value(value: Any) -> str | None:
    """Return ``value`` as column text: "" is missing, bytes decoded, non-text as JSON."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode()
    return orjson.dumps(value).decode()


def flag_value(value: Any) -> bool | None:
    """Read a boolean CloudTrail writes as a bool or as "true"/"false"."""
    if value is True or value is False:
        return value
    if isinstance(value, str):
        return _BOOL_TEXT.get(value.lower())
    return None


def _event_time_text(value: Any) -> Any:
    """Return an event time as text; LookupEvents' EventTime may be epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return pd.Timestamp(value, unit="s", tz="UTC").isoformat()
    return value


def record_from_lookup_event(event: dict[str, Any]) -> dict[str, Any]:
    """Return the CloudTrail record inside one LookupEvents ``Events`` item.

    Parameters
    ----------
    event : dict
        An item of LookupEvents' ``Events`` list.

    Returns
    -------
    dict
        The parsed ``CloudTrailEvent`` text, with ``eventID``, ``eventTime``, ``eventName``
        and ``eventSource`` taken from the item when the text lacks them (or is unreadable).
    """
    text = event.get("CloudTrailEvent")
    try:
        record = orjson.loads(text) if text else {}
    except orjson.JSONDecodeError:
        record = {}
    if not isinstance(record, dict):
        record = {}
    for field, outer in (
        ("eventID", "EventId"),
        ("eventTime", "EventTime"),
        ("eventName", "EventName"),
        ("eventSource", "EventSource"),
    ):
        if record.get(field) is None and event.get(outer) is not None:
            record[field] = _event_time_text(event[outer]) if outer == "EventTime" else event[outer]
    return record


def _record_rows(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Return the values of ``_PLAIN_COLUMNS`` of each record."""
    # NOTE: one pass per record with explicit gets: column-wise passes over the records
    # thrash the CPU cache, and this loop is most of the cost after JSON decoding.
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for record in records:
        g = record.get
        append(
            (
                g("eventID"), g("eventTime"), g("eventSource"), g("eventName"),
                g("awsRegion"), g("recipientAccountId"), g("sourceIPAddress"),
                g("userAgent"), g("errorCode"), g("errorMessage"), g("readOnly"),
                g("eventType"), g("managementEvent"), g("requestParameters"),
                g("responseElements"), g("resources"), g("userIdentity"),
            )
        )  # fmt: skip
    return rows


def _identity_rows(identities: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Return the values of ``_IDENTITY_COLUMNS`` of each userIdentity (before derivation)."""
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for ui in identities:
        if ui.__class__ is not dict:
            append(_NO_IDENTITY)
            continue
        g = ui.get
        context = g("sessionContext")
        issuer = context.get("sessionIssuer") if context.__class__ is dict else None
        issuer_arn = issuer.get("arn") if issuer.__class__ is dict else None
        append((g("type"), g("arn"), g("principalId"), g("userName"), issuer_arn))
    return rows


def _well_formed(records: Iterable[Any]) -> tuple[list[dict[str, Any]], int]:
    """Return the dict records, and how many were not dicts."""
    given = records if isinstance(records, list) else list(records)
    kept = [r for r in given if r.__class__ is dict]
    return kept, len(given) - len(kept)


def _required_present(columns: Columns) -> bool:
    return all(all(columns[c]) for c in ("event_id", "event_time", "event_source", "event_name"))


def _insight_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Return an Insight record with the eventSource and eventName of its insightDetails."""
    # NOTE: Insight events carry the API's source and name only inside insightDetails.
    details = record.get("insightDetails")
    if record.get("eventSource") or record.get("eventType") != "AwsCloudTrailInsight":
        return record
    if not isinstance(details, dict):
        return record
    source, name = details.get("eventSource"), details.get("eventName")
    return {**record, "eventSource": source, "eventName": record.get("eventName") or name}


def _identity_columns(identities: Sequence[Any], columns: Columns) -> None:
    """Fill the identity columns; see the module docstring for the rules per type."""
    rows = _identity_rows(identities)
    values = zip(*rows, strict=True) if rows else ([] for _ in _IDENTITY_COLUMNS)
    for column, column_values in zip(_IDENTITY_COLUMNS, values, strict=True):
        columns[column] = list(column_values)
    users, ids = list(columns["user_name"]), list(columns["principal_id"])
    columns["user_name"], columns["principal_id"] = users, ids
    for index in [i for i, user in enumerate(users) if not user]:
        if identities[index].__class__ is dict:
            users[index], ids[index] = _derived_user(identities[index], ids[index])


def _derived_user(ui: dict[str, Any], principal_id: Any) -> tuple[Any, Any]:
    """Return user name and principal ID of an identity that has no userName."""
    kind, arn = ui.get("type"), ui.get("arn")
    if kind in ("AssumedRole", "FederatedUser") and isinstance(arn, str) and "/" in arn:
        return arn.rsplit("/", 1)[-1], principal_id
    if kind == "AWSService":
        return ui.get("invokedBy"), principal_id
    if kind == "IdentityCenterUser":
        behalf = ui.get("onBehalfOf")
        user = behalf.get("userId") if isinstance(behalf, dict) else None
        return user, principal_id or user
    return None, principal_id


def _console_failures(columns: Columns) -> None:
    """Give failed console sign-ins, which have no errorCode, an error code."""
    # NOTE: a failed console sign-in has no errorCode; its outcome is in responseElements.
    if "AwsConsoleSignIn" not in columns["event_type"]:
        return
    codes = columns["error_code"] = list(columns["error_code"])
    for index, response in enumerate(columns["response_elements"]):
        if codes[index] is None and isinstance(response, dict):
            if response.get("ConsoleLogin") == "Failure":
                codes[index] = CONSOLE_LOGIN_FAILURE


def _plain_columns(records: list[dict[str, Any]]) -> Columns:
    rows = _record_rows(records)
    if not rows:
        return {column: [] for column in _PLAIN_COLUMNS}
    return dict(zip(_PLAIN_COLUMNS, zip(*rows, strict=True), strict=True))


def record_columns(records: Iterable[Any], account_id: str | None) -> tuple[Columns, int]:
    """Return the ``RECORD_COLUMNS`` values of the well-formed records, and the malformed count.

    Parameters
    ----------
    records : iterable
        CloudTrail records as in the S3 log files (dicts).
    account_id : str or None
        The account for ``account_id`` when a record has no ``recipientAccountId``.

    Returns
    -------
    tuple of (dict, int)
        Sequences of values keyed by column (JSON columns as UTF-8 bytes of compact JSON,
        ``event_time`` as the record's text, empty strings kept), and the number of records
        that are not objects or lack eventID, eventTime, eventName or eventSource.
    """
    kept, bad = _well_formed(records)
    columns = _plain_columns(kept)
    if not _required_present(columns):
        kept = [_insight_fields(r) for r in kept]
        whole = [r for r in kept if all(r.get(f) for f in REQUIRED_FIELDS)]
        bad, columns = bad + len(kept) - len(whole), _plain_columns(whole)
    _identity_columns(columns.pop("user_identity"), columns)
    _console_failures(columns)
    for column in JSON_COLUMNS:
        columns[column] = [None if v is None else _dumps(v) for v in columns[column]]
    for column in BOOL_COLUMNS:
        values = columns[column]
        if not all(v.__class__ is bool for v in values):
            columns[column] = list(map(flag_value, values))
    columns["account_id"] = [r or account_id for r in columns["recipient_account_id"]]
    return columns, bad


def parse_record(record: dict[str, Any]) -> dict[str, Any] | None:
    """Return one CloudTrail record as a dict of ``cloudtrail_events`` values.

    Parameters
    ----------
    record : dict
        A CloudTrail record as in the S3 log files, or a LookupEvents ``Events`` item.

    Returns
    -------
    dict or None
        Values keyed by column name (JSON columns as text, ``event_time`` as the record's
        text, empty strings as None), or None when the record lacks eventID, eventTime,
        eventName or eventSource.
    """
    if isinstance(record, dict) and "CloudTrailEvent" in record:
        record = record_from_lookup_event(record)
    columns, bad = record_columns([record], None)
    if bad:
        return None
    return {
        column: values[0] if column in BOOL_COLUMNS else text_value(values[0])
        for column, values in ((c, columns[c]) for c in RECORD_COLUMNS)
    }


def event_source_of(record: dict[str, Any]) -> Any:
    """Return a record's eventSource (for Insight events, the one in insightDetails)."""
    return _insight_fields(record).get("eventSource")


def is_well_formed(record: Any) -> bool:
    """Return whether a record is an object with eventID, eventTime, eventName, eventSource."""
    if not isinstance(record, dict):
        return False
    record = _insight_fields(record)
    return all(record.get(field) for field in REQUIRED_FIELDS)
