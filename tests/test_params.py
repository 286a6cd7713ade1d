"""Tests of the parameters model: loading, period keywords and one-line refusals."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from evidence_lib import cli
from evidence_lib.errors import ParameterError
from evidence_lib.params import (
    GUIDE_CONTROL_IDS,
    Params,
    known_control_ids,
    load_params,
    parse_params,
    resolve_period_value,
)
from evidence_lib.regions import REGIONS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "parameters" / "demo.yaml"
EXAMPLE = ROOT / "parameters" / "quarterly.example.yaml"
NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture()
def demo() -> dict[str, Any]:
    """Return the demo parameters as a mapping, for mutation."""
    return copy.deepcopy(yaml.safe_load(DEMO.read_text(encoding="utf-8")))


def _refusal(data: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> str:
    change(data)
    with pytest.raises(ParameterError) as caught:
        parse_params(data, now=NOW)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_demo_file_loads_with_resolved_period() -> None:
    """The demo file loads, and its period keywords resolve against the given time."""
    params = load_params(DEMO, now=NOW)
    assert params.run.period.start == dt.date(2026, 1, 1)
    assert params.run.period.end == dt.date(2026, 5, 10)
    assert params.aws.accounts[0].id == "123456789012"
    assert params.render.controls == "all"


def test_example_file_loads() -> None:
    """The documented quarterly example is itself a valid parameters file."""
    params = load_params(EXAMPLE, now=NOW)
    assert params.run.period.start == dt.date(2026, 1, 1)
    assert params.run.period.end == dt.date(2026, 3, 31)
    assert len(params.aws.accounts) >= 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("today", dt.date(2026, 5, 10), id="today"),
        pytest.param("current_quarter_start", dt.date(2026, 4, 1), id="current-quarter"),
        pytest.param("last_full_quarter_start", dt.date(2026, 1, 1), id="last-quarter-start"),
        pytest.param("last_full_quarter_end", dt.date(2026, 3, 31), id="last-quarter-end"),
        pytest.param("days_ago:10", dt.date(2026, 4, 30), id="days-ago"),
        pytest.param("2025-07-01", dt.date(2025, 7, 1), id="iso-text"),
        pytest.param(dt.date(2025, 7, 1), dt.date(2025, 7, 1), id="yaml-date"),
    ],
)
def test_period_keywords(value: object, expected: dt.date) -> None:
    """Each period keyword resolves to the expected day."""
    assert resolve_period_value(value, NOW) == expected


def test_last_full_quarter_wraps_the_year() -> None:
    """In the first quarter, the last full quarter is October to December of the year before."""
    january = dt.datetime(2026, 2, 3, tzinfo=dt.UTC)
    assert resolve_period_value("last_full_quarter_start", january) == dt.date(2025, 10, 1)
    assert resolve_period_value("last_full_quarter_end", january) == dt.date(2025, 12, 31)


def test_omitted_sections_take_documented_defaults(demo: dict[str, Any]) -> None:
    """A file with only run and aws gets every threshold's default."""
    params = parse_params({"run": demo["run"], "aws": demo["aws"]}, now=NOW)
    assert params.thresholds.backup_retention_days == 35
    assert params.thresholds.log_archive_days == 365
    assert params.thresholds.business_hours.weekdays == ["mon", "tue", "wed", "thu", "fri"]
    assert params.attestations.baa is None
    assert params.render.formats == ["html", "pdf"]


