"""CloudTrail log files decoded straight into Arrow columns.

A log file as AWS delivers it (``{"Records": [...]}``) is decoded by msgspec against typed
structs that hold only the fields the frame uses: every other field is skipped without building
Python objects, and requestParameters, responseElements and resources are kept as the JSON text
they are in the file (``msgspec.Raw``) instead of being decoded and encoded again. Text that is
not in the compact form ``orjson.dumps`` writes (spaces, newlines, escapes) is rewritten in that
form, so both readings give the same column text.

``decode_log_file`` and ``records_columns`` (which takes several files' records at once: Arrow
computes cheaply on long arrays only) return None for anything else: other shapes, damaged
JSON, a field of another JSON type than documented, a record lacking a required field. The
general path (``cloudtrail_read.load_records`` and ``EventTable.add``) then reads the file, with
the same results and the same reporting of bad input.
"""

from __future__ import annotations

import functools
import zlib
from typing import Any, cast

import msgspec
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from isal import igzip
from isal.igzip_lib import IsalError
from msgspec.structs import astuple

from evidence_lib.cloudtrail_columns import TEXT, finish_columns
from evidence_lib.cloudtrail_parse import BOOL_COLUMNS, JSON_COLUMNS

# What a damaged file raises: bad gzip (OSError, EOFError, zlib or ISA-L errors), bad JSON
# (ValueError, which orjson's JSONDecodeError is).
DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    EOFError,
    zlib.error,
    cast(type[Exception], IsalError),
    ValueError,
)
GZIP_MAGIC = b"\x1f\x8b"
_NULL_JSON = msgspec.Raw(b"null")


class _Issuer(msgspec.Struct, gc=False, rename="camel"):
    arn: str | None = None


class _SessionContext(msgspec.Struct, gc=False, rename="camel"):
    session_issuer: _Issuer | None = None


class _OnBehalfOf(msgspec.Struct, gc=False, rename="camel"):
    user_id: str | None = None


class _Identity(msgspec.Struct, gc=False, rename="camel"):
    type: str | None = None
    arn: str | None = None
    principal_id: str | None = None
    user_name: str | None = None
    invoked_by: str | None = None
    on_behalf_of: _OnBehalfOf | None = None
    session_context: _SessionContext | None = None


class _Record(msgspec.Struct, gc=False, rename="camel"):
    # NOTE: named as the frame's columns; the JSON names are in camel case.
    event_id: str | None = msgspec.field(default=None, name="eventID")
    event_time: str | None = None
    event_source: str | None = None
    event_name: str | None = None
    aws_region: str | None = None
    recipient_account_id: str | None = None
    source_ip: str | None = msgspec.field(default=None, name="sourceIPAddress")
    user_agent: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    event_type: str | None = None
    read_only: bool | None = None
    management_event: bool | None = None
    request_parameters: msgspec.Raw = _NULL_JSON
    response_elements: msgspec.Raw = _NULL_JSON
    resources: msgspec.Raw = _NULL_JSON
    user_identity: _Identity | None = None


class _LogFile(msgspec.Struct, gc=False, rename="camel"):
    records: list[_Record] = msgspec.field(name="Records")


_DECODER = msgspec.json.Decoder(_LogFile)
_REQUIRED = frozenset({"event_id", "event_time", "event_source", "event_name"})
_NO_IDENTITY = (None,) * len(_Identity.__struct_fields__)


def gunzip(data: bytes) -> bytes:
    """Return ``data`` decompressed when it is gzip (every member), else as it is."""
    # NOTE: ISA-L's inflate is about five times zlib's; CloudTrail files are gzip.
    return igzip.decompress(data) if data[:2] == GZIP_MAGIC else data


