"""Session-wide test settings: fake credentials, no network, shared fixtures."""

from __future__ import annotations

import os

import pytest

# Fixtures live in plugin modules, one per area, so that each area's fixtures stay together.
pytest_plugins = ["tests.fixtures_demo", "tests.fixtures_run"]


@pytest.fixture(autouse=True, scope="session")
def _fake_aws_credentials() -> None:
    """Every test runs with fake credentials and without any real AWS profile."""
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    os.environ["AWS_SESSION_TOKEN"] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ.pop("AWS_PROFILE", None)
