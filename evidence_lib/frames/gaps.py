"""The ``collection_gaps`` frame and ``gaps.csv``: every API call that failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from evidence_lib.frames.common import json_text, leading, to_frame
from evidence_lib.rawstore import RawStore

GAPS_CSV_COLUMNS = ["account_id", "region", "service", "operation", "error_code", "error_message"]


def _error_field(error: dict[str, Any] | None, *names: str) -> Any:
    for name in names:
        if error and error.get(name) not in (None, ""):
            return error[name]
    return None


def build_collection_gaps(store: RawStore) -> pd.DataFrame:
    """Build ``collection_gaps``: one row per stored call whose outcome is ``error``.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``collection_gaps`` schema: service, operation, error_code, error_message and
        request_json; resource_type ``api_call``, resource_id ``<service>:<Operation>``.
    """
    rows = []
    for page in store.iter_pages():
        if page.outcome != "error":
            continue
        row = leading(page, "api_call", f"{page.service}:{page.operation}")
        row.update(
            service=page.service,
            operation=page.operation,
            error_code=_error_field(page.error, "code", "Code", "error_code"),
            error_message=_error_field(page.error, "message", "Message", "error_message"),
            request_json=json_text(page.request),
        )
        rows.append(row)
    return to_frame("collection_gaps", rows, unique=False)


def write_gaps_csv(gaps: pd.DataFrame, run_dir: Path) -> Path:
    """Write ``gaps.csv`` (account, region, service, operation, error code, message).

    Parameters
    ----------
    gaps : pandas.DataFrame
        The ``collection_gaps`` frame.
    run_dir : pathlib.Path
        The run folder.

    Returns
    -------
    pathlib.Path
        The path of the written file.
    """
    path = run_dir / "gaps.csv"
    gaps.loc[:, GAPS_CSV_COLUMNS].to_csv(path, index=False, lineterminator="\n")
    return path
