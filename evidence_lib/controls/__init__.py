"""The control catalog and the bundled engine end-of-support table, both kept as data.

``catalog.yaml`` lists every control of the HITRUST ElastiCache guide and HIPAA
164.308(b)(1), with the checks mapped to each; ``engine_support.yaml`` holds the end of
standard support of each engine major version. Both are validated when loaded.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from evidence_lib.errors import EvidenceError

DOMAINS = ("baa", "engine", "availability", "network", "encryption", "backups", "logging")
_CONTROL_FIELDS = (
    "id",
    "title",
    "domain",
    "guide_step",
    "hitrust_reference",
    "requirement",
    "checks",
    "parameters",
    "limitations",
)


@dataclass(frozen=True)
class Control:
    """One control of the catalog."""

    id: str
    title: str
    domain: str
    guide_step: tuple[int, ...]
    hitrust_reference: str
    requirement: str
    checks: tuple[str, ...]
    parameters: tuple[str, ...]
    limitations: tuple[str, ...]

    @property
    def guide_step_text(self) -> str:
        """The guide step(s) as printed, e.g. ``"3, 5"``."""
        return ", ".join(str(step) for step in self.guide_step)


@dataclass(frozen=True)
class Catalog:
    """The whole catalog: its version, controls and the data lists checks read."""

    version: str
    controls: tuple[Control, ...]
    privileged_actions: tuple[str, ...]
    trail_tamper_actions: tuple[str, ...]

    def control(self, control_id: str) -> Control:
        """Return the control with ID ``control_id``."""
        for control in self.controls:
            if control.id == control_id:
                return control
        known = ", ".join(c.id for c in self.controls)
        raise KeyError(f"unknown control {control_id!r}; known: {known}")

    def check_ids(self) -> list[str]:
        """Return every check ID mapped to at least one control, in first-mention order."""
        return list(dict.fromkeys(c for control in self.controls for c in control.checks))

    def controls_of(self, check_id: str) -> list[str]:
        """Return the IDs of the controls a check is mapped to."""
        return [control.id for control in self.controls if check_id in control.checks]


@dataclass(frozen=True)
class EngineSupport:
    """End of standard and extended support of one engine major version."""

    engine: str
    major: int
    end_of_standard_support: dt.date | None
    end_of_extended_support: dt.date | None


def _invalid(where: str, problem: str) -> EvidenceError:
    return EvidenceError(f"control catalog, {where}: {problem}")


def _as_strings(value: Any, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _invalid(where, "must be a list of non-empty strings")
    if not value and not allow_empty:
        raise _invalid(where, "must not be empty")
    return tuple(value)


def _parse_control(entry: Any, index: int) -> Control:
    if not isinstance(entry, dict) or set(entry) != set(_CONTROL_FIELDS):
        keys = sorted(entry) if isinstance(entry, dict) else entry
        raise _invalid(f"controls[{index}]", f"keys {keys}; expected {list(_CONTROL_FIELDS)}")
    where = f"control {entry['id']!r}"
    for name in ("id", "title", "requirement"):
        if not isinstance(entry[name], str) or not entry[name].strip():
            raise _invalid(where, f"{name} must be non-empty text")
    if entry["domain"] not in DOMAINS:
        raise _invalid(where, f"domain {entry['domain']!r}; accepted: {', '.join(DOMAINS)}")
    steps = entry["guide_step"]
    if not isinstance(steps, list) or not steps or not all(s in range(1, 7) for s in steps):
        raise _invalid(where, f"guide_step {steps!r}; accepted: a list of 1..6")
    return Control(
        id=entry["id"],
        title=entry["title"].strip(),
        domain=entry["domain"],
        guide_step=tuple(steps),
        hitrust_reference=str(entry["hitrust_reference"]),
        requirement=" ".join(entry["requirement"].split()),
        checks=_as_strings(entry["checks"], f"{where} checks", allow_empty=False),
        parameters=_as_strings(entry["parameters"], f"{where} parameters"),
        limitations=_as_strings(entry["limitations"], f"{where} limitations"),
    )


def _read_yaml(name: str) -> Any:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@functools.cache
def load_catalog() -> Catalog:
    """Load and validate the bundled control catalog.

    Returns
    -------
    Catalog
        The catalog version, every control in catalog order, and the action lists the
        logging checks read.

    Raises
    ------
    EvidenceError
        When an entry is malformed, a control ID repeats or a check list repeats a check.
    """
    document = _read_yaml("catalog.yaml")
    controls = tuple(_parse_control(e, i) for i, e in enumerate(document["controls"]))
    ids = [control.id for control in controls]
    if len(set(ids)) != len(ids):
        raise _invalid("controls", f"repeated control IDs in {ids}")
    for control in controls:
        if len(set(control.checks)) != len(control.checks):
            raise _invalid(f"control {control.id!r}", "a check is listed twice")
    return Catalog(
        version=str(document["version"]),
        controls=controls,
        privileged_actions=_as_strings(document["privileged_actions"], "privileged_actions"),
        trail_tamper_actions=_as_strings(document["trail_tamper_actions"], "trail_tamper_actions"),
    )


def control_ids() -> list[str]:
    """Return every control ID of the catalog, in catalog order."""
    return [control.id for control in load_catalog().controls]


@functools.cache
def load_engine_support() -> tuple[str, tuple[EngineSupport, ...]]:
    """Load the bundled end-of-support table.

    Returns
    -------
    tuple of (str, tuple of EngineSupport)
        The table's source line and one entry per engine major version.
    """
    document = _read_yaml("engine_support.yaml")
    entries = tuple(
        EngineSupport(
            engine=str(row["engine"]),
            major=int(row["major"]),
            end_of_standard_support=row["end_of_standard_support"],
            end_of_extended_support=row["end_of_extended_support"],
        )
        for row in document["versions"]
    )
    return " ".join(str(document["source"]).split()), entries


def format_catalog() -> str:
    """Return the catalog as a plain-text table for ``evidence controls``."""
    catalog = load_catalog()
    header = ("control", "step", "domain", "HITRUST ref", "title", "checks")
    rows = [
        (c.id, c.guide_step_text, c.domain, c.hitrust_reference, c.title, ", ".join(c.checks))
        for c in catalog.controls
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        return "  ".join([*cells, row[-1]])

    rule = "  ".join("-" * w for w in [*widths, len(header[-1])])
    body = [line(header), rule, *(line(row) for row in rows)]
    return "\n".join([f"Control catalog version {catalog.version}", "", *body])
