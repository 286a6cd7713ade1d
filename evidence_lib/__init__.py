"""Audit evidence for Amazon ElastiCache mapped to HITRUST CSF and HIPAA."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
