"""AWS region names a parameters file may name.

The list is bundled (not read from botocore at run time) so that a parameters file is judged the
same way on every machine. It holds the commercial (``aws``) and GovCloud (``aws-us-gov``)
regions where ElastiCache is offered. ``global`` is not a region a user names: it is the folder
of calls that have no region (STS, Artifact), which are sent to ``us-east-1`` (or
``us-gov-west-1`` in GovCloud).
"""

from __future__ import annotations

COMMERCIAL_REGIONS: tuple[str, ...] = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)

GOVCLOUD_REGIONS: tuple[str, ...] = ("us-gov-east-1", "us-gov-west-1")

REGIONS: frozenset[str] = frozenset(COMMERCIAL_REGIONS + GOVCLOUD_REGIONS)

GLOBAL_REGION = "global"


def is_known_region(name: str) -> bool:
    """Return whether ``name`` is a bundled commercial or GovCloud region name."""
    return name in REGIONS


def global_endpoint_region(regions: list[str] | tuple[str, ...]) -> str:
    """Return the region that serves regionless calls (STS, Artifact) for a scope.

    Parameters
    ----------
    regions
        The regions in scope; a scope entirely in GovCloud is served from ``us-gov-west-1``.

    Returns
    -------
    str
        ``us-gov-west-1`` when every region is a GovCloud region, else ``us-east-1``.
    """
    if regions and all(region in GOVCLOUD_REGIONS for region in regions):
        return "us-gov-west-1"
    return "us-east-1"
