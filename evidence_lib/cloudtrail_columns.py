"""CloudTrail records (dicts) to Arrow columns, and the finishing both reading paths share.

``arrow_columns`` lets Arrow convert a batch of records' documented fields natively;
``python_columns`` reads a batch that holds an odd record one record at a time
(``cloudtrail_parse.record_columns``), with the same results. ``finish_columns`` turns the
fields as read into the frame's columns (empty strings as null, identity rules, console sign-in
outcomes, JSON texts, account); ``cloudtrail_decode`` uses it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import methodcaller
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from evidence_lib.cloudtrail_parse import (
    BOOL_COLUMNS,
    CONSOLE_LOGIN_FAILURE,
    record_columns,
    text_value,
)

TEXT = pa.large_string()
_NULL_TEXT = pa.scalar(None, TEXT)

# The record fields Arrow reads natively, and their columns.
_FIELDS = {
    "eventID": "event_id",
    "eventTime": "event_time",
    "eventSource": "event_source",
    "eventName": "event_name",
    "awsRegion": "aws_region",
    "recipientAccountId": "recipient_account_id",
    "sourceIPAddress": "source_ip",
    "userAgent": "user_agent",
    "errorCode": "error_code",
    "errorMessage": "error_message",
    "readOnly": "read_only",
    "eventType": "event_type",
    "managementEvent": "management_event",
}
_IDENTITY_TYPE = pa.struct(
    [
        ("type", TEXT),
        ("arn", TEXT),
        ("principalId", TEXT),
        ("userName", TEXT),
        ("invokedBy", TEXT),
        ("onBehalfOf", pa.struct([("userId", TEXT)])),
        ("sessionContext", pa.struct([("sessionIssuer", pa.struct([("arn", TEXT)]))])),
    ]
)
_RECORD_TYPE = pa.struct(
    [(name, pa.bool_() if col in BOOL_COLUMNS else TEXT) for name, col in _FIELDS.items()]
    + [("userIdentity", _IDENTITY_TYPE)]
)
_JSON_FIELDS = {
    "request_parameters": "requestParameters",
    "response_elements": "responseElements",
    "resources": "resources",
}
_RESPONSE = "responseElements"
_ROLE_TYPES = pa.array(["AssumedRole", "FederatedUser"], TEXT)


def _nonempty(array: pa.Array) -> pa.Array:
    """Return a text array with empty strings as null."""
    empty = pc.equal(array, "")
    if pc.any(empty).as_py():
        return pc.if_else(empty, _NULL_TEXT, array)
    return array


def is_true(condition: pa.Array) -> pa.Array:
    """Return a boolean array where null counts as False."""
    return pc.fill_null(condition, False)


def arrow_columns(records: list[Any], account_id: str | None) -> dict[str, pa.Array] | None:
    """Return the columns of well-formed records as Arrow arrays, converted natively.

    Parameters
    ----------
    records : list
        CloudTrail records (dicts) as in the S3 log files.
    account_id : str or None
        The account for ``account_id`` when a record has no ``recipientAccountId``.

    Returns
    -------
    dict or None
        The ``RECORD_COLUMNS`` (large_string and bool arrays, empty strings as null), with
        the values ``record_columns`` gives. None when a record is not an object, lacks a
        required field or holds a field of another JSON type than documented: such batches
        are read by ``record_columns``.
    """
    try:
        struct = pa.array(records, type=_RECORD_TYPE)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if struct.null_count:
        return None
    fields = struct.flatten()
    identity = fields[-1].flatten()
    identity[5:] = [identity[5].flatten()[0], identity[6].flatten()[0].flatten()[0]]
    texts = {}
    for column, field in _JSON_FIELDS.items():
        dumped = list(map(orjson.dumps, map(methodcaller("get", field), records)))
        texts[column] = pa.array(dumped, pa.large_binary()).cast(TEXT)
    plain = dict(zip(_FIELDS.values(), fields, strict=False))
    return finish_columns(plain, identity, texts, lambda i: records[i].get(_RESPONSE), account_id)


def finish_columns(
    plain: dict[str, pa.Array],
    identity: list[pa.Array],
    texts: dict[str, pa.Array],
    response_of: Callable[[int], Any],
    account_id: str | None,
) -> dict[str, pa.Array] | None:
    """Return the ``RECORD_COLUMNS`` from the record fields as read, or None if one lacks some.

    Parameters
    ----------
    plain : dict
        The arrays of the fields of ``_FIELDS``, keyed by column, as read (empty strings kept).
    identity : list
        userIdentity's type, arn, principalId, userName, invokedBy, onBehalfOf.userId and
        sessionContext.sessionIssuer.arn arrays.
    texts : dict
        The JSON text arrays of ``_JSON_FIELDS`` ("null" where the field is null or missing).
    response_of : callable
        Returns the decoded responseElements of the record at an index (for console sign-ins).
    account_id : str or None
        The account for ``account_id`` when a record has no ``recipientAccountId``.

    Returns
    -------
    dict or None
        The columns, or None when a record lacks eventID, eventTime, eventSource or eventName.
    """
    columns = {c: a if c in BOOL_COLUMNS else _nonempty(a) for c, a in plain.items()}
    required = [columns[c] for c in ("event_id", "event_time", "event_source", "event_name")]
    if any(a.null_count for a in required):
        return None
    columns.update(_identity_arrays(identity))
    columns["error_code"] = _console_failures(response_of, plain, columns["error_code"])
    for column, array in texts.items():
        columns[column] = pc.if_else(pc.equal(array, "null"), _NULL_TEXT, array)
    account = pa.scalar(account_id, TEXT)
    columns["account_id"] = pc.coalesce(columns["recipient_account_id"], account)
    return columns


def _identity_arrays(identity: list[pa.Array]) -> dict[str, pa.Array]:
    """Return the identity columns by the rules of ``cloudtrail_parse``'s docstring."""
    kind, arn, principal, user, invoked, behalf, issuer = (_nonempty(a) for a in identity)
    missing = pc.is_null(user)
    if pc.any(missing).as_py():
        # NOTE: assumed roles, services and Identity Center users carry no userName.
        tail = _nonempty(pc.replace_substring_regex(arn, "^.*/", ""))
        role = is_true(pc.and_(pc.is_in(kind, _ROLE_TYPES), pc.match_substring(arn, "/")))
        center = is_true(pc.equal(kind, "IdentityCenterUser"))
        derived = pc.if_else(
            role,
            tail,
            pc.if_else(
                is_true(pc.equal(kind, "AWSService")),
                invoked,
                pc.if_else(center, behalf, _NULL_TEXT),
            ),
        )
        user = pc.if_else(missing, derived, user)
        behalf_id = pc.and_(pc.and_(center, missing), pc.is_null(principal))
        principal = pc.if_else(behalf_id, behalf, principal)
    return {
        "user_identity_type": kind,
        "principal_arn": arn,
        "principal_id": principal,
        "user_name": user,
        "session_issuer_arn": issuer,
    }


