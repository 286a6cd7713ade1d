"""Checks: pure functions from frames and parameters to findings rows.

One module per domain registers its checks with ``@register``; ``evaluate_findings`` runs them
all once and reports each row under every control the catalog maps the check to.
"""

from __future__ import annotations

from evidence_lib.checks.registry import (
    FINDINGS_COLUMNS,
    REGISTRY,
    CheckSpec,
    build_run_context,
    evaluate_check,
    evaluate_findings,
    register,
    registered_checks,
    write_findings,
)

__all__ = [
    "FINDINGS_COLUMNS",
    "REGISTRY",
    "CheckSpec",
    "build_run_context",
    "evaluate_check",
    "evaluate_findings",
    "register",
    "registered_checks",
    "write_findings",
]
