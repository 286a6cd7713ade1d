"""The embedded endpoint: starts on a free loopback port, stays quiet, stops."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from evidence_lib.demo.server import DemoEndpoint, shell_lines


def test_endpoint_serves_on_loopback_and_stops(capsys):
    """A fresh endpoint answers boto3 on 127.0.0.1 without printing request logs, then stops."""
    with DemoEndpoint() as endpoint:
        assert endpoint.url.startswith("http://127.0.0.1:")
        client = boto3.client("sns", endpoint_url=endpoint.url, region_name="us-east-1")
        assert "Topics" in client.list_topics()
    assert capsys.readouterr().out == ""
    with pytest.raises(EndpointConnectionError):
        boto3.client(
            "sns",
            endpoint_url=endpoint.url,
            region_name="us-east-1",
            config=boto3.session.Config(retries={"max_attempts": 1}),
        ).list_topics()


def test_shell_lines_name_endpoint_and_demo_credentials():
    """The printed lines export the endpoint, demo credentials and region."""
    lines = shell_lines("http://127.0.0.1:5555")
    assert lines == [
        "export AWS_ENDPOINT_URL=http://127.0.0.1:5555",
        "export AWS_ACCESS_KEY_ID=demo",
        "export AWS_SECRET_ACCESS_KEY=demo",
        "export AWS_DEFAULT_REGION=us-east-1",
    ]


def test_demo_env_points_boto3_at_the_endpoint(demo_env):
    """With demo_env, a client built without endpoint_url reaches the demo endpoint."""
    client = boto3.client("elasticache")
    groups = client.describe_replication_groups()["ReplicationGroups"]
    assert "nwh-patient-sessions-prod" in {g["ReplicationGroupId"] for g in groups}
