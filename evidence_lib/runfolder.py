"""The run folder: run.json, the manifest, verification, re-evaluation and ``open_run``.

A run folder is ``<out>/<name>-<YYYYMMDDTHHMMSSZ>/``. ``run.json`` records the parameters,
scope, caller identities, tool and package versions, catalog version, start and end times and
status. ``manifest.json`` lists the path, size and SHA-256 of every other file; it is written
last, and its presence marks a complete run. ``verify_run`` re-hashes the folder against it.

run.json keys: ``run_id``, ``tool``, ``tool_version``, ``package_versions``,
``catalog_version``, ``parameters`` (``Params.to_json()``), ``scope`` (``accounts``,
``regions``, ``period``), ``period`` (``start``, ``end``), ``caller_identities`` (account ID
to ``Account``/``Arn``/``UserId``), ``started_at``, ``finished_at`` (ISO-8601 UTC) and
``status`` (``running`` at the start; the pipeline sets its own values, e.g. ``collected``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence_lib import __version__
from evidence_lib.errors import RunFolderError
from evidence_lib.params import Params, catalog_version, parse_params

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

RUN_JSON = "run.json"
MANIFEST = "manifest.json"
PACKAGES = ("boto3", "botocore", "pandas", "pyarrow", "papermill", "nbconvert", "weasyprint")
_CHUNK = 1024 * 1024


def utc_iso(moment: dt.datetime | None = None) -> str:
    """Return ``moment`` (default: now) as ISO-8601 UTC text with a ``Z`` suffix."""
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_run_dir(out_dir: Path, name: str, now: dt.datetime | None = None) -> Path:
    """Create and return a new run folder ``<out_dir>/<name>-<YYYYMMDDTHHMMSSZ>``.

    Parameters
    ----------
    out_dir
        The parent folder (created when missing).
    name
        The run name (``run.name`` of the parameters).
    now
        The time in the folder name (default: now, UTC).

    Returns
    -------
    pathlib.Path
        The new, empty folder. An existing folder is never reused: a ``-2``, ``-3``, ...
        suffix is added instead.
    """
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    base = Path(out_dir) / f"{name}-{stamp}"
    for attempt in range(1, 1000):
        path = base if attempt == 1 else base.with_name(f"{base.name}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RunFolderError(f"{base}: too many run folders with this name and time")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _dump(data: object) -> str:
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def write_run_json(run_dir: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as the run's run.json (atomically) and return its path."""
    path = Path(run_dir) / RUN_JSON
    _write_atomic(path, _dump(data))
    return path


def read_run_json(run_dir: Path) -> dict[str, Any]:
    """Return the run's run.json; RunFolderError when it is missing or not JSON."""
    path = Path(run_dir) / RUN_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{run_dir}: not a run folder (no {RUN_JSON})") from None
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise RunFolderError(f"{path}: holds {type(data).__name__}, not an object")
    return data


