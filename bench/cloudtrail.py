"""Benchmark: reading CloudTrail archive files into the cloudtrail_events frame.

Generates N real-shaped CloudTrail records into gzip log files (about 2,000 records per file)
under a temporary folder, then measures in this same run, each contender in its own
subprocess (so that peak RSS figures are honest):

(a) ``evidence_lib.read_cloudtrail`` on the folder, producing the full frame, with its default
    worker processes, and (a1) in one process;
(b) ``pandas.json_normalize`` over the same files (load each, normalise its Records), giving
    the same columns: the JSON-text fields as text, the source object, sorted by time and ID;
(c) DuckDB ``read_json`` selecting and renaming the nested fields into the same columns;
(d) the bare cost of gzip-decompressing and orjson-parsing every file (the practical limit).

Records are real-shaped by default (``--shape thin`` gives the small uniform records measured
before; see ``cloudtrail_records.py``).

Usage: ``python bench/cloudtrail.py [--records N] [--normalize-records M] [--per-file K]
[--shape real|thin|account]``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from cloudtrail_records import SHAPES, generate


def _files(folder: Path, limit: int | None) -> list[Path]:
    files = sorted(folder.rglob("*.json.gz"))
    return files[:limit] if limit else files


def run_ours(folder: Path, limit: int | None, workers: int | None = None) -> int:
    from evidence_lib.cloudtrail import read_cloudtrail

    frame = read_cloudtrail(_files(folder, limit) if limit else folder, workers=workers)
    return len(frame)


def run_ours_1(folder: Path, limit: int | None) -> int:
    return run_ours(folder, limit, workers=1)


def run_normalize(folder: Path, limit: int | None) -> int:
    import pandas as pd

    frames = []
    for path in _files(folder, limit):
        records = orjson.loads(gzip.decompress(path.read_bytes()))["Records"]
        frame = pd.json_normalize(records)
        # The frame's JSON-text columns hold each field as the file has it, not flattened.
        for field, column in _NORMALIZED_TEXTS.items():
            frame[column] = [_json_text(record.get(field)) for record in records]
        frame["source_object"] = str(path)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame["eventTime"] = pd.to_datetime(frame["eventTime"], format="ISO8601", utc=True)
    for column in _NORMALIZED_NAMES:
        if column not in frame:
            frame[column] = None
    frame["userIdentity.userName"] = frame["userIdentity.userName"].fillna(
        frame["userIdentity.invokedBy"]
    )
    renamed = frame.rename(columns=_NORMALIZED_NAMES)
    columns = [*_NORMALIZED_NAMES.values(), *_NORMALIZED_TEXTS.values(), "source_object"]
    renamed = renamed.loc[:, columns].sort_values(["event_time", "event_id"], ignore_index=True)
    return len(renamed)


def _json_text(value: object) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


_NORMALIZED_TEXTS = {
    "requestParameters": "request_parameters",
    "responseElements": "response_elements",
    "resources": "resources",
}
_NORMALIZED_NAMES = {
    "eventID": "event_id",
    "eventTime": "event_time",
    "eventSource": "event_source",
    "eventName": "event_name",
    "awsRegion": "aws_region",
    "recipientAccountId": "recipient_account_id",
    "userIdentity.type": "user_identity_type",
    "userIdentity.arn": "principal_arn",
    "userIdentity.principalId": "principal_id",
    "userIdentity.userName": "user_name",
    "userIdentity.invokedBy": "invoked_by",
    "userIdentity.sessionContext.sessionIssuer.arn": "session_issuer_arn",
    "sourceIPAddress": "source_ip",
    "userAgent": "user_agent",
    "errorCode": "error_code",
    "errorMessage": "error_message",
    "readOnly": "read_only",
    "eventType": "event_type",
    "managementEvent": "management_event",
}

_DUCKDB_SQL = """
SELECT r.eventID AS event_id, CAST(r.eventTime AS TIMESTAMPTZ) AS event_time,
       r.eventSource AS event_source, r.eventName AS event_name, r.awsRegion AS aws_region,
       r.recipientAccountId AS recipient_account_id, r.userIdentity.type AS user_identity_type,
       r.userIdentity.arn AS principal_arn, r.userIdentity.principalId AS principal_id,
       coalesce(r.userIdentity.userName, r.userIdentity.invokedBy) AS user_name,
       r.userIdentity.sessionContext.sessionIssuer.arn AS session_issuer_arn,
       r.sourceIPAddress AS source_ip, r.userAgent AS user_agent, r.errorCode AS error_code,
       r.errorMessage AS error_message, r.readOnly AS read_only, r.eventType AS event_type,
       r.managementEvent AS management_event,
       to_json(r.requestParameters) AS request_parameters,
       to_json(r.responseElements) AS response_elements, {resources} AS resources,
       filename AS source_object
