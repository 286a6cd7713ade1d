"""Exceptions raised by evidence_lib.

The tree::

    EvidenceError
    ├── ParameterError        a parameters file or argument is invalid (exit code 2)
    ├── RunFolderError        a run folder is missing, incomplete or not ours (exit code 2)
    ├── SchemaError           a frame does not match its declared schema
    ├── CollectionError       collection could not start at all (no credentials, no endpoint)
    └── RenderError           a report could not be executed or exported

Failed AWS calls are not exceptions: collectors turn them into gap records.
"""

from __future__ import annotations


class EvidenceError(Exception):
    """Root of every error this library raises on purpose."""


class ParameterError(EvidenceError):
    """A parameter is invalid; the message names the field, the value and what is accepted."""

    def __init__(self, field: str, value: object, accepted: str) -> None:
        self.field = field
        self.value = value
        self.accepted = accepted
        super().__init__(f"{field}: {value!r} is not valid; accepted: {accepted}")


class RunFolderError(EvidenceError):
    """A run folder is missing, incomplete, or not a run folder."""


class SchemaError(EvidenceError):
    """A frame does not match its declared schema."""


class CollectionError(EvidenceError):
    """Collection could not start (no credentials, unreachable endpoint)."""


class RenderError(EvidenceError):
    """A report could not be executed or exported."""
