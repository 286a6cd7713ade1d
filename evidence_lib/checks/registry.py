"""The check registry, and evaluation of every registered check into findings.

A check is a pure function ``evaluate_<check_id>(frames, params) -> DataFrame`` registered with
``@register``. ``evaluate_findings`` runs each check once and reports its rows under every
control the catalog maps it to. Checks never read the clock: the collection time and the audit
period reach them in the one-row ``run_context`` pseudo-frame built from ``run_meta``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evidence_lib.checks.common import (
    CHECK_COLUMNS,
    RUN_CONTEXT,
    RUN_CONTEXT_COLUMNS,
    STATUSES,
    Frames,
    Params,
)
from evidence_lib.controls import load_catalog
from evidence_lib.errors import SchemaError

logger = logging.getLogger(__name__)

FINDINGS_COLUMNS = ["control_id", *CHECK_COLUMNS]
CHECK_MODULES = (
    "baa",
    "engine",
    "availability",
    "network",
    "encryption",
    "backups",
    "trails",
    "logging_checks",
)
_COLLECTED_KEYS = (
    "collected_at",
    "collection_end",
    "finished_at",
    "ended_at",
    "end_time",
    "started_at",
)

CheckFunction = Callable[[Frames, Params], pd.DataFrame]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its ID, function, the frames it reads and the parameters it uses."""

    check_id: str
    function: CheckFunction
    frames: tuple[str, ...]
    params: tuple[str, ...]


REGISTRY: dict[str, CheckSpec] = {}


