"""Tests of the control catalog and its ties to the check registry."""

from __future__ import annotations

from evidence_lib.checks import registered_checks
from evidence_lib.controls import (
    DOMAINS,
    control_ids,
    format_catalog,
    load_catalog,
    load_engine_support,
)

GUIDE_IDS = [
    "0706.10b1", "1410.09e2", "1601.12c1", "1618.09l1", "1620.09l1", "0805.01m1", "0808.10b2",
    "0903.10f1", "1903.06d1", "19141.06c1", "1616.09l1", "1202.09aa1", "1203.09aa1",
    "1204.09aa1", "12100.09ab2", "1270.09ad1", "164.308(b)(1)",
]  # fmt: skip
DESIGN_CHECKS = """baa_in_place engine_version_supported engine_latest_patch
auto_minor_version_upgrade service_updates_applied non_default_port custom_parameter_group
multi_az_enabled automatic_failover_enabled replicas_across_azs subnet_group_multi_az
default_subnet_group_not_used no_public_subnet security_groups_restricted encryption_at_rest
encryption_in_transit auth_required customer_managed_key snapshots_encrypted
automatic_backups_enabled backup_retention_sufficient recent_backup_exists backup_window_set
maintenance_window_set backup_notifications long_term_archive trail_enabled_multi_region
trail_log_file_validation trail_encrypted log_retention log_archive_one_year
logging_uninterrupted audit_record_complete privileged_actions_logged alarms_on_irregularities
irregularity_review""".split()


def test_catalog_has_every_control_of_the_guide():
    """Every control ID of the guide and HIPAA 164.308(b)(1) is in the catalog, once."""
    assert sorted(control_ids()) == sorted(GUIDE_IDS)


def test_every_catalog_check_is_registered_and_back():
    """Catalog and registry name the same checks, exactly the IDs of the design."""
    catalog = load_catalog()
    assert set(catalog.check_ids()) == set(registered_checks())
    assert sorted(registered_checks()) == sorted(DESIGN_CHECKS)


def test_every_control_is_complete():
    """Each control has a domain, a step, a reference, a requirement and at least one check."""
    for control in load_catalog().controls:
        assert control.domain in DOMAINS
        assert control.checks and control.requirement and control.title
        assert control.hitrust_reference and all(1 <= s <= 6 for s in control.guide_step)


def test_controls_of_steps_three_and_five_carry_both_check_sets():
    """1618.09l1 and 1620.09l1 (guide steps 3 and 5) map availability and backup checks."""
    catalog = load_catalog()
    for control_id in ("1618.09l1", "1620.09l1"):
        control = catalog.control(control_id)
        assert control.guide_step_text == "3, 5"
        assert {"replicas_across_azs", "backup_retention_sufficient"} <= set(control.checks)
    assert catalog.controls_of("multi_az_enabled") == [
        "1410.09e2",
        "1601.12c1",
        "1618.09l1",
        "1620.09l1",
    ]


def test_format_catalog_lists_each_control():
    """The `evidence controls` table names every control with its HITRUST reference."""
    table = format_catalog()
    assert load_catalog().version in table
    for control in load_catalog().controls:
        assert control.id in table and control.hitrust_reference in table


def test_engine_support_table_has_dates_for_old_redis():
    """The bundled table ends standard support of Redis OSS 4/5 and 6, not yet of Valkey."""
    source, entries = load_engine_support()
    ends = {(e.engine, e.major): e.end_of_standard_support for e in entries}
    assert "end of life schedule" in source
    assert str(ends[("redis", 5)]) == "2026-01-31" and str(ends[("redis", 6)]) == "2027-01-31"
    assert ends[("valkey", 8)] is None