def test_endpoint_url_comes_from_environment(
    demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A null endpoint_url is taken from AWS_ENDPOINT_URL at load."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert parse_params(demo, now=NOW).aws.endpoint_url == "http://127.0.0.1:4566"


def test_to_json_round_trips(demo: dict[str, Any]) -> None:
    """Params.to_json is JSON-safe and parses back to the same parameters."""
    params = parse_params(demo, now=NOW)
    data = params.to_json()
    assert data["run"]["period"] == {"start": "2026-01-01", "end": "2026-05-10"}
    assert data["attestations"]["baa"]["accepted_on"] == "2024-01-15"
    assert parse_params(data, stored=True) == params


@pytest.mark.parametrize(
    ("change", "field", "value", "accepted"),
    [
        pytest.param(
            lambda d: d["aws"].update(regon=["us-east-1"]),
            "aws.regon",
            "['us-east-1']",
            "profile, endpoint_url, regions, accounts",
            id="unknown-key",
        ),
        pytest.param(
            lambda d: d.update(extras=1),
            "extras",
            "1",
            "attestations, render",
            id="unknown-section",
        ),
        pytest.param(
            lambda d: d["aws"].update(max_attempts="many"),
            "aws.max_attempts",
            "'many'",
            "an integer from 1 to 20",
            id="wrong-type",
        ),
        pytest.param(
            lambda d: d["aws"].update(max_workers=64),
            "aws.max_workers",
            "64",
            "an integer from 1 to 32",
            id="out-of-range",
        ),
        pytest.param(
            lambda d: d["run"]["period"].update(start="2026-05-01", end="2026-04-01"),
            "run.period.end",
            "'2026-04-01'",
            "on or after the start 2026-05-01",
            id="period-ends-before-start",
        ),
        pytest.param(
            lambda d: d["run"]["period"].update(start="yesterday"),
            "run.period.start",
            "'yesterday'",
            "last_full_quarter_start",
            id="unknown-period-keyword",
        ),
        pytest.param(
            lambda d: d["aws"].update(regions=["us-east-1", "us-east-7"]),
            "aws.regions[1]",
            "'us-east-7'",
            "us-gov-west-1",
            id="unknown-region",
        ),
        pytest.param(
            lambda d: d["aws"]["accounts"][0].update(id="12345"),
            "aws.accounts[0].id",
            "'12345'",
            "a 12-digit string",
            id="short-account-id",
        ),
        pytest.param(
            lambda d: d["aws"]["accounts"][0].update(id=123456789012),
            "aws.accounts[0].id",
            "123456789012",
            "a 12-digit string in quotes",
            id="account-id-not-text",
        ),
        pytest.param(
            lambda d: d["aws"]["accounts"][0].update(role_arn="arn:aws:iam::123456789012:user/a"),
            "aws.accounts[0].role_arn",
            "'arn:aws:iam::123456789012:user/a'",
            "arn:aws[-partition]:iam::<12 digits>:role/<path/name>",
            id="role-arn-wrong-form",
        ),
        pytest.param(
            lambda d: d["aws"]["accounts"][0].update(role_arn="arn:aws:iam::999999999999:role/a"),
            "aws.accounts[0].role_arn",
            "'arn:aws:iam::999999999999:role/a'",
            "a role in account 123456789012",
            id="role-in-other-account",
        ),
        pytest.param(
            lambda d: d["render"].update(controls=["0706.10b1", "0999.99z9"]),
            "render.controls[1]",
            "'0999.99z9'",
            "164.308(b)(1), 0706.10b1",
            id="unknown-control",
        ),
        pytest.param(
            lambda d: d["render"].update(formats=["html", "docx"]),
            "render.formats[1]",
            "'docx'",
            "'html' or 'pdf'",
            id="unknown-format",
        ),
        pytest.param(
            lambda d: d["aws"].update(endpoint_url="ftp://example.test"),
            "aws.endpoint_url",
            "'ftp://example.test'",
            "http:// or https:// URL",
            id="endpoint-not-http",
        ),
        pytest.param(
            lambda d: d["thresholds"]["business_hours"].update(timezone="Mars/Olympus"),
            "thresholds.business_hours.timezone",
            "'Mars/Olympus'",
            "IANA time zone",
            id="unknown-time-zone",
        ),
        pytest.param(
            lambda d: d["thresholds"]["min_engine_version"].update(memcached="1.6"),
            "thresholds.min_engine_version.memcached",
            "'memcached'",
            "redis, valkey",
            id="unknown-engine",
        ),
        pytest.param(
            lambda d: d["thresholds"].update(backup_retention_days=40),
            "thresholds.backup_retention_days",
            "40",
            "less than or equal to 35",
            id="retention-above-35",
        ),
        pytest.param(
            lambda d: d["cloudtrail"].update(sources=["lookup_events", "athena"]),
            "cloudtrail.sources[1]",
            "'athena'",
            "'lookup_events' or 's3_archive'",
            id="unknown-cloudtrail-source",
        ),
        pytest.param(
            lambda d: d["cloudtrail"].update(event_sources=["elasticache"]),
            "cloudtrail.event_sources[0]",
            "'elasticache'",
            "amazonaws.com",
            id="event-source-form",
        ),
        pytest.param(
            lambda d: d["attestations"]["baa"].update(accepted_on="soon"),
            "attestations.baa.accepted_on",
            "'soon'",
            "a date YYYY-MM-DD",
            id="attestation-date",
        ),
        pytest.param(lambda d: d.pop("aws"), "aws", "(missing)", "required", id="missing-section"),
    ],
)
def test_refusal_names_field_value_and_accepted(
    demo: dict[str, Any],
    change: Callable[[dict[str, Any]], object],
    field: str,
    value: str,
    accepted: str,
) -> None:
    """Each invalid value is refused in one line naming field, value and what is accepted."""
    message = _refusal(demo, change)
    assert message.startswith(f"{field}: {value} is not valid; accepted: ")
    assert accepted in message.split("accepted: ", 1)[1]


def test_several_problems_share_one_line(demo: dict[str, Any]) -> None:
    """Two invalid values are both named, joined by '; ' on one line."""

    def change(data: dict[str, Any]) -> None:
        data["aws"]["accounts"][0]["id"] = "1"
        data["render"]["jobs"] = 99

    message = _refusal(demo, change)
    assert "aws.accounts[0].id: '1'" in message
    assert "; render.jobs: 99" in message


def test_duplicate_accounts_are_refused(demo: dict[str, Any]) -> None:
    """The same account listed twice is refused."""
    message = _refusal(demo, lambda d: d["aws"]["accounts"].append(dict(d["aws"]["accounts"][0])))
    assert message.startswith("aws.accounts: ") and "each account id once" in message


def test_not_a_mapping_is_refused() -> None:
    """A YAML document that is not a mapping names the source and the accepted sections."""
    with pytest.raises(ParameterError, match=r"^params\.yaml: \['a'\] is not valid; accepted: a"):
        parse_params(["a"], source="params.yaml")


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    """A missing parameters file is refused in one line."""
    with pytest.raises(ParameterError, match="parameters file: .*absent.yaml.*readable YAML"):
        load_params(tmp_path / "absent.yaml")


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    """A YAML syntax error names the file, line and column."""
    path = tmp_path / "broken.yaml"
    path.write_text("run:\n  name: [demo\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_params(path)
    assert str(caught.value).startswith(f"{path}:3:")
    assert "accepted: YAML syntax" in str(caught.value)


def test_known_control_ids_match_the_guide() -> None:
    """The control IDs (catalog or fallback) include every ID of the guide."""
    assert set(GUIDE_CONTROL_IDS) <= set(known_control_ids())
    assert len(GUIDE_CONTROL_IDS) == 17


def test_bundled_regions_are_botocore_regions() -> None:
    """Every bundled region is one botocore knows in the commercial or GovCloud partition."""
    import botocore.session

    session = botocore.session.get_session()
    known = set(session.get_available_regions("sts"))
    known |= set(session.get_available_regions("sts", partition_name="aws-us-gov"))
    assert REGIONS <= known


def test_params_models_forbid_unknown_keys() -> None:
    """Every nested model refuses keys it does not declare."""
    pending = [Params]
    while pending:
        model = pending.pop()
        assert model.model_config.get("extra") == "forbid", model.__name__
        for info in model.model_fields.values():
            annotation = info.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                pending.append(annotation)


def test_cli_collect_bad_params_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`evidence collect --params bad.yaml` prints one line on stderr and exits 2."""
    bad = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    bad["aws"]["regions"] = ["moon-east-1"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")

    code = cli.main(["-q", "collect", "--params", str(path), "--out", str(tmp_path / "out")])

    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    assert lines[0].startswith("evidence: aws.regions[0]: 'moon-east-1' is not valid; accepted:")
    assert not (tmp_path / "out").exists()
