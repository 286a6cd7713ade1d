"""Collectors: AWS API responses into the raw evidence of a run folder.

``collect_run(params)`` creates the run folder, collects every account and region (one
``collect_<operation>`` function per API operation, every page stored as it arrives), then the
CloudTrail events (``evidence_lib.cloudtrail.collect_events``, when present), builds the
frames and writes the manifest. ``collect(params_or_path)`` is the notebook entry point.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evidence_lib.collectors.context import CollectContext
from evidence_lib.collectors.runner import (
    ACCOUNT_STEPS,
    REGION_STEPS,
    AccountScope,
    CountingStore,
    collect_accounts,
)

logger = logging.getLogger(__name__)

__all__ = ["RunContext", "collect", "collect_run"]


@dataclass(frozen=True)
class RunContext:
    """What the CloudTrail events hook gets: the run, its store, parameters and accounts.

    ``accounts[i].trails`` holds every trail DescribeTrails reported in the account, and
    ``sessions`` the ``evidence_lib.session.AccountSession`` of each account.
    """

    run_dir: Path
    store: CountingStore
    params: Any
    accounts: list[AccountScope]
    progress: bool
    sessions: list[Any] = field(default_factory=list)
    now: dt.datetime | None = None

    def for_account(self, account_id: str, region: str) -> CollectContext:
        """Return the collection context of one account and region."""
        scope = next(a for a in self.accounts if a.account_id == account_id)
        return CollectContext(self.store, account_id, region, scope.client_factory, self.params)

    def client_factory(self, account_id: str, service: str, region: str) -> Any:
        """Return the client of one account for ``service`` in ``region``."""
        return self.for_account(account_id, region).client_factory(service, region)


def _open_accounts(ctx: RunContext) -> None:
    from evidence_lib.session import account_sessions

    ctx.sessions.extend(account_sessions(ctx.params.aws, ctx.params.run.name))
    ctx.accounts.extend(AccountScope(s.account_id, s.client) for s in ctx.sessions)


def _ticker(bar: tqdm[Any]) -> Callable[[], None]:
    lock = threading.Lock()

    def tick() -> None:
        with lock:
            bar.update(1)

    return tick


def _collect_events(ctx: RunContext) -> None:
    """Call ``evidence_lib.cloudtrail.collect_events(ctx)`` when that module provides it."""
    try:
        module = importlib.import_module("evidence_lib.cloudtrail")
    except ModuleNotFoundError as exc:
        if exc.name != "evidence_lib.cloudtrail":
            raise
        logger.info("CloudTrail events: evidence_lib.cloudtrail is not installed; skipped")
        return
    collect_events = getattr(module, "collect_events", None)
    if collect_events is None:
        logger.info("CloudTrail events: no collect_events in evidence_lib.cloudtrail; skipped")
        return
    started = time.monotonic()
    # NOTE: the hook takes the context; a signature of named arguments gets them from it.
    names = list(inspect.signature(collect_events).parameters)
    if len(names) == 1:
        collect_events(ctx)
    else:
        collect_events(**{name: getattr(ctx, name) for name in names if hasattr(ctx, name)})
    logger.info("collected CloudTrail events in %.1f s", time.monotonic() - started)


def _collect_apis(ctx: RunContext) -> None:
    """Collect every account and region with a progress bar; log one line with counts."""
    started = time.monotonic()
    regions = ctx.params.aws.regions
    total = len(ctx.accounts) * (len(regions) * REGION_STEPS + ACCOUNT_STEPS)
    # NOTE: disable=None turns the bar off when stderr is not a terminal (logs, CI).
    disable = None if ctx.progress else True
    with tqdm(total=total, desc="collect", unit="op", file=sys.stderr, disable=disable) as bar:
        collect_accounts(ctx.store, ctx.params, ctx.accounts, _ticker(bar))
    logger.info(
        "collected %d account(s) x %d region(s): %d pages, %d gaps in %.1f s",
        len(ctx.accounts),
        len(regions),
        sum(ctx.store.outcomes.values()),
        ctx.store.outcomes["error"],
        time.monotonic() - started,
    )


def _build_frames(run_dir: Path) -> dict[str, Any]:
    from evidence_lib.frames import build_frames

    started = time.monotonic()
    frames = build_frames(run_dir)
    logger.info("built %d frames in %.1f s", len(frames), time.monotonic() - started)
    return frames


def _counts(ctx: RunContext, gaps: int | None = None) -> dict[str, Any]:
    """Count the raw files (the events hook may write some itself) and the gaps."""
    identities = {a.account_id: a.identity for a in ctx.accounts}
    return {
        "pages": sum(1 for _ in (ctx.run_dir / "raw").rglob("*.json")),
        "gaps": ctx.store.outcomes["error"] if gaps is None else gaps,
        "caller_identities": identities,
    }


def collect_run(
    params: Any,
    out_dir: str | os.PathLike[str] = "output",
    progress: bool = True,
    now: dt.datetime | None = None,
) -> Path:
    """Collect the evidence of a run into a new run folder.

    Parameters
    ----------
    params : evidence_lib.params.Params
        Validated run parameters.
    out_dir : str or path, default "output"
        Parent folder of the run folder.
    progress : bool, default True
        Show a progress bar (accounts x regions x operations) on stderr.
    now : datetime, optional
        The run's start time, in the folder name and run.json (default: now, UTC).

    Returns
    -------
    Path
        The run folder, holding raw/, frames/, gaps.csv, run.json (status ``collected``) and
        manifest.json. On any failure or interrupt run.json says ``incomplete`` and the pages
        already written stay.
    """
    from evidence_lib import runfolder

    run_dir = runfolder.new_run_dir(Path(out_dir), params.run.name, now)
    meta = runfolder.new_run_meta(run_dir, params, now)
    runfolder.write_run_json(run_dir, {**meta, "status": "collecting"})
    store = CountingStore(run_dir)
    ctx = RunContext(run_dir, store, params, [], progress, now=now)
    try:
        _open_accounts(ctx)
        _collect_apis(ctx)
        _collect_events(ctx)
        frames = _build_frames(run_dir)
    except BaseException:
        logger.error("collection stopped; the pages written so far stay in %s", run_dir)
        runfolder.update_run_json(
            run_dir, status="incomplete", finished_at=runfolder.utc_iso(), **_counts(ctx)
        )
        raise
    counts = _counts(ctx, gaps=len(frames["collection_gaps"]))
    runfolder.update_run_json(
        run_dir, status="collected", finished_at=runfolder.utc_iso(), frames=len(frames), **counts
    )
    runfolder.write_manifest(run_dir)
    logger.info("run folder %s complete", run_dir)
    return run_dir


def collect(params_or_path: Any, out_dir: str | os.PathLike[str] = "output") -> Path:
    """Collect a run from a notebook: ``params_or_path`` is a ``Params`` or a parameters file.

    Returns
    -------
    Path
        The run folder (see :func:`collect_run`).
    """
    if isinstance(params_or_path, str | os.PathLike):
        from evidence_lib.params import load_params

        params_or_path = load_params(params_or_path)
    return collect_run(params_or_path, out_dir=out_dir)
