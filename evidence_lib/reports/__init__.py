"""Per-control reports: notebook execution, HTML and PDF export, index and bundle.

The notebook helpers (``evidence_lib.reports.notebook``) are imported by the report kernels;
the runner (``render_run``) loads lazily so that importing the helpers stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "render_run": "evidence_lib.reports.runner",
    "RenderResult": "evidence_lib.reports.runner",
    "open_report": "evidence_lib.reports.notebook",
    "safe_name": "evidence_lib.reports.naming",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evidence_lib.reports' has no attribute {name!r}")
