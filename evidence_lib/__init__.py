"""Audit evidence for Amazon ElastiCache mapped to HITRUST CSF and HIPAA.

The analyst entry points are importable from the package itself and load lazily, so that
``import evidence_lib`` stays cheap:

- ``open_run(path)``: a run folder whose frames load on first access;
- ``collect(params)``: collect a run from a notebook;
- ``read_cloudtrail(sources)``: CloudTrail log files at hand into the ``cloudtrail_events`` frame.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {
    "open_run": "evidence_lib.runfolder",
    "collect": "evidence_lib.collectors",
    "read_cloudtrail": "evidence_lib.cloudtrail",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evidence_lib' has no attribute {name!r}")
