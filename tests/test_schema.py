"""Tests of the declared frame schemas."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence_lib.errors import SchemaError
from evidence_lib.frames.schema import LEADING, SCHEMAS, schema_for


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_has_leading_columns_and_round_trips_empty(name):
    """Each frame starts with the fixed leading columns and its empty frame validates."""
    schema = SCHEMAS[name]
    assert list(schema.all_columns)[: len(LEADING)] == list(LEADING)
    assert list(schema.all_columns)[-1] == "raw_path"
    schema.validate(schema.coerce(schema.empty()))


def test_time_columns_are_named_time_and_utc():
    """Every timestamp column is named *_time (or creation/create time) and stored as UTC."""
    for schema in SCHEMAS.values():
        for column, kind in schema.all_columns.items():
            if kind == "time":
                assert column.endswith("_time"), (schema.name, column)


def test_coerce_keeps_not_reported_apart_from_false():
    """A missing boolean stays <NA>, distinct from False, after coercion."""
    schema = schema_for("replication_groups")
    row = {c: None for c in schema.all_columns}
    frame = schema.coerce(pd.DataFrame([row, {**row, "multi_az_enabled": False}]))

    assert frame["multi_az_enabled"].isna().tolist() == [True, False]
    assert str(frame["create_time"].dtype) == "datetime64[ns, UTC]"


def test_validate_names_missing_and_wrong_columns():
    """Validation names the frame and what differs."""
    schema = schema_for("subnets")
    with pytest.raises(SchemaError, match="subnets: missing columns"):
        schema.coerce(pd.DataFrame({"account_id": ["1"]}))
    with pytest.raises(SchemaError, match="unknown frame 'nope'"):
        schema_for("nope")