def update_run_json(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Set ``fields`` in run.json (atomically) and return the updated content."""
    data = read_run_json(run_dir)
    data.update(fields)
    write_run_json(run_dir, data)
    return data


def package_versions() -> dict[str, str | None]:
    """Return the installed version of every package a run depends on (None: not installed)."""
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def new_run_meta(run_dir: Path, params: Params, now: dt.datetime | None = None) -> dict[str, Any]:
    """Return the run.json content at the start of a run (status ``running``).

    Parameters
    ----------
    run_dir
        The run folder; its name is the run ID.
    params
        The validated parameters.
    now
        The start time (default: now, UTC).

    Returns
    -------
    dict
        Every run.json key; ``caller_identities`` empty and ``finished_at`` None until the
        collectors and ``finish_run`` fill them.
    """
    period = {
        "start": params.run.period.start.isoformat(),
        "end": params.run.period.end.isoformat(),
    }
    return {
        "run_id": Path(run_dir).name,
        "tool": "evidence-lib",
        "tool_version": __version__,
        "package_versions": package_versions(),
        "catalog_version": catalog_version(),
        "parameters": params.to_json(),
        "scope": {
            "accounts": [a.id for a in params.aws.accounts],
            "regions": list(params.aws.regions),
            "period": period,
        },
        "period": period,
        "caller_identities": {},
        "started_at": utc_iso(now),
        "finished_at": None,
        "status": "running",
    }


def start_run(out_dir: Path, params: Params, now: dt.datetime | None = None) -> Path:
    """Create a new run folder with its initial run.json and return its path."""
    run_dir = new_run_dir(out_dir, params.run.name, now)
    write_run_json(run_dir, new_run_meta(run_dir, params, now))
    logger.info("run folder %s", run_dir)
    return run_dir


def finish_run(run_dir: Path, status: str = "complete") -> Path:
    """Record ``finished_at`` and ``status`` in run.json, then write the manifest (last)."""
    update_run_json(run_dir, finished_at=utc_iso(), status=status)
    return write_manifest(run_dir)


# --- manifest and verification ----------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _run_files(run_dir: Path) -> Iterator[Path]:
    """Yield every file of the run folder except manifest.json, sorted by relative path."""
    files = (p for p in run_dir.rglob("*") if p.is_file() and not p.is_symlink())
    for path in sorted(files, key=lambda p: p.relative_to(run_dir).as_posix()):
        if path.relative_to(run_dir).as_posix() != MANIFEST:
            yield path


def write_manifest(run_dir: Path) -> Path:
    """Write manifest.json: path, size and SHA-256 of every other file of the run folder.

    Parameters
    ----------
    run_dir
        The run folder.

    Returns
    -------
    pathlib.Path
        The manifest, written atomically (temporary file, then rename) so that a manifest
        is either complete or absent.
    """
    run_dir = Path(run_dir)
    files = [
        {"path": p.relative_to(run_dir).as_posix(), "size": p.stat().st_size, "sha256": _sha256(p)}
        for p in _run_files(run_dir)
    ]
    manifest = {"run_id": run_dir.name, "algorithm": "sha256", "created_at": utc_iso()}
    path = run_dir / MANIFEST
    _write_atomic(path, _dump({**manifest, "files": files}))
    logger.info("manifest of %s: %d files", run_dir, len(files))
    return path


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of re-hashing a run folder against its manifest."""

    ok: bool
    files: int
    added: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        """Return one line per problem, or one ``OK: N files match manifest`` line."""
        if self.ok:
            return [f"OK: {self.files} files match manifest"]
        return (
            [f"CHANGED: {p} (size or sha256 differs from the manifest)" for p in self.changed]
            + [f"MISSING: {p} (listed in the manifest, not in the folder)" for p in self.missing]
            + [f"ADDED: {p} (in the folder, not in the manifest)" for p in self.added]
        )


def _read_manifest(run_dir: Path) -> dict[str, dict[str, Any]]:
    path = run_dir / MANIFEST
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir}: no such run folder")
    if not path.is_file():
        raise RunFolderError(f"{run_dir} has no {MANIFEST}; it is not a complete run")
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["files"]
        return {str(e["path"]): e for e in entries}
    except (ValueError, KeyError, TypeError) as exc:
        raise RunFolderError(f"{path}: not a manifest ({exc!r})") from None


def verify_run(run_dir: Path) -> VerifyResult:
    """Re-hash every file of a run folder and compare it with manifest.json.

    Parameters
    ----------
    run_dir
        The run folder.

    Returns
    -------
    VerifyResult
        ``ok`` when every listed file is present with its size and SHA-256 and no file was
        added; else the added, missing and changed paths (relative, sorted).

    Raises
    ------
    RunFolderError
        When the folder has no readable manifest.json.
    """
    run_dir = Path(run_dir)
    listed = _read_manifest(run_dir)
    present = {p.relative_to(run_dir).as_posix(): p for p in _run_files(run_dir)}
    changed = [
        name
        for name, path in present.items()
        if name in listed
        and (
            path.stat().st_size != listed[name].get("size")
            or _sha256(path) != listed[name].get("sha256")
        )
    ]
    added = sorted(set(present) - set(listed))
    missing = sorted(set(listed) - set(present))
    ok = not (added or missing or changed)
    return VerifyResult(ok, len(listed), added, missing, sorted(changed))


# --- re-evaluation and analysis ---------------------------------------------------------------


def _require_run(run_dir: Path) -> dict[str, Any]:
    meta = read_run_json(run_dir)
    if not (run_dir / "raw").is_dir():
        raise RunFolderError(f"{run_dir}: no raw/ folder; it holds no collected evidence")
    return meta


