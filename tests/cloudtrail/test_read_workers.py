"""read_cloudtrail in worker processes: the same frame as in one process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evidence_lib import cloudtrail_read
from evidence_lib.cloudtrail import read_cloudtrail
from evidence_lib.cloudtrail_read import WORKER_FILES
from tests.cloudtrail import samples as s
from tests.cloudtrail.conftest import log_file


def _folder(tmp_path: Path) -> Path:
    """Write more files than one worker batch, each with every shape under fresh IDs."""
    tmp_path.mkdir(exist_ok=True)
    for number in range(WORKER_FILES + 4):
        records = [
            s.record(r, eventID=f"{number:04d}-{index:04d}")
            for index, r in enumerate(s.EVERY_SHAPE)
        ]
        (tmp_path / f"f{number:03d}.json.gz").write_bytes(log_file(records))
    return tmp_path


def test_workers_give_the_same_frame(tmp_path: Path) -> None:
    """Two worker processes give exactly the frame one process gives."""
    folder = _folder(tmp_path)
    one = read_cloudtrail(folder, workers=1)
    two = read_cloudtrail(folder, workers=2)
    assert len(one) == (WORKER_FILES + 4) * len(s.EVERY_SHAPE)
    pd.testing.assert_frame_equal(one, two)
    assert one.attrs["malformed"] == two.attrs["malformed"] == []


def test_raw_path_names_the_file(tmp_path: Path) -> None:
    """Files read at hand name themselves in both source_object and raw_path."""
    frame = read_cloudtrail(_folder(tmp_path))
    assert frame["raw_path"].equals(frame["source_object"])
    assert frame["raw_path"].iloc[0].endswith(".json.gz")


def test_worker_files_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Arrow files workers hand their chunks over in are gone once the frame is read."""
    handover = tmp_path / "handover"
    handover.mkdir()
    monkeypatch.setattr(cloudtrail_read, "HANDOVER_DIR", str(handover))
    frame = read_cloudtrail(_folder(tmp_path / "logs"), workers=2)
    assert len(frame) == (WORKER_FILES + 4) * len(s.EVERY_SHAPE)
    assert list(handover.iterdir()) == []
