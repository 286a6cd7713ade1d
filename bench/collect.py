"""Benchmark collection on a scaled fleet: wall time, API calls and the collector's peak memory.

Usage::

    python bench/collect.py [--groups 1000] [--snapshots 20000] [--keep-run]

Starts ``bench/seed_scale.py --keep`` in a separate process (the demo fleet plus ``--groups``
replication groups and ``--snapshots`` snapshots, no CloudTrail records) and reads its URL
from the ``Endpoint: <url>`` line it prints. This process then runs ``collect_run`` with
parameters/demo.yaml against it, so its peak RSS is the collector's own (raw pages, frames,
run folder), not the emulator's. Printed: wall time, raw pages stored, HTTP requests per
operation (a botocore ``before-send`` hook, retries included), and whether any listing
operation was called once per resource. Target: collector peak RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import botocore.session
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evidence_lib.collectors import collect_run  # noqa: E402
from evidence_lib.params import load_params  # noqa: E402

PARAMS = ROOT / "parameters" / "demo.yaml"
SEED_SCRIPT = ROOT / "bench" / "seed_scale.py"
URL_PREFIX = "Endpoint: "
RSS_TARGET_MB = 500
IDENTIFIER_SUFFIXES = ("Id", "Ids", "Name", "Names", "Arn", "Arns", "Identifier", "NameList")
# Request members that only page through a listing; any other member narrows it.
PAGING_MEMBERS = frozenset(
    {"Marker", "MaxRecords", "NextToken", "MaxResults", "nextToken", "maxResults", "MaxItems"}
)


class RequestCounter:
    """Count HTTP requests per operation and the distinct requests of each listing operation.

    A listing is an operation with a botocore paginator and no required request member (it can
    list a whole account-region). A listing sent with more than one distinct set of non-paging
    members in one account-region was called per resource.
    """

    def __init__(self) -> None:
        self.by_operation: collections.Counter[str] = collections.Counter()
        self.listing_requests: dict[tuple[str, str, str], set[str]] = collections.defaultdict(set)
        self._lock = threading.Lock()
        self._original = botocore.session.Session.create_client

    def _count(self, event_name: str, **_: Any) -> None:
        # before-send fires once per HTTP request (retries included): before-send.<svc>.<Op>
        with self._lock:
            self.by_operation[event_name.rsplit(".", 1)[-1]] += 1

    def _watch_listing(self, client: Any) -> Any:
        """Return a before-parameter-build hook recording the listing requests of ``client``."""
        region = client.meta.region_name

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            name = model.name
            if not client.can_paginate(_snake(name)) or model.input_shape is None:
                return
            if model.input_shape.required_members:
                return
            narrowed = {k: v for k, v in params.items() if k not in PAGING_MEMBERS}
            key = (model.service_model.service_name, region, name)
            with self._lock:
                self.listing_requests[key].add(json.dumps(narrowed, sort_keys=True, default=str))

        return record

    def install(self) -> None:
        """Wrap botocore's ``Session.create_client`` so every client of the run is counted."""
        original, counter = self._original, self

        def counting_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-send", counter._count)
            client.meta.events.register("before-parameter-build", counter._watch_listing(client))
            return client

        botocore.session.Session.create_client = counting_client

    def uninstall(self) -> None:
        """Restore ``Session.create_client``."""
        botocore.session.Session.create_client = self._original

    def repeated_listings(self) -> dict[str, tuple[int, bool]]:
        """Return listings sent with several distinct requests in one region.

        Returns
        -------
        dict
            ``"<service> <region> <Operation>"`` to (distinct requests, whether they differ by a
            member naming a resource, i.e. the listing was called per resource).
        """
        repeated = {}
        for (service, region, name), requests in sorted(self.listing_requests.items()):
            if len(requests) > 1:
                members = {k for r in requests for k in json.loads(r)}
                per_resource = any(m.endswith(IDENTIFIER_SUFFIXES) for m in members)
                repeated[f"{service} {region} {name}"] = (len(requests), per_resource)
        return repeated


def _snake(name: str) -> str:
    """Return the boto3 method name of an operation (DescribeCacheClusters -> describe_...)."""
    from botocore import xform_name

    return str(xform_name(name))