def register(
    check_id: str, *, frames: Sequence[str], params: Sequence[str] = ()
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``check_id``.

    Parameters
    ----------
    check_id : str
        The check ID used in findings (snake_case, as in the catalog).
    frames : sequence of str
        The frames the check reads (``collection_gaps`` and ``run_context`` are always given).
    params : sequence of str
        Dotted names of the parameters the check uses, e.g. ``thresholds.backup_retention_days``.
    """

    def decorator(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY and REGISTRY[check_id].function is not function:
            raise ValueError(f"check {check_id!r} is registered twice")
        REGISTRY[check_id] = CheckSpec(check_id, function, tuple(frames), tuple(params))
        return function

    return decorator


def registered_checks() -> dict[str, CheckSpec]:
    """Import every check module and return the registry."""
    for module in CHECK_MODULES:
        importlib.import_module(f"evidence_lib.checks.{module}")
    return REGISTRY


def _timestamp(value: Any) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _period_bound(run_meta: Mapping[str, Any], params: Params, bound: str) -> pd.Timestamp | None:
    period = run_meta.get("period")
    run = getattr(params, "run", None)
    candidates = [
        period.get(bound) if isinstance(period, Mapping) else None,
        run_meta.get(f"period_{bound}"),
        getattr(getattr(run, "period", None), bound, None),
    ]
    value = next((v for v in candidates if _timestamp(v) is not None), None)
    stamp = _timestamp(value)
    # NOTE: the period's end is a date that belongs to the period: it ends at the next midnight.
    if stamp is not None and bound == "end" and _is_date_only(value):
        stamp = stamp + pd.Timedelta(days=1)
    return stamp


def _is_date_only(value: Any) -> bool:
    if isinstance(value, dt.datetime):
        return False
    return isinstance(value, dt.date) or (isinstance(value, str) and len(value.strip()) == 10)


def build_run_context(params: Params, run_meta: Mapping[str, Any] | None) -> pd.DataFrame:
    """Return the one-row ``run_context`` frame the time-dependent checks read.

    Returns
    -------
    pandas.DataFrame
        ``as_of_time`` (the first of run_meta's ``collected_at``, ``collection_end``,
        ``finished_at``, ``ended_at``, ``end_time``), ``period_start_time`` and
        ``period_end_time`` (run_meta ``period`` or the parameters' ``run.period``); <NaT> when
        unknown.
    """
    meta = run_meta or {}
    stamps = (_timestamp(meta.get(key)) for key in _COLLECTED_KEYS)
    as_of = next((stamp for stamp in stamps if stamp is not None), None)
    values = [as_of, _period_bound(meta, params, "start"), _period_bound(meta, params, "end")]
    columns = zip(RUN_CONTEXT_COLUMNS, values, strict=True)
    return pd.DataFrame({c: pd.Series([v], dtype="datetime64[ns, UTC]") for c, v in columns})


def _check_output(check_id: str, result: pd.DataFrame) -> pd.DataFrame:
    if list(result.columns) != CHECK_COLUMNS:
        raise SchemaError(f"check {check_id}: columns {list(result.columns)} != {CHECK_COLUMNS}")
    valid = result["status"].isin(STATUSES).all() and result["check_id"].eq(check_id).all()
    if not valid:
        bad = sorted(set(result["status"].astype(str)) - set(STATUSES))
        raise SchemaError(f"check {check_id}: statuses {bad} or check_id differ from the accepted")
    return result


def evaluate_check(check_id: str, frames: Frames, params: Params) -> pd.DataFrame:
    """Run one registered check and return its rows (without ``control_id``)."""
    spec = registered_checks()[check_id]
    return _check_output(check_id, spec.function(frames, params))


def evaluate_findings(
    frames: Frames,
    params: Params,
    run_meta: Mapping[str, Any] | None = None,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Run every registered check once and report its rows under each mapped control.

    Parameters
    ----------
    frames : mapping of str to pandas.DataFrame
        The run's frames by name; absent frames count as empty.
    params : Params
        The run's parameters (thresholds, attestations, archive bucket).
    run_meta : mapping, optional
        The run's ``run.json``; gives the collection time and the audit period.
    timings : dict, optional
        When given, receives the seconds each check took, by check ID.

    Returns
    -------
    pandas.DataFrame
        Columns ``control_id``, ``check_id``, ``account_id``, ``region``, ``resource_type``,
        ``resource_id``, ``status``, ``reason``, ``evidence``, ``threshold`` (all text), in
        catalog order of controls and checks.
    """
    view = _FrameView(frames, build_run_context(params, run_meta))
    results: dict[str, pd.DataFrame] = {}
    for check_id in registered_checks():
        started = time.perf_counter()
        results[check_id] = evaluate_check(check_id, view, params)
        seconds = time.perf_counter() - started
        if timings is not None:
            timings[check_id] = seconds
        logger.debug("check %s: %s rows in %.3f s", check_id, len(results[check_id]), seconds)

    out = _under_controls(results)
    logger.info("findings: %s rows from %s checks", len(out), len(results))
    return out


def _under_controls(results: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Repeat each check's rows under every control mapped to it, in catalog order.

    The checks' rows are concatenated once; each (control, check) pair of the catalog then
    takes that check's row positions, so the expansion is one ``take`` of the whole frame.
    """
    checks = [check_id for check_id, rows in results.items() if not rows.empty]
    rows = pd.concat([results[c] for c in checks] or [_empty()], ignore_index=True)
    sizes = [len(results[c]) for c in checks]
    starts = dict(zip(checks, np.cumsum([0, *sizes[:-1]]), strict=True))
    pairs = [
        (control.id, check_id)
        for control in load_catalog().controls
        for check_id in control.checks
        if check_id in starts
    ]
    lengths = np.array([len(results[check_id]) for _, check_id in pairs], dtype=np.int64)
    positions = [np.arange(starts[c], starts[c] + len(results[c])) for _, c in pairs]
    taken = np.concatenate(positions) if positions else np.array([], dtype=np.int64)
    controls = np.repeat(np.array([c for c, _ in pairs], dtype=object), lengths)
    out = rows.loc[:, CHECK_COLUMNS].take(taken).reset_index(drop=True)
    out.insert(0, "control_id", pd.array(controls, dtype="string"))
    if any(dtype != "string" for dtype in out.dtypes):
        out = out.astype("string")
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in CHECK_COLUMNS})


class _FrameView(Mapping[str, pd.DataFrame]):
    """The caller's frames plus the run context, without copying or loading them early."""

    def __init__(self, frames: Frames, context: pd.DataFrame) -> None:
        self._frames = frames
        self._context = context
        self.cache: dict[Any, Any] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name == RUN_CONTEXT and RUN_CONTEXT not in self._frames:
            return self._context
        return self._frames[name]

    def __contains__(self, name: object) -> bool:
        return name == RUN_CONTEXT or name in self._frames

    def __iter__(self) -> Any:
        return iter([*self._frames, RUN_CONTEXT])

    def __len__(self) -> int:
        return len(self._frames) + 1


def write_findings(run_dir: str | os.PathLike[str], findings: pd.DataFrame) -> tuple[Path, Path]:
    """Write ``findings.parquet`` and ``findings.csv`` into the run folder.

    Returns
    -------
    tuple of pathlib.Path
        The paths of the parquet and CSV files.
    """
    if list(findings.columns) != FINDINGS_COLUMNS:
        raise SchemaError(f"findings columns {list(findings.columns)} != {FINDINGS_COLUMNS}")
    folder = Path(run_dir)
    parquet, csv = folder / "findings.parquet", folder / "findings.csv"
    findings.to_parquet(parquet, index=False)
    findings.to_csv(csv, index=False, lineterminator="\n")
    return parquet, csv
