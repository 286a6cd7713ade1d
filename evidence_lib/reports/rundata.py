"""Read-only access to a run folder for the reports: metadata, frames, findings, gaps, catalog.

Reports read only what the run folder holds (and the bundled catalog); they never call AWS.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_lib.checks.common import STATUSES as CHECK_STATUSES
from evidence_lib.checks.registry import FINDINGS_COLUMNS as FINDING_COLUMNS
from evidence_lib.errors import RenderError, RunFolderError
from evidence_lib.frames.schema import SCHEMAS

logger = logging.getLogger(__name__)

GAP_COLUMNS = ["account_id", "region", "service", "operation", "error_code", "error_message"]
STATUSES = list(CHECK_STATUSES)  # a list: it selects and orders frame columns


@dataclass(frozen=True)
class ControlInfo:
    """What the reports need to know about one catalog control."""

    control_id: str
    title: str
    domain: str
    guide_step: str
    requirement: str
    checks: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


def _field(entry: Any, name: str, default: Any = "") -> Any:
    if isinstance(entry, Mapping):
        return entry.get(name, default)
    return getattr(entry, name, default)


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping):
        return tuple(f"{key}: {text}" for key, text in value.items())
    return tuple(
        str(_field(item, "id", item)) if not isinstance(item, str) else item for item in value
    )


def _steps(entry: Any) -> str:
    steps = _field(entry, "guide_step", "")
    return ", ".join(str(s) for s in steps) if isinstance(steps, list | tuple) else str(steps)


def _control_info(entry: Any) -> ControlInfo:
    control_id = str(_field(entry, "id", "") or _field(entry, "control_id", ""))
    return ControlInfo(
        control_id=control_id,
        title=str(_field(entry, "title", "")),
        domain=str(_field(entry, "domain", "")),
        guide_step=str(_field(entry, "guide_step_text", "") or _steps(entry)),
        requirement=str(_field(entry, "requirement", "")),
        checks=_texts(_field(entry, "checks", ())),
        parameters=_texts(_field(entry, "parameters", ())),
        limitations=_texts(_field(entry, "limitations", ())),
    )


def load_controls() -> dict[str, ControlInfo]:
    """Return every catalog control by ID, in catalog order.

    Returns
    -------
    dict of str to ControlInfo
        The controls of ``evidence_lib.controls.load_catalog()``.
    """
    try:
        from evidence_lib.controls import load_catalog
    except ImportError as exc:
        raise RenderError(f"the control catalog is not available: {exc}") from exc

    catalog = load_catalog()
    entries: Any = _field(catalog, "controls", None) or catalog
    if isinstance(entries, Mapping):
        entries = entries.values()
    controls = [_control_info(entry) for entry in entries]
    return {control.control_id: control for control in controls}


class RunData:
    """One run folder, read lazily: ``meta``, ``findings``, ``gaps``, ``frame(name)``."""

    def __init__(self, run_dir: Path | str) -> None:
        self.run_dir = Path(run_dir).resolve()
        if not (self.run_dir / "run.json").is_file():
            raise RunFolderError(f"{run_dir}: not a run folder (no run.json)")
        self._frames: dict[str, pd.DataFrame] = {}

    @cached_property
    def meta(self) -> dict[str, Any]:
        """The parsed run.json."""
        return dict(json.loads((self.run_dir / "run.json").read_text(encoding="utf-8")))

    @cached_property
    def findings(self) -> pd.DataFrame:
        """Findings of the run (findings.parquet, else findings.csv), all text columns."""
        parquet, csv = self.run_dir / "findings.parquet", self.run_dir / "findings.csv"
        if parquet.is_file():
            frame = pd.read_parquet(parquet)
        elif csv.is_file():
            frame = pd.read_csv(csv, dtype="string", keep_default_na=False)
        else:
            logger.warning("run %s has no findings", self.run_dir.name)
            frame = pd.DataFrame(columns=FINDING_COLUMNS)
        return _as_text(frame, FINDING_COLUMNS)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        """Evidence that could not be collected (gaps.csv), all text columns."""
        path = self.run_dir / "gaps.csv"
        if path.is_file() and path.stat().st_size > 0:
            frame = pd.read_csv(path, dtype="string", keep_default_na=False)
        else:
            frame = pd.DataFrame(columns=GAP_COLUMNS)
        return _as_text(frame, list(frame.columns) or GAP_COLUMNS)

    def frame(self, name: str) -> pd.DataFrame:
        """Return frame ``name`` from frames/<name>.parquet (empty with its schema if absent)."""
        if name not in self._frames:
            path = self.run_dir / "frames" / f"{name}.parquet"
            if path.is_file():
                self._frames[name] = pd.read_parquet(path)
            else:
                self._frames[name] = SCHEMAS[name].empty()
        return self._frames[name]

    def frame_names(self) -> list[str]:
        """Names of the frames present in the run folder."""
        return sorted(path.stem for path in (self.run_dir / "frames").glob("*.parquet"))

    @cached_property
    def manifest_hashes(self) -> dict[str, str]:
        """sha256 by relative path, from manifest.json (empty when there is none yet)."""
        path = self.run_dir / "manifest.json"
        if not path.is_file():
            return {}
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document.get("files", document) if isinstance(document, dict) else document
        if isinstance(entries, dict):
            return {str(k): str(_field(v, "sha256", v)) for k, v in entries.items()}
        return {str(e["path"]): str(e["sha256"]) for e in entries if "sha256" in e}

    def sha256(self, relative_path: str) -> str:
        """Return the sha256 of a run file: from the manifest, else computed now."""
        known = self.manifest_hashes.get(relative_path)
        if known:
            return known
        path = (self.run_dir / relative_path).resolve()
        if not path.is_relative_to(self.run_dir) or not path.is_file():
            return "missing"
        return hashlib.sha256(path.read_bytes()).hexdigest()


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column not in out.columns:
            out[column] = ""
    return out.astype({c: "string" for c in out.columns}).fillna("")
