"""CloudTrail activity evidence: parsing, collection, the frame, and files at hand.

The public entry points:

- ``collect_events(run_dir, params, sessions, client_factory, progress)``: LookupEvents pages
  and S3 archive pages into the run folder's raw evidence (called by ``collect_run``);
- ``build_cloudtrail_events(store)``: the raw evidence into the ``cloudtrail_events`` frame;
- ``read_cloudtrail(sources)``: CloudTrail files or S3 objects at hand into the same frame;
- ``parse_record(record)``: one record into the frame's values.

The modules behind them: ``cloudtrail_parse`` (records to column values),
``cloudtrail_table`` (values to the frame), ``cloudtrail_read`` (files), ``cloudtrail_archive``
(the S3 archive and its raw pages) and ``cloudtrail_collect`` (LookupEvents, orchestration).
"""

from __future__ import annotations

import logging
import time

import pandas as pd

from evidence_lib.cloudtrail_archive import iter_archive_pages
from evidence_lib.cloudtrail_collect import collect_events
from evidence_lib.cloudtrail_parse import (
    SOURCE_ARCHIVE,
    SOURCE_LOOKUP,
    parse_record,
    record_from_lookup_event,
)
from evidence_lib.cloudtrail_read import parsing, read_cloudtrail
from evidence_lib.cloudtrail_table import EventTable
from evidence_lib.rawstore import RawStore

logger = logging.getLogger(__name__)

__all__ = [
    "build_cloudtrail_events",
    "collect_events",
    "parse_record",
    "read_cloudtrail",
    "record_from_lookup_event",
]


def _add_lookup_pages(store: RawStore, table: EventTable) -> None:
    for page in store.iter_pages("cloudtrail", "LookupEvents"):
        if page.outcome != "ok" or not page.response:
            continue
        events = page.response.get("Events") or []
        records = [record_from_lookup_event(e) for e in events if isinstance(e, dict)]
        table.add(
            records,
            source=SOURCE_LOOKUP,
            source_object=f"lookup_events:{page.path}",
            raw_path=page.path,
            account_id=page.account_id,
        )


def _add_archive_pages(store: RawStore, table: EventTable) -> None:
    for path, document in iter_archive_pages(store.run_dir):
        records, position = document.get("records") or [], 0
        for source in document.get("sources") or []:
            count = int(source.get("records_kept") or 0)
            table.add(
                records[position : position + count],
                source=SOURCE_ARCHIVE,
                source_object=f"s3://{source['bucket']}/{source['key']}",
                raw_path=path,
                account_id=document.get("account_id"),
            )
            position += count


def build_cloudtrail_events(store: RawStore) -> pd.DataFrame:
    """Build the ``cloudtrail_events`` frame from a run's LookupEvents and archive pages.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        Exactly ``SCHEMAS["cloudtrail_events"]``, one row per event ID (an event in both
        sources is kept from the S3 archive), sorted by ``event_time`` then ``event_id``.
        ``account_id`` is the event's recipientAccountId (or the page's account),
        ``region`` its awsRegion, ``resource_type`` 'event', ``resource_id`` the event ID,
        ``resource_arn`` <NA>, ``raw_path`` the page it came from; ``source`` is
        ``lookup_events`` or ``s3_archive`` and ``source_object`` is
        ``lookup_events:<page path>`` or ``s3://bucket/key``.
    """
    started = time.monotonic()
    table = EventTable()
    with parsing():
        _add_lookup_pages(store, table)
        _add_archive_pages(store, table)
        frame = table.to_frame()
    logger.info(
        "cloudtrail_events: %s event(s), %s malformed input(s) in %.1f s",
        len(frame),
        len(table.malformed),
        time.monotonic() - started,
    )
    return frame
