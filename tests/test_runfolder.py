"""Tests of the run folder: run.json, manifest, verification, evaluate_run and open_run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import evidence_lib.checks
from evidence_lib import cli
from evidence_lib.errors import RunFolderError
from evidence_lib.params import Params, load_params
from evidence_lib.rawstore import RawStore
from evidence_lib.runfolder import (
    MANIFEST,
    PACKAGES,
    evaluate_run,
    finish_run,
    new_run_dir,
    open_run,
    read_run_json,
    start_run,
    update_run_json,
    verify_run,
    write_manifest,
)

DEMO = Path(__file__).resolve().parents[1] / "parameters" / "demo.yaml"
NOW = dt.datetime(2026, 4, 2, 9, 15, 30, tzinfo=dt.UTC)
ACCOUNT = "123456789012"


@pytest.fixture()
def params() -> Params:
    """Return the demo parameters, resolved at a fixed time."""
    return load_params(DEMO, now=NOW)


@pytest.fixture()
def run_dir(tmp_path: Path, params: Params) -> Path:
    """Return a complete run folder: run.json, two raw pages, a nested file, a manifest."""
    run = start_run(tmp_path / "output", params, now=NOW)
    store = RawStore(run)
    for region in ("us-east-1", "us-west-2"):
        store.write_page(
            service="elasticache",
            operation="DescribeReplicationGroups",
            account_id=ACCOUNT,
            region=region,
            request={},
            response={"ReplicationGroups": [], "ResponseMetadata": {"HTTPStatusCode": 200}},
        )
    (run / "reports").mkdir()
    (run / "reports" / "0706.10b1.csv").write_text("check_id,status\nx,PASS\n", encoding="utf-8")
    finish_run(run)
    return run


def test_new_run_dir_name_and_never_overwrites(tmp_path: Path) -> None:
    """The folder is <name>-<UTC stamp>; a second one at the same second gets a suffix."""
    first = new_run_dir(tmp_path, "quarterly", NOW)
    (first / "keep.txt").write_text("x", encoding="utf-8")
    second = new_run_dir(tmp_path, "quarterly", NOW)
    assert first.name == "quarterly-20260402T091530Z"
    assert second.name == "quarterly-20260402T091530Z-2"
    assert (first / "keep.txt").read_text(encoding="utf-8") == "x"


def test_run_json_records_scope_versions_and_status(run_dir: Path, params: Params) -> None:
    """run.json holds run ID, parameters, scope, versions, times and the final status."""
    meta = read_run_json(run_dir)
    assert meta["run_id"] == run_dir.name
    assert meta["parameters"] == params.to_json()
    assert meta["scope"] == {
        "accounts": [ACCOUNT],
        "regions": ["us-east-1", "us-west-2"],
        "period": {"start": "2026-01-01", "end": "2026-04-02"},
    }
    assert set(meta["package_versions"]) == set(PACKAGES)
    assert meta["package_versions"]["boto3"].startswith("1.")
    assert meta["started_at"] == "2026-04-02T09:15:30Z"
    assert meta["finished_at"].endswith("Z") and meta["status"] == "complete"


def test_update_run_json_keeps_other_fields(run_dir: Path) -> None:
    """update_run_json sets the given fields and keeps the rest."""
    update_run_json(run_dir, caller_identities={ACCOUNT: {"Account": ACCOUNT}})
    meta = read_run_json(run_dir)
    assert meta["caller_identities"][ACCOUNT]["Account"] == ACCOUNT
    assert meta["run_id"] == run_dir.name
    assert not list(run_dir.glob(".*.tmp"))


def test_manifest_lists_every_other_file_sorted(run_dir: Path) -> None:
    """The manifest lists path, size and sha256 of every file but itself, sorted, posix paths."""
    manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    paths = [entry["path"] for entry in manifest["files"]]
    assert paths == sorted(paths)
    assert MANIFEST not in paths
    assert "run.json" in paths and "reports/0706.10b1.csv" in paths
    assert "raw/123456789012/us-west-2/elasticache/DescribeReplicationGroups/0001.json" in paths
    entry = next(e for e in manifest["files"] if e["path"] == "reports/0706.10b1.csv")
    assert entry["size"] == len("check_id,status\nx,PASS\n")
    assert len(entry["sha256"]) == 64


def test_verify_ok(run_dir: Path) -> None:
    """An untouched run folder verifies, in one OK line."""
    result = verify_run(run_dir)
    assert result.ok
    assert result.describe() == ["OK: 4 files match manifest"]


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("run.json", id="run-json"),
        pytest.param("reports/0706.10b1.csv", id="report"),
        pytest.param(
            "raw/123456789012/us-east-1/elasticache/DescribeReplicationGroups/0001.json", id="raw"
        ),
    ],
)
def test_one_changed_byte_is_named(run_dir: Path, relative: str) -> None:
    """Changing one byte of any file fails verification, naming that file only."""
    path = run_dir / relative
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    result = verify_run(run_dir)

    assert not result.ok
    assert result.changed == [relative] and not result.added and not result.missing
    assert result.describe() == [f"CHANGED: {relative} (size or sha256 differs from the manifest)"]


def test_added_and_missing_files_are_named(run_dir: Path) -> None:
    """A file added after the manifest and a file removed are both named."""
    (run_dir / "reports" / "extra.html").write_text("<p>late</p>", encoding="utf-8")
    (run_dir / "reports" / "0706.10b1.csv").unlink()

    result = verify_run(run_dir)

    assert not result.ok
    assert result.added == ["reports/extra.html"]
    assert result.missing == ["reports/0706.10b1.csv"]
    lines = result.describe()
    assert any(line.startswith("ADDED: reports/extra.html") for line in lines)
    assert any(line.startswith("MISSING: reports/0706.10b1.csv") for line in lines)


def test_rewritten_manifest_accepts_changes(run_dir: Path) -> None:
    """After write_manifest the changed folder verifies again."""
    (run_dir / "reports" / "extra.html").write_text("<p>late</p>", encoding="utf-8")
    write_manifest(run_dir)
    assert verify_run(run_dir).ok


def test_no_manifest_is_not_a_complete_run(run_dir: Path) -> None:
    """A folder without manifest.json is refused as incomplete."""
    (run_dir / MANIFEST).unlink()
    with pytest.raises(RunFolderError, match="has no manifest.json; it is not a complete run"):
        verify_run(run_dir)


def test_cli_verify_exit_codes(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`evidence verify` exits 0 on a good run, 1 naming a changed file, 2 without manifest."""
    assert cli.main(["-q", "verify", str(run_dir)]) == 0
    assert capsys.readouterr().out.strip() == "OK: 4 files match manifest"

    (run_dir / "reports" / "0706.10b1.csv").write_text("check_id,status\nx,FAIL\n", "utf-8")
    assert cli.main(["-q", "verify", str(run_dir)]) == 1
    assert "CHANGED: reports/0706.10b1.csv" in capsys.readouterr().out

    (run_dir / MANIFEST).unlink()
    assert cli.main(["-q", "verify", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not a complete run" in err


def test_evaluate_run_refuses_non_run_folder(tmp_path: Path) -> None:
    """evaluate_run needs run.json and raw/."""
    with pytest.raises(RunFolderError, match="no run.json"):
        evaluate_run(tmp_path)
    (tmp_path / "run.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RunFolderError, match="no raw/"):
        evaluate_run(tmp_path)


def test_evaluate_run_builds_frames_findings_and_manifest(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """evaluate_run builds frames, passes frames, stored params and run.json to the checks."""
    seen: dict[str, Any] = {}

    def fake_evaluate(frames: dict[str, Any], params: Params, meta: dict[str, Any]) -> str:
        seen.update(frames=set(frames), params=params, meta=meta)
        return "findings"

    def fake_write(target: Path, findings: str) -> None:
        (target / "findings.csv").write_text(f"{findings}\n", encoding="utf-8")

    monkeypatch.setattr(evidence_lib.checks, "evaluate_findings", fake_evaluate, raising=False)
    monkeypatch.setattr(evidence_lib.checks, "write_findings", fake_write, raising=False)

    evaluate_run(run_dir)

    assert "replication_groups" in seen["frames"]
    assert seen["params"].run.name == "demo" and seen["meta"]["run_id"] == run_dir.name
    assert (run_dir / "frames" / "replication_groups.parquet").is_file()
    assert verify_run(run_dir).ok
    manifest = (run_dir / MANIFEST).read_text(encoding="utf-8")
    assert '"findings.csv"' in manifest and '"gaps.csv"' in manifest


def test_evaluate_run_without_checks_still_builds_frames(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Without an importable evaluate_findings, frames are built and a warning says so."""
    monkeypatch.delattr(evidence_lib.checks, "evaluate_findings", raising=False)
    evaluate_run(run_dir)
    assert (run_dir / "gaps.csv").is_file()
    assert "findings not rebuilt" in caplog.text
    assert verify_run(run_dir).ok


def test_open_run_loads_frames_lazily(run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """open_run gives meta, params, cached frames as attributes, gaps and raw pages."""
    monkeypatch.delattr(evidence_lib.checks, "evaluate_findings", raising=False)
    evaluate_run(run_dir)

    run = open_run(run_dir)

    assert run.meta["run_id"] == run_dir.name and run.params.run.name == "demo"
    groups = run.replication_groups
    assert groups is run.frame("replication_groups") and len(groups) == 0
    assert str(groups["account_id"].dtype) == "string"
    assert set(run.frames()) >= {"replication_groups", "cloudtrail_events"}
    assert list(run.gaps.columns)[:2] == ["account_id", "region"]
    page = run.raw_page(
        "raw/123456789012/us-east-1/elasticache/DescribeReplicationGroups/0001.json"
    )
    assert page["operation"] == "DescribeReplicationGroups"


def test_open_run_refusals(run_dir: Path) -> None:
    """Unknown frames, missing findings and paths outside the run are refused clearly."""
    run = open_run(run_dir)
    with pytest.raises(AttributeError, match="frames: .*replication_groups"):
        _ = run.replication_grops
    with pytest.raises(RunFolderError, match="no findings"):
        _ = run.findings
    with pytest.raises(RunFolderError, match="not a file of run"):
        run.raw_page("../../../etc/passwd")
    with pytest.raises(RunFolderError, match="no run.json"):
        open_run(run_dir / "raw")