FROM (SELECT unnest(Records) AS r, filename
      FROM read_json(?, format = 'auto', filename = true, maximum_object_size = 268435456))
ORDER BY event_time, event_id
"""


def run_duckdb(folder: Path, limit: int | None) -> int:
    import duckdb

    files = [str(p) for p in _files(folder, limit)]
    # NOTE: when no sampled record has a resources field (ElastiCache's own records have none),
    # DuckDB's inferred struct lacks the key and selecting it is an error.
    resources = "to_json(r.resources)" if _DUCKDB_RESOURCES else "NULL::VARCHAR"
    frame = duckdb.connect().execute(_DUCKDB_SQL.format(resources=resources), [files]).df()
    return len(frame)


def _prepare_duckdb(folder: Path, limit: int | None) -> None:
    """Find out, before the clock starts, whether DuckDB's records carry a resources key."""
    import duckdb

    global _DUCKDB_RESOURCES
    files = [str(p) for p in _files(folder, limit)]
    try:
        duckdb.connect().execute(_DUCKDB_PROBE, [files])
    except duckdb.BinderException:
        _DUCKDB_RESOURCES = False
    else:
        _DUCKDB_RESOURCES = True


_DUCKDB_RESOURCES = False
_DUCKDB_PROBE = """
SELECT r.resources FROM (SELECT unnest(Records) AS r
FROM read_json(?, format = 'auto', maximum_object_size = 268435456)) LIMIT 0
"""


def run_bare(folder: Path, limit: int | None) -> int:
    count = 0
    for path in _files(folder, limit):
        count += len(orjson.loads(gzip.decompress(path.read_bytes()))["Records"])
    return count


CONTENDERS = {
    "ours": ("(a) read_cloudtrail (default workers)", run_ours),
    "ours_1": ("(a1) read_cloudtrail(workers=1)", run_ours_1),
    "json_normalize": ("(b) pandas.json_normalize", run_normalize),
    "duckdb": ("(c) duckdb read_json", run_duckdb),
    "bare": ("(d) gzip + orjson only", run_bare),
}
# What a contender finds out before its clock starts.
PREPARE = {"duckdb": _prepare_duckdb}
# What each contender imports, loaded before its clock starts.
IMPORTS = {
    "ours": ("evidence_lib.cloudtrail",),
    "ours_1": ("evidence_lib.cloudtrail",),
    "json_normalize": ("pandas",),
    "duckdb": ("duckdb", "pandas"),
    "bare": (),
}


def _child(name: str, folder: Path, limit: int | None) -> None:
    """Run one contender in this process and print its figures as one JSON line."""
    import resource

    for module in IMPORTS[name]:
        importlib.import_module(module)
    if name in PREPARE:
        PREPARE[name](folder, limit)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    records = CONTENDERS[name][1](folder, limit)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    figures = {"records": records, "seconds": seconds, "peak_rss_mb": own.ru_maxrss / 1024}
    figures |= {"worker_rss_mb": children.ru_maxrss / 1024, "cpu_seconds": cpu, "load": load}
    print(json.dumps(figures))