def stored_params(meta: dict[str, Any], run_dir: Path) -> Params:
    """Return the parameters recorded in a run.json, parsed as they were at collection time."""
    if not isinstance(meta.get("parameters"), dict):
        raise RunFolderError(f"{run_dir / RUN_JSON}: has no 'parameters' object")
    return parse_params(meta["parameters"], source=str(run_dir / RUN_JSON), stored=True)


def evaluate_run(run_dir: Path) -> None:
    """Rebuild a run's frames from raw evidence, its findings from frames, then its manifest.

    Parameters
    ----------
    run_dir
        A run folder holding run.json and raw/. Nothing here calls AWS.

    Raises
    ------
    RunFolderError
        When ``run_dir`` is not a run folder.
    """
    from evidence_lib.frames import build_frames

    run_dir = Path(run_dir)
    meta = _require_run(run_dir)

    # frames from raw
    frames = build_frames(run_dir)

    # findings from frames, when the checks are installed
    try:
        from evidence_lib.checks import evaluate_findings, write_findings
    except ImportError:
        logger.warning("evidence_lib.checks has no evaluate_findings; findings not rebuilt")
    else:
        findings = evaluate_findings(frames, stored_params(meta, run_dir), meta)
        write_findings(run_dir, findings)

    update_run_json(run_dir, evaluated_at=utc_iso())
    write_manifest(run_dir)


class Run:
    """A run folder opened for analysis; frames load on first access and are cached.

    Every frame of ``evidence_lib.frames.schema.SCHEMAS`` is an attribute
    (``run.replication_groups``, ``run.cloudtrail_events``, ...).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.meta = read_run_json(self.path)
        self._params: Params | None = None
        self._frames: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    @property
    def params(self) -> Params:
        """The parameters recorded in run.json."""
        if self._params is None:
            self._params = stored_params(self.meta, self.path)
        return self._params

    @staticmethod
    def frame_names() -> list[str]:
        """Return the names of every declared frame."""
        from evidence_lib.frames.schema import SCHEMAS

        return list(SCHEMAS)

    def frame(self, name: str) -> pd.DataFrame:
        """Return frame ``name`` (frames/<name>.parquet with its declared dtypes), cached."""
        from evidence_lib.frames import load_frame

        if name not in self._frames:
            self._frames[name] = load_frame(self.path, name)
        return self._frames[name]

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return every frame by name."""
        return {name: self.frame(name) for name in self.frame_names()}

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name not in self.frame_names():
            known = ", ".join(self.frame_names())
            raise AttributeError(f"Run has no attribute {name!r}; frames: {known}")
        return self.frame(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.frame_names()})

    @property
    def findings(self) -> pd.DataFrame:
        """The findings of the run (findings.parquet)."""
        import pandas as pd

        path = self.path / "findings.parquet"
        if not path.is_file():
            raise RunFolderError(f"{path}: no findings; run `evidence evaluate {self.path}`")
        return pd.read_parquet(path, engine="pyarrow")

    @property
    def gaps(self) -> pd.DataFrame:
        """The evidence that could not be collected (gaps.csv), every column as text."""
        import pandas as pd

        path = self.path / "gaps.csv"
        if not path.is_file():
            raise RunFolderError(f"{path}: no gaps.csv; run `evidence evaluate {self.path}`")
        return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])

    def raw_page(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Return one raw evidence file, given its path relative to the run folder."""
        target = (self.path / path).resolve()
        if not target.is_relative_to(self.path.resolve()) or not target.is_file():
            raise RunFolderError(f"{path}: not a file of run {self.path}")
        data = json.loads(target.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise RunFolderError(f"{path}: not a raw evidence page")
        return data


def open_run(path: str | os.PathLike[str]) -> Run:
    """Open a run folder for analysis.

    Parameters
    ----------
    path
        The run folder (holding run.json).

    Returns
    -------
    Run
        ``.path``, ``.meta`` (run.json), ``.params``, every frame as an attribute,
        ``.findings``, ``.gaps``, ``frame(name)``, ``frames()`` and ``raw_page(path)``.
    """
    return Run(Path(path))