def decode_log_file(data: bytes) -> list[Any] | None:
    """Return the records of a ``{"Records": [...]}`` log file, typed; None to read it otherwise.

    Parameters
    ----------
    data : bytes
        The decompressed file.

    Returns
    -------
    list or None
        The records, holding only the fields the frame uses; None when the file is not a log
        file of records of the documented JSON types (or holds no records).
    """
    try:
        records: list[Any] = _DECODER.decode(data).records
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return records or None


def records_columns(
    files: list[list[Any]], account_id: str | None
) -> tuple[dict[str, pa.Array] | None, list[int]]:
    """Return the columns of the records of several files from ``decode_log_file``.

    Each file's records become Arrow arrays on their own (while its objects are still in the
    CPU cache); the arrays are then joined and finished in one go (Arrow computes cheaply on
    long arrays only).

    Parameters
    ----------
    files : list of lists
        Each file's records as ``decode_log_file`` returns them.
    account_id : str or None
        The account for ``account_id`` when a record has no ``recipientAccountId``.

    Returns
    -------
    tuple of (dict or None, list of int)
        The ``RECORD_COLUMNS`` of the files' records, in file order, as ``arrow_columns``
        gives them (None when no file could be read natively), and the positions in ``files``
        of the files that could not: a record lacks eventID, eventTime, eventSource or
        eventName, or a JSON field is not valid UTF-8. The general path reads those.
    """
    parts: list[tuple[dict[str, pa.Array], list[pa.Array], dict[str, pa.Array]]] = []
    kept: list[list[Any]] = []
    left: list[int] = []
    for position, records in enumerate(files):
        arrays = _file_arrays(records)
        if arrays is None:
            left.append(position)
        else:
            parts.append(arrays)
            kept.append(records)
    if not parts:
        return None, left
    plain = {name: _joined([p[0][name] for p in parts]) for name in parts[0][0]}
    identity = [_joined([p[1][i] for p in parts]) for i in range(len(parts[0][1]))]
    texts = {name: _joined([p[2][name] for p in parts]) for name in parts[0][2]}
    starts = np.cumsum([0] + [len(records) for records in kept])

    def response_of(index: int) -> Any:
        file = int(np.searchsorted(starts, index, side="right")) - 1
        return orjson.loads(bytes(kept[file][index - starts[file]].response_elements))

    return finish_columns(plain, identity, texts, response_of, account_id), left


def _joined(arrays: list[pa.Array]) -> pa.Array:
    return arrays[0] if len(arrays) == 1 else pa.concat_arrays(arrays)


def _file_arrays(
    records: list[Any],
) -> tuple[dict[str, pa.Array], list[pa.Array], dict[str, pa.Array]] | None:
    """Return one file's field arrays, identity arrays and JSON texts, or None (see above)."""
    plain: dict[str, pa.Array] = {}
    texts: dict[str, pa.Array] = {}
    identity: list[pa.Array] = []
    by_field = zip(_Record.__struct_fields__, zip(*map(astuple, records), strict=True), strict=True)
    for column, values in by_field:
        if column in _REQUIRED and (None in values or "" in values):
            return None
        if column in BOOL_COLUMNS:
            plain[column] = pa.array(values, pa.bool_())
        elif column in JSON_COLUMNS:
            try:
                texts[column] = _json_texts(values)
            except pa.ArrowInvalid:
                # NOTE: msgspec does not look inside the texts it keeps raw; Arrow finds bad UTF-8.
                return None
        elif column == "user_identity":
            identity = _identity(values)
        else:
            plain[column] = pa.array(values, TEXT)
    return plain, identity, texts


def document_columns(data: bytes, account_id: str | None) -> dict[str, pa.Array] | None:
    """Return the columns of one decompressed log file, or None to read it otherwise."""
    records = decode_log_file(data)
    if records is None:
        return None
    columns, left = records_columns([records], account_id)
    return None if left else columns


