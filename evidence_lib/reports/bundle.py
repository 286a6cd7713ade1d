"""bundle.zip: the reports, findings, gaps, run.json and manifest of a run, for assessors."""

from __future__ import annotations

import zipfile
from pathlib import Path

from evidence_lib.runfolder import write_manifest

BUNDLED = ["run.json", "findings.parquet", "findings.csv", "gaps.csv", "index.html", "summary.pdf"]


def write_bundle(run_dir: Path) -> Path:
    """Write bundle.zip with a fresh manifest.json inside.

    Parameters
    ----------
    run_dir : Path
        The run folder.

    Returns
    -------
    Path
        The bundle. Entries keep their run-relative paths; the manifest in the bundle lists
        every file of the run except the bundle itself.
    """
    run_dir = Path(run_dir)
    write_manifest(run_dir)
    names = [n for n in BUNDLED if (run_dir / n).is_file()]
    names += sorted(p.relative_to(run_dir).as_posix() for p in (run_dir / "reports").glob("*"))
    path = run_dir / "bundle.zip"
    tmp = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in [*names, "manifest.json"]:
            archive.write(run_dir / name, arcname=name)
    tmp.replace(path)
    return path
