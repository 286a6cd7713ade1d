"""Frames: pandas DataFrames with declared schemas, derived only from raw evidence.

``build_frames(run_dir)`` builds every frame of ``schema.SCHEMAS`` from the run's raw pages,
writes ``frames/<name>.parquet`` and ``gaps.csv``, and returns the frames by name.
``load_frames`` and ``load_frame`` read them back with the declared dtypes.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from evidence_lib.errors import RunFolderError
from evidence_lib.frames.elasticache import (
    build_cache_clusters,
    build_node_group_members,
    build_replication_groups,
    build_serverless_caches,
)
from evidence_lib.frames.gaps import build_collection_gaps, write_gaps_csv
from evidence_lib.frames.monitoring import (
    build_alarms,
    build_log_groups,
    build_metric_filters,
    build_sns_topics,
    build_trails,
)
from evidence_lib.frames.network import (
    build_security_group_rules,
    build_subnet_groups,
    build_subnets,
)
from evidence_lib.frames.schema import SCHEMAS, schema_for
from evidence_lib.frames.settings import (
    build_engine_versions,
    build_parameter_groups,
    build_service_updates,
    build_snapshots,
    build_user_groups,
)
from evidence_lib.frames.storage import build_agreements, build_buckets, build_kms_keys
from evidence_lib.rawstore import RawStore

logger = logging.getLogger(__name__)

Builder = Callable[[RawStore], pd.DataFrame]

#: The builder of every frame except ``cloudtrail_events`` (see ``build_cloudtrail_events``).
BUILDERS: dict[str, Builder] = {
    "replication_groups": build_replication_groups,
    "cache_clusters": build_cache_clusters,
    "node_group_members": build_node_group_members,
    "serverless_caches": build_serverless_caches,
    "snapshots": build_snapshots,
    "engine_versions": build_engine_versions,
    "parameter_groups": build_parameter_groups,
    "subnet_groups": build_subnet_groups,
    "subnets": build_subnets,
    "security_group_rules": build_security_group_rules,
    "user_groups": build_user_groups,
    "service_updates": build_service_updates,
    "kms_keys": build_kms_keys,
    "trails": build_trails,
    "log_groups": build_log_groups,
    "metric_filters": build_metric_filters,
    "alarms": build_alarms,
    "sns_topics": build_sns_topics,
    "buckets": build_buckets,
    "agreements": build_agreements,
    "collection_gaps": build_collection_gaps,
}

FRAMES_DIR = "frames"

__all__ = [
    "BUILDERS",
    "build_cloudtrail_events",
    "build_frames",
    "load_frame",
    "load_frames",
]


def build_cloudtrail_events(store: RawStore) -> pd.DataFrame:
    """Build ``cloudtrail_events`` with ``evidence_lib.cloudtrail`` when it provides a builder.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``cloudtrail_events`` schema; empty when ``evidence_lib.cloudtrail`` has no
        ``build_cloudtrail_events``.
    """
    schema = SCHEMAS["cloudtrail_events"]
    try:
        module = importlib.import_module("evidence_lib.cloudtrail")
    except ModuleNotFoundError as exc:
        if exc.name != "evidence_lib.cloudtrail":
            raise
        module = None
    builder = getattr(module, "build_cloudtrail_events", None)
    if builder is None:
        logger.info("no CloudTrail event builder available; cloudtrail_events is empty")
        return schema.empty()
    frame = schema.coerce(builder(store))
    schema.validate(frame)
    return frame


def _build_log_files(store: RawStore) -> pd.DataFrame:
    from evidence_lib.cloudtrail_files import build_cloudtrail_log_files

    frame = build_cloudtrail_log_files(store)
    SCHEMAS["cloudtrail_log_files"].validate(frame)
    return frame


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, engine="pyarrow", index=False)
    os.replace(tmp, path)


def build_frames(run_dir: Path) -> dict[str, pd.DataFrame]:
    """Build every frame from the run's raw evidence and write them into the run folder.

    Parameters
    ----------
    run_dir : pathlib.Path
        The run folder; its ``raw/`` holds the evidence.

    Returns
    -------
    dict of str to pandas.DataFrame
        Every frame of ``schema.SCHEMAS`` by name, also written as ``frames/<name>.parquet``;
        ``gaps.csv`` lists the ``collection_gaps`` rows.
    """
    started = time.monotonic()
    run_dir = Path(run_dir)
    if not (run_dir / "raw").is_dir():
        raise RunFolderError(f"{run_dir}: no raw/ folder; collect evidence first")
    store = RawStore(run_dir)

    # build, in schema order
    frames = {name: BUILDERS[name](store) for name in SCHEMAS if name in BUILDERS}
    frames["cloudtrail_events"] = build_cloudtrail_events(store)
    frames["cloudtrail_log_files"] = _build_log_files(store)
    frames = {name: frames[name] for name in SCHEMAS}

    # write
    folder = run_dir / FRAMES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        _write_parquet(frame, folder / f"{name}.parquet")
    write_gaps_csv(frames["collection_gaps"], run_dir)

    rows = sum(len(frame) for frame in frames.values())
    logger.info(
        "built %d frames (%d rows, %d gaps) in %.1f s",
        len(frames),
        rows,
        len(frames["collection_gaps"]),
        time.monotonic() - started,
    )
    return frames


def load_frame(run_dir: Path, name: str) -> pd.DataFrame:
    """Read one frame of a run folder back with its declared dtypes.

    Parameters
    ----------
    run_dir : pathlib.Path
        The run folder.
    name : str
        The frame name (a key of ``schema.SCHEMAS``).

    Returns
    -------
    pandas.DataFrame
        The frame, columns and dtypes exactly as declared.
    """
    schema = schema_for(name)
    path = Path(run_dir) / FRAMES_DIR / f"{name}.parquet"
    if not path.exists():
        raise RunFolderError(f"{path}: frame not built; run `evidence evaluate {run_dir}`")
    frame = schema.coerce(pd.read_parquet(path, engine="pyarrow"))
    schema.validate(frame)
    return frame


def load_frames(run_dir: Path) -> dict[str, pd.DataFrame]:
    """Read every frame of a run folder back with its declared dtypes.

    Parameters
    ----------
    run_dir : pathlib.Path
        The run folder.

    Returns
    -------
    dict of str to pandas.DataFrame
        Every frame of ``schema.SCHEMAS`` by name.
    """
    return {name: load_frame(run_dir, name) for name in SCHEMAS}
