"""AWS Artifact on the demo endpoint: one quiet, honest "not emulated" error, not a 500."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from evidence_lib.demo.moto_gaps import artifact
from evidence_lib.demo.server import DemoEndpoint


@pytest.fixture(scope="module")
def bare_endpoint() -> Iterator[str]:
    """Start an unseeded demo endpoint (nothing is seeded, so moto's state is untouched)."""
    with DemoEndpoint() as endpoint:
        yield endpoint.url


def _client(service: str, url: str) -> tuple[Any, list[str]]:
    """Return a stock client and the list its before-send hook appends each request to."""
    client = boto3.client(service, endpoint_url=url, region_name="us-east-1")
    sent: list[str] = []
    client.meta.events.register("before-send", lambda **kw: sent.append(kw["event_name"]))
    return client, sent


def test_list_customer_agreements_is_refused_once_and_quietly(bare_endpoint, capfd):
    """ListCustomerAgreements raises UnsupportedOperation (400) once, printing nothing."""
    client, sent = _client("artifact", bare_endpoint)
    with pytest.raises(ClientError) as caught:
        client.list_customer_agreements()
    error = caught.value.response
    assert error["Error"]["Code"] == "UnsupportedOperation"
    assert error["Error"]["Message"] == artifact.ERROR_MESSAGE
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["ResponseMetadata"]["RetryAttempts"] == 0
    assert sent == ["before-send.artifact.ListCustomerAgreements"]
    assert capfd.readouterr() == ("", "")


def test_other_services_still_reach_moto(bare_endpoint, capfd):
    """Requests signed for other services pass through the wrapped dispatcher unchanged."""
    client, sent = _client("sts", bare_endpoint)
    assert client.get_caller_identity()["Account"] == "123456789012"
    assert len(sent) == 1
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("authorization", "service"),
    [
        pytest.param(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/artifact/aws4_request, "
            "SignedHeaders=host, Signature=abc",
            "artifact",
            id="sigv4-artifact",
        ),
        pytest.param(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/S3/aws4_request, "
            "SignedHeaders=host, Signature=abc",
            "s3",
            id="sigv4-s3",
        ),
        pytest.param("AWS AKID:signature", None, id="sigv2"),
        pytest.param(None, None, id="unsigned"),
    ],
)
def test_signing_service_reads_the_credential_scope(authorization, service):
    """The signing name comes from the SigV4 credential scope; anything else gives None."""
    environ = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    assert artifact.signing_service(environ) == service


@pytest.mark.slow
def test_demo_run_records_artifact_as_one_gap(demo_run):
    """The collected demo run holds one Artifact gap with the endpoint's code, not a 500."""
    with (demo_run / "gaps.csv").open(encoding="utf-8", newline="") as handle:
        gaps = [row for row in csv.DictReader(handle) if row["service"] == "artifact"]
    assert [(g["operation"], g["error_code"]) for g in gaps] == [
        ("ListCustomerAgreements", "UnsupportedOperation")
    ]
    assert gaps[0]["error_message"] == artifact.ERROR_MESSAGE
