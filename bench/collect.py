"""Benchmark collection on a scaled fleet: wall time, API calls and peak memory.

Usage::

    python bench/collect.py [--groups 1000] [--snapshots 20000] [--keep-run]

Starts ``bench/seed_scale.py``'s endpoint (the demo fleet plus ``--groups`` replication groups
and ``--snapshots`` snapshots, no CloudTrail records), runs ``collect_run`` with
parameters/demo.yaml against it, and prints the wall time, the API calls made (raw pages
stored, and HTTP requests counted by a botocore event hook, retries included), the calls per
operation, and the peak RSS of this process (endpoint included). Target: peak RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed_scale import start_scaled_endpoint  # noqa: E402
from evidence_lib.collectors import collect_run  # noqa: E402
from evidence_lib.params import load_params  # noqa: E402
from evidence_lib.session import AccountSession  # noqa: E402

PARAMS = Path(__file__).resolve().parent.parent / "parameters" / "demo.yaml"
RSS_TARGET_MB = 500


class RequestCounter:
    """Count the HTTP requests every client of the run sends, per operation."""

    def __init__(self) -> None:
        self.by_operation: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._original = AccountSession.client

    def _count(self, event_name: str, **_: Any) -> None:
        # before-send fires once per HTTP request (retries included): before-send.<svc>.<Op>
        with self._lock:
            self.by_operation[event_name.rsplit(".", 1)[-1]] += 1

    def install(self) -> None:
        """Wrap ``AccountSession.client`` so each client counts its requests once."""
        original, count = self._original, self._count

        def counting_client(session: AccountSession, service: str, region: str) -> Any:
            client = original(session, service, region)
            client.meta.events.register("before-send", count, unique_id="bench-count")
            return client

        AccountSession.client = counting_client  # type: ignore[method-assign]

    def uninstall(self) -> None:
        """Restore ``AccountSession.client``."""
        AccountSession.client = self._original  # type: ignore[method-assign]


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1_000, help="replication groups")
    parser.add_argument("--snapshots", type=int, default=20_000, help="snapshots")
    parser.add_argument("--keep-run", action="store_true", help="keep the run folder")
    args = parser.parse_args()

    # seed
    endpoint = start_scaled_endpoint(groups=args.groups, snapshots=args.snapshots, records=0)
    rss_seeded = peak_rss_mb()
    out_dir = Path(tempfile.mkdtemp(prefix="bench-collect-"))
    counter = RequestCounter()
    counter.install()
    try:
        # collect
        os.environ["AWS_ENDPOINT_URL"] = endpoint.url
        params = load_params(PARAMS)
        started = time.perf_counter()
        run_dir = collect_run(params, out_dir=out_dir, progress=False)
        wall = time.perf_counter() - started

        # report
        pages = sum(1 for _ in (run_dir / "raw").rglob("*.json"))
        print(f"run folder            {run_dir}")
        print(f"wall time             {wall:8.1f} s")
        print(f"raw pages stored      {pages:8d}")
        print(f"HTTP requests sent    {sum(counter.by_operation.values()):8d}")
        for operation, calls in counter.by_operation.most_common(12):
            print(f"  {operation:<36} {calls:6d}")
        print(f"peak RSS after seed   {rss_seeded:8.0f} MB")
        print(f"peak RSS after run    {peak_rss_mb():8.0f} MB (target < {RSS_TARGET_MB} MB)")
    finally:
        counter.uninstall()
        endpoint.stop()
        if not args.keep_run:
            shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