def _console_failures(
    response_of: Callable[[int], Any], plain: dict[str, pa.Array], codes: pa.Array
) -> pa.Array:
    """Return error codes with ``ConsoleLoginFailure`` for failed console sign-ins."""
    # NOTE: a failed console sign-in has no errorCode; its outcome is in responseElements.
    sign_in = pc.equal(plain["event_type"], "AwsConsoleSignIn")
    candidates = is_true(pc.and_(sign_in, pc.is_null(plain["error_code"])))
    if not pc.any(candidates).as_py():
        return codes
    values = codes.to_pylist()
    for index in np.flatnonzero(candidates.to_numpy(zero_copy_only=False)):
        response = response_of(int(index))
        if isinstance(response, dict) and response.get("ConsoleLogin") == "Failure":
            values[index] = CONSOLE_LOGIN_FAILURE
    return pa.array(values, TEXT)


def _string_array(values: Iterable[Any]) -> pa.Array:
    """Return an Arrow text array; empty strings become null."""
    seq = list(values)
    try:
        array = pa.array(seq, type=TEXT)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # NOTE: a field AWS documents as text may hold a number or an object in odd records.
        array = pa.array([text_value(v) for v in seq], type=TEXT)
    return _nonempty(array)


def python_columns(
    records: Iterable[Any], account_id: str | None
) -> tuple[dict[str, pa.Array], int]:
    """Return the columns of ``record_columns`` as Arrow arrays, and the malformed count."""
    columns, bad = record_columns(records, account_id)
    times = [v if isinstance(v, str) else None for v in columns["event_time"]]
    columns["event_time"] = times
    arrays = {
        name: pa.array(values, pa.bool_()) if name in BOOL_COLUMNS else _string_array(values)
        for name, values in columns.items()
    }
    return arrays, bad
