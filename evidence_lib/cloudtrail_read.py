"""CloudTrail files at hand (local or in S3) into the ``cloudtrail_events`` frame.

Accepted inputs, each ``.json`` or ``.json.gz`` (gzip is recognised by its magic bytes):

- CloudTrail log files as delivered to S3: ``{"Records": [...]}``;
- JSON lines, one record per line;
- LookupEvents output as the AWS CLI prints it: ``{"Events": [...]}``;
- a JSON list of records, or a single record.

Digest files (``CloudTrail-Digest``) are skipped. A file that cannot be read, decompressed or
parsed is listed in ``frame.attrs["malformed"]`` with a WARNING; the others are still read.

Files are read in batches of ``WORKER_FILES`` (in worker processes when there are many local
files, which hand their Arrow chunks back as files in ``HANDOVER_DIR``): log files go the
native way of ``cloudtrail_decode``, any other shape and a log file holding an odd record the
general way of ``load_records`` and ``EventTable.add``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
from botocore.exceptions import BotoCoreError, ClientError

from evidence_lib.cloudtrail_decode import (
    DECODE_ERRORS,
    decode_log_file,
    gunzip,
    records_columns,
)
from evidence_lib.cloudtrail_parse import SOURCE_ARCHIVE, SOURCE_LOOKUP, record_from_lookup_event
from evidence_lib.cloudtrail_table import Chunks, EventTable

logger = logging.getLogger(__name__)

DIGEST_MARK = "CloudTrail-Digest"
SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz")

Source = str | Path
WORKER_FILES = 16
# NOTE: two processes use the machines we measured on; beyond that the merge dominates.
MAX_WORKERS = 2
# Where worker processes write the chunks they hand over (the system's temporary folder when
# there is no shared memory folder); each file is removed once read.
HANDOVER_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@contextlib.contextmanager
def parsing() -> Iterator[None]:
    """Pause the cyclic garbage collector and allocate Arrow memory from jemalloc meanwhile."""
    # NOTE: millions of freshly decoded objects trigger repeated full collections (records
    # hold no reference cycles). jemalloc hands the memory freed while parsing back to the
    # system; with the default mimalloc the peak RSS of a million events was 1.6 GB, not 1.3.
    # (The merged chunks and the sorted frame take the system allocator: see
    # ``cloudtrail_table.lasting_memory``.)
    enabled = gc.isenabled()
    gc.disable()
    previous = pa.default_memory_pool()
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # pragma: no cover - builds without jemalloc (Windows)
        pass
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
        if enabled:
            gc.enable()


def _from_lookup(items: list[Any]) -> list[Any]:
    """Return records, unwrapping LookupEvents items among them."""
    return [
        record_from_lookup_event(item)
        if isinstance(item, dict) and "CloudTrailEvent" in item
        else item
        for item in items
    ]


def load_records(data: bytes) -> tuple[str, list[Any]]:
    """Decode one CloudTrail file into its records.

    Parameters
    ----------
    data : bytes
        The file's content, gzip-compressed or not.

    Returns
    -------
    tuple of (str, list)
        The source kind (``s3_archive`` for log files and records, ``lookup_events`` for
        LookupEvents output) and the records.

    Raises
    ------
    OSError, EOFError, zlib.error, IsalError, ValueError
        When the gzip stream or the JSON is damaged (``DECODE_ERRORS``).
    """
    data = gunzip(data)
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        lines = [orjson.loads(line) for line in data.splitlines() if line.strip()]
        return SOURCE_ARCHIVE, _from_lookup(lines)
    if isinstance(document, dict):
        if isinstance(document.get("Records"), list):
            return SOURCE_ARCHIVE, document["Records"]
        if isinstance(document.get("Events"), list):
            return SOURCE_LOOKUP, _from_lookup(document["Events"])
        if "CloudTrailEvent" in document:
            return SOURCE_LOOKUP, _from_lookup([document])
        return SOURCE_ARCHIVE, [document]
    if isinstance(document, list):
        return SOURCE_ARCHIVE, _from_lookup(document)
    raise ValueError(f"expected a JSON object or list, found {type(document).__name__}")


def add_files(table: EventTable, files: list[tuple[str, bytes]]) -> None:
    """Parse files' bytes into ``table``; a damaged file is reported, not raised.

    Log files (``{"Records": [...]}``) are decoded natively and their records converted in
    one batch; other shapes, and log files holding an odd record, are read one by one by the
    general path.
    """
    batch: list[tuple[str, bytes, list[Any]]] = []
    for name, data in files:
        try:
            data = gunzip(data)
        except DECODE_ERRORS as exc:
            table.report(name, f"{type(exc).__name__}: {exc}")
            continue
        records = decode_log_file(data)
        if records is None:
            _add_general(table, name, data)
        else:
            batch.append((name, data, records))
    if not batch:
        return
    columns, left = records_columns([records for _, _, records in batch], None)
    for position in left:
        _add_general(table, batch[position][0], batch[position][1])
    if columns is not None:
        skipped = set(left)
        objects = [
            (name, name, len(records))
            for position, (name, _, records) in enumerate(batch)
            if position not in skipped
        ]
        table.add_columns(columns, source=SOURCE_ARCHIVE, objects=objects)


def _add_general(table: EventTable, name: str, data: bytes) -> None:
    """Parse one decompressed file of any accepted shape into ``table``."""
    try:
        source, records = load_records(data)
    except DECODE_ERRORS as exc:
        table.report(name, f"{type(exc).__name__}: {exc}")
        return
    table.add(records, source=source, source_object=name, raw_path=name)


def _is_log_name(name: str) -> bool:
    return DIGEST_MARK not in name and name.endswith(SUFFIXES)


def _local_inputs(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """Yield (name, reader) of a file, or of the log files under a folder."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _is_log_name(p.name))
    else:
        files = [path]
    for file in files:
        yield str(file), file.read_bytes