def _json_texts(raws: tuple[msgspec.Raw, ...]) -> pa.Array:
    """Return the JSON texts of one field, in orjson's compact form."""
    # NOTE: one buffer of all the texts becomes the Arrow array without a Python string each.
    offsets = np.zeros(len(raws) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, raws), np.int64, len(raws)), out=offsets[1:])
    joined = b"".join(raws)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(joined)]
    texts = pa.Array.from_buffers(pa.large_binary(), len(raws), buffers).cast(TEXT)
    where = _loose_texts(joined, offsets)
    if not len(where):
        return texts
    loose = np.zeros(len(raws), bool)
    loose[where] = True
    compact = [_compact(bytes(raws[i])) for i in where]
    replaced = pa.array(compact, pa.large_binary()).cast(TEXT)
    return pc.replace_with_mask(texts, pa.array(loose), replaced)


def _loose_texts(joined: bytes, offsets: np.ndarray) -> np.ndarray:
    """Return the positions of the texts unlike orjson's compact form (sorted, distinct).

    A text is loose when it holds a backslash, a newline, a carriage return or a tab, or when
    whitespace follows a key's colon (``": ``) or precedes a quote (`` "``). Inside a string an
    unescaped quote cannot occur, so such whitespace lies between tokens (or, rarely, ends a
    string: rewritten needlessly but rightly). Spaces inside strings ("Mar 1, 2026") pass.
    """
    # NOTE: numpy scans the joined texts at memory speed; a regex per text was a fifth of the
    # whole reader's time.
    data = np.frombuffer(joined, np.uint8)
    always = np.empty(0, np.int64)
    if any(byte in joined for byte in _ALWAYS_LOOSE):
        always = np.flatnonzero(functools.reduce(np.logical_or, (data == b for b in _ALWAYS_LOOSE)))
    spaces = np.flatnonzero((data == _SPACE) | (data == _FORM_FEED))
    before = spaces[spaces >= 2]
    after_key = before[(data[before - 1] == _COLON) & (data[before - 2] == _QUOTE)]
    inner = spaces[spaces + 1 < len(data)]
    before_quote = inner[data[inner + 1] == _QUOTE]
    # Each match as its first and last byte; it counts only inside one text (a text's last
    # byte and the next one's first do not).
    matches = ((always, always), (after_key - 2, after_key), (before_quote, before_quote + 1))
    found = []
    for first, last in matches:
        texts = _text_of(offsets, first)
        found.append(texts[texts == _text_of(offsets, last)])
    return np.unique(np.concatenate(found))


def _text_of(offsets: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Return the index of the text each byte position lies in."""
    return np.searchsorted(offsets, positions, side="right") - 1


_ALWAYS_LOOSE = tuple(b"\\\n\r\t")
_SPACE, _FORM_FEED, _COLON, _QUOTE = (ord(c) for c in ' \f:"')


def _compact(text: bytes) -> bytes:
    """Return one JSON text in orjson's compact form."""
    if b"\\" in text:
        # NOTE: escapes (\u00e9, \/) are written by orjson as the characters they stand for.
        return orjson.dumps(orjson.loads(text))
    # NOTE: whitespace only (often inside strings: "Mar 1, 2026, 9:41:52 PM"); msgspec drops
    # what lies between tokens without decoding the text.
    return msgspec.json.format(text, indent=-1)


def _identity(identities: tuple[Any, ...]) -> list[pa.Array]:
    """Return the identity arrays ``finish_columns`` takes."""
    if None in identities:
        rows: Any = (_NO_IDENTITY if i is None else astuple(i) for i in identities)
    else:
        rows = map(astuple, identities)
    kind, arn, principal, user, invoked, behalf, context = zip(*rows, strict=True)
    behalf_ids = [None if b is None else b.user_id for b in behalf]
    issuers = [
        None if c is None or c.session_issuer is None else c.session_issuer.arn for c in context
    ]
    arrays: list[Any] = [kind, arn, principal, user, invoked, behalf_ids, issuers]
    return [pa.array(values, TEXT) for values in arrays]
