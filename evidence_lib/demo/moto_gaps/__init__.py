"""In-process extensions that close moto's gaps, so the demo endpoint answers like AWS.

``elasticache`` extends moto's ElastiCache; ``cloudtrail`` adds CloudTrail LookupEvents;
``artifact`` answers AWS Artifact with a quiet "not emulated" error instead of moto's 500.
"""

from __future__ import annotations


def install() -> None:
    """Install every moto extension in this process (idempotent)."""
    from evidence_lib.demo.moto_gaps import artifact, cloudtrail, elasticache

    elasticache.install()
    cloudtrail.install()
    artifact.install()