def rss_mb() -> tuple[float, float]:
    """Return this process's (current, peak) resident set size in MB (Linux ru_maxrss: KiB)."""
    current = psutil.Process().memory_info().rss / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_endpoint(groups: int, snapshots: int) -> tuple[subprocess.Popen[str], str]:
    """Run seed_scale.py --keep in its own process; relay its timings; return it and its URL."""
    command = [sys.executable, str(SEED_SCRIPT), "--groups", str(groups)]
    command += ["--snapshots", str(snapshots), "--records", "0", "--keep"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert server.stdout is not None
    for line in server.stdout:
        print(f"  seed | {line.rstrip()}", flush=True)
        if line.startswith(URL_PREFIX):
            # NOTE: keep draining its stdout, or a full pipe would block the server's prints.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            return server, line.removeprefix(URL_PREFIX).strip()
    raise SystemExit(f"seed_scale.py exited ({server.wait()}) before printing its URL")


def _cpu_seconds(process: psutil.Process) -> float:
    """Return a process's user plus system CPU seconds so far (wall time varies with load)."""
    times = process.cpu_times()
    return float(times.user + times.system)


def stop_endpoint(server: subprocess.Popen[str]) -> None:
    """Interrupt the endpoint process (it stops its server on Ctrl-C); kill it if it lingers."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def report(counter: RequestCounter, run_dir: Path, wall: float, rss: dict[str, float]) -> bool:
    """Print the figures; return whether every target holds (peak RSS, no per-resource list)."""
    pages = sum(1 for _ in (run_dir / "raw").rglob("*.json"))
    print(f"wall time (collect_run)    {wall:8.1f} s")
    print(f"raw pages stored           {pages:8d}")
    print(f"HTTP requests sent         {sum(counter.by_operation.values()):8d}")
    for operation, calls in sorted(counter.by_operation.items(), key=lambda i: (-i[1], i[0])):
        print(f"  {operation:<40} {calls:6d}")
    repeated = counter.repeated_listings()
    per_resource = sorted(name for name, (_, flagged) in repeated.items() if flagged)
    for name, (distinct, flagged) in repeated.items():
        verdict = "PER RESOURCE" if flagged else "distinct filters, not per resource"
        print(f"  listing {name}: {distinct} distinct requests ({verdict})")
    print(f"listings called per resource: {', '.join(per_resource) or 'none'}")
    print(f"collector RSS after imports {rss['base']:7.0f} MB (peak {rss['base_peak']:.0f} MB)")
    print(f"collector peak RSS          {rss['peak']:7.0f} MB (target < {RSS_TARGET_MB} MB)")
    print(f"endpoint process RSS        {rss['server']:7.0f} MB (separate process, not counted)")
    return rss["peak"] < RSS_TARGET_MB and not per_resource


def main() -> None:
    """Seed the scaled endpoint in a child process, collect it here, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--groups", type=int, default=1_000, help="replication groups")
    parser.add_argument("--snapshots", type=int, default=20_000, help="snapshots")
    parser.add_argument("--keep-run", action="store_true", help="keep the run folder")
    args = parser.parse_args()
    base, base_peak = rss_mb()

    # seed, in the endpoint's own process
    server, url = start_endpoint(args.groups, args.snapshots)
    out_dir = Path(tempfile.mkdtemp(prefix="bench-collect-"))
    counter = RequestCounter()
    counter.install()
    try:
        # collect, in this process, with the demo's credentials
        os.environ["AWS_ENDPOINT_URL"] = url
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(name, "demo")
        endpoint_cpu, started = _cpu_seconds(psutil.Process(server.pid)), time.perf_counter()
        run_dir = collect_run(load_params(PARAMS), out_dir=out_dir, progress=False)
        wall = time.perf_counter() - started
        endpoint_cpu = _cpu_seconds(psutil.Process(server.pid)) - endpoint_cpu
        print(f"CPU time, collector        {_cpu_seconds(psutil.Process()):8.1f} s")
        print(f"CPU time, endpoint         {endpoint_cpu:8.1f} s (during collect_run)")
        print(f"load average (1 min)       {os.getloadavg()[0]:8.1f} on {os.cpu_count()} CPUs")

        # report
        server_rss = psutil.Process(server.pid).memory_info().rss / 2**20
        rss = {"base": base, "base_peak": base_peak, "peak": rss_mb()[1], "server": server_rss}
        print(f"run folder                 {run_dir}")
        ok = report(counter, run_dir, wall, rss)
    finally:
        counter.uninstall()
        stop_endpoint(server)
        if not args.keep_run:
            shutil.rmtree(out_dir, ignore_errors=True)
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