def _measure(name: str, folder: Path, limit: int | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", name, "--folder", str(folder)]
    if limit:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["rate"] = figures["records"] / figures["seconds"]
    return figures


def _report(results: dict[str, dict[str, float]], records: int, note: str) -> None:
    ours = results["ours"]["rate"]
    print(f"\n{records:,} records; rates in records/second; ratio = ours / contender\n")
    header = f"{'contender':38} {'records':>10} {'seconds':>8} {'rate':>11} {'ratio':>7}"
    print(f"{header} {'RSS MB':>7} {'worker':>7} {'CPU s':>7} {'load':>5}")
    for name, figures in results.items():
        label = CONTENDERS[name][0]
        print(
            f"{label:38} {figures['records']:>10,.0f} {figures['seconds']:>8.2f} "
            f"{figures['rate']:>11,.0f} {ours / figures['rate']:>7.2f} "
            f"{figures['peak_rss_mb']:>7.0f} {figures['worker_rss_mb'] or float('nan'):>7.0f} "
            f"{figures['cpu_seconds']:>7.1f} {figures['load']:>5.1f}"
        )
    print(note)
    print(f"\n{'target':40} {'measured':>10} {'needed':>8}  verdict")
    for reader in ("ours", "ours_1"):
        for text, measured, needed in _targets(results, reader):
            verdict = "PASS" if measured >= needed else "MISS"
            print(f"{text:40} {measured:>10.2f} {needed:>8.2f}  {verdict}")


def _targets(results: dict[str, dict[str, float]], reader: str) -> list[tuple[str, float, float]]:
    """Return (target, measured ratio, needed ratio) of one reader; RSS as limit / peak."""
    rate = results[reader]["rate"]
    name = CONTENDERS[reader][0].split()[0]
    return [
        (f"{name} / json_normalize rate", rate / results["json_normalize"]["rate"], 10.0),
        (f"{name} / duckdb rate (must exceed)", rate / results["duckdb"]["rate"], 1.0 + 1e-9),
        (f"{name} / bare rate", rate / results["bare"]["rate"], 0.5),
        (f"{name} 1.5 GB / peak RSS", 1536 / results[reader]["peak_rss_mb"], 1.0 + 1e-9),
    ]


def _duckdb_threads() -> str:
    import duckdb

    row = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()
    return str(row[0]) if row else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=2_000)
    parser.add_argument(
        "--shape", choices=sorted(SHAPES), default="real", help="record shape (default: real)"
    )
    parser.add_argument(
        "--normalize-records",
        type=int,
        default=100_000,
        help="json_normalize reads only this many records (it is slow); its rate is scaled",
    )
    parser.add_argument("--child", choices=sorted(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.folder, args.limit)
        return

    with tempfile.TemporaryDirectory(prefix="bench-cloudtrail-") as tmp:
        started = time.perf_counter()
        files = generate(Path(tmp), args.records, args.per_file, args.shape)
        size = sum(p.stat().st_size for p in files) / 2**20
        print(
            f"generated {args.records:,} {args.shape}-shaped records in {len(files):,} files "
            f"({size:,.0f} MiB gzip) "
            f"in {time.perf_counter() - started:.1f} s (excluded from the figures)"
        )
        subset = -(-min(args.normalize_records, args.records) // args.per_file)
        names = ("bare", "ours", "ours_1", "duckdb")
        results = {name: _measure(name, Path(tmp), None) for name in names}
        results["json_normalize"] = _measure("json_normalize", Path(tmp), subset)
        note = (
            f"json_normalize read the first {subset:,} files only "
            f"({results['json_normalize']['records']:,.0f} records); its rate is per record, "
            f"so the ratio compares rates. DuckDB ran with threads={_duckdb_threads()} (its "
            f"default, {os.cpu_count()} core(s)); (a) parses in min(2, cores) worker processes "
            "and sorts in the parent; (a1), (b) and (d) run on one thread. RSS is each "
            "subprocess's peak (ru_maxrss); 'worker' is the largest worker process's peak. "
            "CPU s counts the subprocess and its workers (imports included; the seconds exclude "
            "them); load is the "
            "1-minute load average as the contender started (the machine has other users)."
        )
        _report(results, args.records, note)


if __name__ == "__main__":
    main()