def _s3_inputs(uri: str, client: Any) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """Yield (s3 URI, reader) of the log objects under an ``s3://bucket/prefix``."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if _is_log_name(key):
                yield f"s3://{bucket}/{key}", _s3_reader(client, bucket, key)


def _s3_reader(client: Any, bucket: str, key: str) -> Callable[[], bytes]:
    def read() -> bytes:
        return bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())

    return read


def _inputs(
    sources: Source | Iterable[Source], s3_client: Any
) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """Yield (name, reader) of every file named by ``sources``."""
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    for item in items:
        text = str(item)
        if not text.startswith("s3://"):
            yield from _local_inputs(Path(item))
            continue
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        try:
            yield from _s3_inputs(text, s3_client)
        except (ClientError, BotoCoreError) as exc:
            yield text, _raiser(exc)


def _raiser(exc: Exception) -> Callable[[], bytes]:
    def read() -> bytes:
        raise exc

    return read


def _parse_local_files(folder: str, names: list[str]) -> Chunks:
    """Parse local files into Arrow chunks written to ``folder`` (run in a worker process)."""
    table = EventTable()
    with parsing():
        _read_batch(table, [(name, Path(name).read_bytes) for name in names])
        return table.export(Path(folder))


def _read_batch(table: EventTable, inputs: list[tuple[str, Callable[[], bytes]]]) -> None:
    """Read and parse a batch of files; one that cannot be read is reported."""
    files = []
    for name, read in inputs:
        try:
            files.append((name, read()))
        except (OSError, ClientError, BotoCoreError) as exc:
            table.report(name, f"{type(exc).__name__}: {exc}")
    add_files(table, files)


def _read_in_workers(table: EventTable, names: list[str], workers: int) -> None:
    """Parse local files in ``workers`` processes, merging their chunks in file order."""
    batches = [names[i : i + WORKER_FILES] for i in range(0, len(names), WORKER_FILES)]
    # NOTE: chunks come back as Arrow files (in memory where /dev/shm is): one copy into this
    # process, where pickles through the pool's pipe cost three.
    with (
        tempfile.TemporaryDirectory(prefix="evidence-cloudtrail-", dir=HANDOVER_DIR) as folder,
        ProcessPoolExecutor(workers) as pool,
    ):
        for chunks in pool.map(functools.partial(_parse_local_files, folder), batches):
            table.merge(chunks)


def read_cloudtrail(
    sources: Source | Iterable[Source],
    *,
    s3_client: Any | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """Read CloudTrail files or objects into the ``cloudtrail_events`` frame.

    Parameters
    ----------
    sources : str, Path or iterable of them
        Files, folders (searched recursively for ``.json``/``.json.gz``/``.jsonl`` files) and
        ``s3://bucket/prefix`` URIs.
    s3_client : botocore client, optional
        The S3 client for ``s3://`` sources; by default one from the default credential chain
        (``AWS_ENDPOINT_URL`` is honoured).
    workers : int, optional
        Processes parsing local files (S3 objects are always read in this process); by
        default one per core, at most ``MAX_WORKERS``. Up to ``WORKER_FILES`` local files
        are read in this process whatever ``workers`` says.

    Returns
    -------
    pandas.DataFrame
        The columns of ``SCHEMAS["cloudtrail_events"]`` (``event_id``, ``event_time``,
        ``event_source``, ``event_name``, identity, error, request and response columns,
        ``source``, ``source_object``), one row per event, sorted by time then event ID.
        ``source_object`` and ``raw_path`` name the file or object. ``attrs["malformed"]`` is
        a list of ``{"source", "error"}`` for the inputs that could not be read.
    """
    if workers is None:
        workers = min(MAX_WORKERS, os.cpu_count() or 1)
    table = EventTable()
    inputs = list(_inputs(sources, s3_client))
    local = [name for name, _ in inputs if not name.startswith("s3://")]
    with parsing():
        if workers > 1 and len(local) > WORKER_FILES:
            _read_in_workers(table, local, workers)
            inputs = [(name, read) for name, read in inputs if name.startswith("s3://")]
        for first in range(0, len(inputs), WORKER_FILES):
            _read_batch(table, inputs[first : first + WORKER_FILES])
        frame = table.to_frame()
    logger.info("read %s CloudTrail event(s) from %s file(s)", len(frame), len(local))
    return frame
